"""Which Backpack API keys have a spot connector `backpack` in this process.

Spot and perps are ONE Backpack account, and whatever sums connectors (Hummingbot's `balance` command,
hummingbot-api's portfolio) adds up every connector of the process. The perp connector therefore reports
the account's assets only when no spot connector of the same key exists in the process
(backpack_perpetual_balances). A spot connector counts from its creation until the process lets go of it:
Hummingbot's `balance` command and hummingbot-api keep a connector object exactly as long as they read its
balances, and a stopped network (Hummingbot stops and restarts it when the connection drops) does not make
its balances go away. Weak references only: nothing here keeps a connector alive.

Listeners (the perp connectors) are told when a spot connector of their key appears or is released, so that
the two connectors never both report the assets between two polls.
"""
import weakref
from typing import Dict

_spot_connectors: Dict[str, "weakref.WeakSet"] = {}
_listeners: Dict[str, "weakref.WeakSet"] = {}


def add_spot_connector(connector) -> None:
    """Called by the spot connector when it is created; a connector without API key (market data only) is
    no account's."""
    api_key = connector.api_key
    if not api_key:
        return
    _spot_connectors.setdefault(api_key, weakref.WeakSet()).add(connector)
    weakref.finalize(connector, _notify, api_key)
    _notify(api_key)


def has_spot_connector(api_key: str) -> bool:
    # Iterating skips connectors already released (len() may still count them until the set cleans up).
    return bool(api_key) and any(True for _ in _spot_connectors.get(api_key, ()))


def watch(listener) -> None:
    """`listener._on_spot_connectors_changed()` is called whenever a spot connector of its key comes or goes."""
    if listener.api_key:
        _listeners.setdefault(listener.api_key, weakref.WeakSet()).add(listener)


def _notify(api_key: str) -> None:
    for listener in list(_listeners.get(api_key, ())):
        try:
            listener._on_spot_connectors_changed()
        except Exception:  # may run in a garbage collector's finalizer: never raise there
            pass
