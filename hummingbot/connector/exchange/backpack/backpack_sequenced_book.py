"""One trading pair's order book, kept in Backpack's update-id sequence (shared by spot and perp).

Backpack's `depth.<symbol>` diffs carry `U` (first) and `u` (last) update id and absolute quantities
(0 removes a level). A diff applies when `U <= last + 1 <= u` (normally `U == last + 1`); one with
`u <= last` is already in the book; one with `U > last + 1` means updates were missed, and the book
must be rebuilt from a fresh REST snapshot before anything else applies.

Diffs are applied straight to Hummingbot's `OrderBook` as they arrive, without building an
`OrderBookMessage` and its rows (the hot path, bench/depth_bench.py): `OrderBook.apply_diffs` copies
each level's `price`, `amount` and `update_id` into its C++ book while iterating, so one reusable
row object, refilled level by level, is all it needs.
"""
from typing import Any, Dict, Iterable, Iterator, List, Optional

from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_row import OrderBookRow

_new_tuple = tuple.__new__


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
    __slots__ = ("trading_pair", "book", "last_update_id", "_cursor")

    def __init__(self, trading_pair: str, book: OrderBook) -> None:
        self.trading_pair = trading_pair
        self.book = book
        self.last_update_id: Optional[int] = None  # None: waiting for a snapshot
        self._cursor = _LevelCursor()

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
