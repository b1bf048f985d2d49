"""One trading pair's order book, kept in Backpack's update-id sequence (shared by spot and perp).

Backpack's `depth.<symbol>` diffs carry `U` (first) and `u` (last) update id and absolute quantities
(0 removes a level). A diff applies when `U <= last + 1 <= u` (normally `U == last + 1`); one with
`u <= last` is already in the book; one with `U > last + 1` means updates were missed, and the book
must be rebuilt from a fresh REST snapshot before anything else applies.

Out of sequence (`last_update_id` None: not built yet, or a gap, an unreadable diff, a reconnect) the book is
emptied (`invalidate`): a book known not to follow the exchange serves no prices. The pair's diffs received
meanwhile are held (`hold`) and applied after the next snapshot (`install`), those it covers skipped.

Diffs are applied straight to Hummingbot's `OrderBook` as they arrive, without building an
`OrderBookMessage` and its rows (the hot path, bench/depth_bench.py): `OrderBook.apply_diffs` copies
each level's `price`, `amount` and `update_id` into its C++ book while iterating, so one reusable
row object, refilled level by level, is all it needs.
"""
from collections import deque
from typing import Any, Deque, Dict, Iterable, Iterator, List, Optional

from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_row import OrderBookRow

_new_tuple = tuple.__new__
HELD_DIFFS_MAX = 10_000  # diffs held while out of sequence; beyond, the oldest go (the snapshot must then be newer)


class _LevelCursor:
    """The row `OrderBook.apply_diffs` reads while iterating; refilled for each level."""
    __slots__ = ("price", "amount", "update_id")

    def __init__(self) -> None:
        self.price = 0.0
        self.amount = 0.0
        self.update_id = 0


def _levels(levels: Iterable, cursor: _LevelCursor) -> Iterator[_LevelCursor]:
    for price, amount in levels:
        cursor.price = float(price)
        cursor.amount = float(amount)
        yield cursor


def _levels_with_extra_fields(levels: Iterable, cursor: _LevelCursor) -> Iterator[_LevelCursor]:
    for level in levels:  # price and amount come first; later fields, if any, are ignored
        cursor.price = float(level[0])
        cursor.amount = float(level[1])
        yield cursor


def snapshot_rows(levels: Iterable, update_id: int) -> List[OrderBookRow]:
    """`[[price, amount], ...]` -> rows; `tuple.__new__` is namedtuple's constructor without its Python frame."""
    return [_new_tuple(OrderBookRow, (float(level[0]), float(level[1]), update_id)) for level in levels]


def _as_int(value: Any) -> int:
    return value if value.__class__ is int else int(value)


class SequencedBook:
    __slots__ = ("trading_pair", "book", "last_update_id", "_cursor", "held", "generation", "retired")

    def __init__(self, trading_pair: str, book: OrderBook) -> None:
        self.trading_pair = trading_pair
        self.book = book
        self.last_update_id: Optional[int] = None  # None: waiting for a snapshot
        self._cursor = _LevelCursor()
        self.held: Deque[Dict[str, Any]] = deque(maxlen=HELD_DIFFS_MAX)  # diffs received out of sequence
        self.generation = 0  # bumped by `invalidate`: a snapshot asked for before belongs to an older stream
        self.retired = False  # the pair was removed: no rebuild for this book any more

    @property
    def in_sequence(self) -> bool:
        return self.last_update_id is not None

    def invalidate(self) -> None:
        """Out of sequence: the levels are removed (no prices) and the diffs held so far dropped (a new
        connection, or they no longer continue the book)."""
        self.last_update_id = None
        self.generation += 1
        self.held.clear()
        self._empty()

    def hold(self, diff: Dict[str, Any]) -> None:
        self.held.append(diff)

    def install(self, snapshot: Dict[str, Any]) -> bool:
        """A snapshot, then the held diffs that continue it (those it already covers are skipped). False when a
        held diff does not continue it (the snapshot is older than the stream): the book is emptied again and
        keeps the diffs from that one on. An unreadable held diff raises (dropped, book emptied)."""
        self.apply_snapshot(snapshot)
        held = self.held
        while held:
            try:
                applied = self.apply_diff(held[0])
            except (KeyError, TypeError, ValueError):
                held.popleft()
                self.last_update_id = None
                self._empty()
                raise
            if not applied:
                self.last_update_id = None
                self._empty()
                return False
            held.popleft()
        return True

    def refresh(self, snapshot: Dict[str, Any]) -> bool:
        """A snapshot for a book in sequence (Hummingbot's hourly refresh) replaces it only when it is at least
        as new; an older one would undo diffs already applied. The sequence goes on from the snapshot."""
        if self.last_update_id is None or _as_int(snapshot["lastUpdateId"]) < self.last_update_id:
            return False
        self.apply_snapshot(snapshot)
        return True

    def _empty(self) -> None:
        book = self.book
        book.apply_snapshot([], [], max(book.snapshot_uid, book.last_diff_uid))

    def apply_snapshot(self, snapshot: Dict[str, Any]) -> int:
        """A REST `/api/v1/depth` answer replaces the book; the sequence restarts from its `lastUpdateId`."""
        update_id = _as_int(snapshot["lastUpdateId"])
        self.book.apply_snapshot(snapshot_rows(snapshot.get("bids") or (), update_id),
                                 snapshot_rows(snapshot.get("asks") or (), update_id), update_id)
        self.last_update_id = update_id
        return update_id

    def apply_diff(self, diff: Dict[str, Any]) -> bool:
        """Applies a `depth` diff in sequence. False when the book needs a fresh snapshot first: none yet
        (`last_update_id` is None) or a gap (`expected_update_id` < the diff's `U`); nothing was applied."""
        last = self.last_update_id
        if last is None:
            return False
        last_id = _as_int(diff["u"])
        if last_id <= last:
            return True  # already in the book
        if _as_int(diff["U"]) > last + 1:
            return False
        cursor = self._cursor
        cursor.update_id = last_id
        bids, asks = diff.get("b") or (), diff.get("a") or ()
        # Both sides are read (every level parsed) before the book changes: a level that does not parse
        # raises with the book untouched.
        try:
            self.book.apply_diffs(_levels(bids, cursor), _levels(asks, cursor), last_id)
        except ValueError:
            self.book.apply_diffs(_levels_with_extra_fields(bids, cursor), _levels_with_extra_fields(asks, cursor),
                                  last_id)
        self.last_update_id = last_id
        return True

    @property
    def expected_update_id(self) -> Optional[int]:
        return None if self.last_update_id is None else self.last_update_id + 1
