"""hummingbot-backpack: Backpack Exchange connectors for Hummingbot, installed beside it (never into it).

The connector code lives under this package in Hummingbot's layout (``connector/exchange/backpack``...)
and is imported under Hummingbot's real module names by the import hook in ``import_hook`` (started by
``hummingbot_backpack.pth`` at interpreter start). Nothing here imports Hummingbot: this module runs in
every Python process of the environment.
"""
# Hummingbot releases this plugin is built and tested against (setup.py refuses any other one).
SUPPORTED_HUMMINGBOT_VERSIONS = ("20251103", "20260922")
DEFAULT_HUMMINGBOT_VERSION = "20251103"
# Hummingbot's releases between those two (setup.py excludes them from its requirement: not tested).
UNSUPPORTED_RELEASES_BETWEEN = (
    "20251215", "20260126", "20260201", "20260302", "20260402", "20260410", "20260415", "20260421",
    "20260430", "20260510", "20260520", "20260521", "20260601", "20260610", "20260616", "20260729",
    "20260901", "20260920",
)
