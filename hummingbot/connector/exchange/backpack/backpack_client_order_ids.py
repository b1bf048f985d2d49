"""Hummingbot client order ids <-> Backpack's uint32 `clientId` (shared by spot and perp).

Design: the Hummingbot client_order_id IS the decimal string of the uint32 clientId, so an order
restored from Hummingbot's saved tracking state maps back to its clientId with no lookup table.

Client ids are per account, and several processes may trade one account (two bots, or a bot restarted
while the old one still stops). A clientId is therefore `slot << COUNTER_BITS | counter`:
- `slot` (6 bits, 64 slots) belongs to ONE process at a time: at its first id a process takes the
  first free slot (starting at a random one) by holding an exclusive lock on a file
  `<lock dir>/slot-<n>.lock` for as long as it lives (`BACKPACK_CLIENT_ID_LOCK_DIR`, default
  `<tmp>/hummingbot-backpack-client-ids`; the lock ends with the process, even on a crash). So processes
  of one machine never issue the same id. Bots on different machines sharing an account can only pick
  random slots (1 in 64 that two pick the same one): then a duplicate of an OPEN order's clientId is
  refused by the exchange ("Order with client ID already exists"), which fails our order clearly; it is
  never looked up by clientId and so never taken for the other bot's order.
- `counter` (26 bits) is ONE process-wide monotonic sequence for spot and perp, time-seeded: each value
  is max(previous + 1, quarter-seconds since 2025-01-01 modulo 2**26), so a restarted process that gets
  the same slot starts above the ids of its previous run unless that run issued more than 4 ids per
  second on average. The counter wraps every ~194 days (only ids of orders still open could matter).
  A run that did issue more can be ahead of the clock: the ids of the orders Hummingbot restores from its saved
  state are noted (`note_client_order_id_in_use`) and the counter continues above them, and an id that the
  connector still tracks is never issued again (`next_free_client_order_id`).
"""
import errno
import os
import random
import tempfile
import threading
import time
from typing import Callable, Iterable, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS

ID_EPOCH_S = 1735689600  # 2025-01-01T00:00:00Z
TICKS_PER_SECOND = 4
SLOT_BITS = 6
COUNTER_BITS = 32 - SLOT_BITS
SLOTS = 1 << SLOT_BITS
COUNTER_SPACE = 1 << COUNTER_BITS
LOCK_DIR_ENV_VAR = "BACKPACK_CLIENT_ID_LOCK_DIR"


def lock_directory() -> str:
    return os.environ.get(LOCK_DIR_ENV_VAR) or os.path.join(tempfile.gettempdir(), "hummingbot-backpack-client-ids")


class SlotLock:
    """An exclusive, process-lifetime lock on one of the SLOTS slot files (fcntl.flock, released by the OS when
    the process ends). `slot` is None when no slot could be locked (all taken, or no file locking)."""

    def __init__(self, directory: Optional[str] = None, start: Optional[int] = None):
        self.directory = directory or lock_directory()
        self.slot: Optional[int] = None
        self._file = None
        first = random.randrange(SLOTS) if start is None else start
        try:
            import fcntl
            os.makedirs(self.directory, exist_ok=True)
        except (ImportError, OSError):
            return
        for offset in range(SLOTS):
            slot = (first + offset) % SLOTS
            handle = open(os.path.join(self.directory, f"slot-{slot}.lock"), "a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                handle.close()
                if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    continue
                return
            self.slot, self._file = slot, handle
            return

    def release(self):
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file, self.slot = None, None


class ClientOrderIdGenerator:
    def __init__(self, clock: Callable[[], float] = time.time, slot: Optional[int] = None,
                 slot_lock_factory: Callable[[], SlotLock] = SlotLock):
        self._clock = clock
        self._last = -1
        self._lock = threading.Lock()
        self._slot = slot
        self._slot_lock_factory = slot_lock_factory
        self._slot_lock: Optional[SlotLock] = None

    @property
    def slot(self) -> int:
        if self._slot is None:  # taken at the first id, not at import (the registry scan imports this module)
            self._slot_lock = self._slot_lock_factory()
            self._slot = self._slot_lock.slot if self._slot_lock.slot is not None else random.randrange(SLOTS)
        return self._slot

    def _time_floor(self) -> int:
        return int((self._clock() - ID_EPOCH_S) * TICKS_PER_SECOND)

    def next_client_id(self) -> int:
        with self._lock:
            slot = self.slot
            self._last = max(self._last + 1, self._time_floor())
            return (slot << COUNTER_BITS) | (self._last % COUNTER_SPACE)

    def next_client_order_id(self) -> str:
        return str(self.next_client_id())

    def note_in_use(self, client_id: int):
        """An id of this slot issued earlier (an order restored from saved state): later ids go above it. Its
        counter is taken as the value nearest the clock with those low bits (the counter wraps)."""
        if client_id >> COUNTER_BITS != self.slot:
            return  # another slot's id: this process never issues it
        with self._lock:
            floor = self._time_floor()
            issued = floor + ((client_id % COUNTER_SPACE - floor + COUNTER_SPACE // 2) % COUNTER_SPACE) \
                - COUNTER_SPACE // 2
            self._last = max(self._last, issued)


_GENERATOR = ClientOrderIdGenerator()


def next_client_order_id() -> str:
    """A new Hummingbot client order id (the decimal text of a fresh uint32 clientId)."""
    return _GENERATOR.next_client_order_id()


def next_free_client_order_id(in_use: Callable[[str], bool]) -> str:
    """A new client order id that `in_use` (the connector's tracker) does not know."""
    order_id = _GENERATOR.next_client_order_id()
    while in_use(order_id):
        order_id = _GENERATOR.next_client_order_id()
    return order_id


def note_client_order_id_in_use(client_order_ids: Iterable[str]):
    """Ids of orders restored from Hummingbot's saved state: the process issues ids above those of its slot."""
    for client_order_id in client_order_ids:
        client_id = client_id_for(client_order_id)
        if client_id is not None:
            _GENERATOR.note_in_use(client_id)


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
