"""Make the tests import this working tree's connector packages.

Hummingbot's packages are regular packages in site-packages, so from the repo root Python would
import the *installed* copy of our plugin (the repo's ``hummingbot/`` is only a namespace portion).
Prepending the repo's folders to the matching ``__path__`` lists means a test always exercises the
files in front of it, even between two ``make setup`` runs. Nothing else changes: the code paths
are the same ones Hummingbot uses after a normal install.
"""
import importlib
import os

ROOT = os.path.dirname(os.path.abspath(__file__))
_OUR_PARENTS = (
    "hummingbot.connector.exchange",
    "hummingbot.connector.derivative",
    "hummingbot.data_feed.candles_feed",
)

for _name in _OUR_PARENTS:
    _pkg = importlib.import_module(_name)
    _local = os.path.join(ROOT, *_name.split("."))
    if os.path.isdir(_local) and _local not in _pkg.__path__:
        _pkg.__path__.insert(0, _local)
