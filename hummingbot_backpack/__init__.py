"""hummingbot-backpack: Backpack Exchange connectors for Hummingbot, installed beside it (never into it).

The connector code lives under this package in Hummingbot's layout (``connector/exchange/backpack``...)
and is imported under Hummingbot's real module names by the import hook in ``import_hook`` (started by
``hummingbot_backpack.pth`` at interpreter start). Supported and tested Hummingbot releases: ``releases``.
Nothing here imports Hummingbot: this module runs in every Python process of the environment.
"""
