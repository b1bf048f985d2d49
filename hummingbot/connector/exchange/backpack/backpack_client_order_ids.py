"""Hummingbot client order ids <-> Backpack's uint32 `clientId` (shared by spot and perp).

Design: the Hummingbot client_order_id IS the decimal string of the uint32 clientId, so an order
restored from Hummingbot's saved tracking state maps back to its clientId with no lookup table.
`next_client_order_id()` draws from ONE process-wide generator (spot and perp in one process never
collide). Ids are monotonic and time-seeded: each id is max(previous + 1, tenths of a second since
2025-01-01), so a restarted process starts above the ids of a previous run unless that run issued more
than 10 ids per second on average (it would then have run ahead of the clock). The space lasts until
2038, then wraps modulo 2**32.
"""
import threading
import time
from typing import Callable, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS

ID_EPOCH_S = 1735689600  # 2025-01-01T00:00:00Z
TICKS_PER_SECOND = 10
ID_SPACE = CONSTANTS.CLIENT_ID_MAX + 1


class ClientOrderIdGenerator:
    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._last = -1
        self._lock = threading.Lock()

    def _time_floor(self) -> int:
        return int((self._clock() - ID_EPOCH_S) * TICKS_PER_SECOND)

    def next_client_id(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, self._time_floor())
            return self._last % ID_SPACE

    def next_client_order_id(self) -> str:
        return str(self.next_client_id())


_GENERATOR = ClientOrderIdGenerator()


def next_client_order_id() -> str:
    """A new Hummingbot client order id (the decimal text of a fresh uint32 clientId)."""
    return _GENERATOR.next_client_order_id()


def client_id_for(client_order_id: str) -> Optional[int]:
    """The uint32 clientId of a Hummingbot order id, or None when the id is not one of ours."""
    if isinstance(client_order_id, str) and client_order_id.isdigit() and client_order_id.isascii():
        value = int(client_order_id)
        if value <= CONSTANTS.CLIENT_ID_MAX:
            return value
    return None


def client_order_id_for(client_id) -> Optional[str]:
    """The Hummingbot order id for a clientId from the exchange (int in orders, str in fill history)."""
    if client_id is None or client_id == "":
        return None
    return str(int(client_id))
