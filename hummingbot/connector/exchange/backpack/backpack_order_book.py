"""Backpack depth/trade payloads -> Hummingbot `OrderBookMessage` (shared by spot and perp).

- REST `/api/v1/depth` snapshot: `lastUpdateId` (string) is the update id; both sides come in
  ascending price order, which the order book accepts as is.
- WS `depth.<symbol>` diff: `U` first / `u` last update id, absolute quantities (0 removes a level),
  `E` in microseconds.
- WS `trade.<symbol>`: `t` trade id, `m` true when the buyer is the maker (so the taker sold),
  `T`/`E` in microseconds.
Diffs are the hot path (bench/depth_bench.py): their rows are built once, as `BackpackDiffMessage`.
"""
from typing import Any, Dict, Iterable, List, Optional

from hummingbot.connector.exchange.backpack.backpack_messages import seconds_from_us
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot.core.data_type.order_book_row import OrderBookRow

_new_tuple = tuple.__new__


def book_rows(levels: Iterable, update_id: int) -> List[OrderBookRow]:
    """`[[price, amount], ...]` -> rows. `tuple.__new__` is what namedtuple's constructor ends in, without
    its Python-level frame: half the cost of building the rows."""
    try:
        return [_new_tuple(OrderBookRow, (float(price), float(amount), update_id)) for price, amount in levels]
    except ValueError:  # a level with extra fields: price and amount come first
        return [_new_tuple(OrderBookRow, (float(level[0]), float(level[1]), update_id)) for level in levels]


class BackpackDiffMessage(OrderBookMessage):
    """A DIFF whose `content["bids"]`/`["asks"]` already hold `OrderBookRow`s. Hummingbot's tracker reads
    `bids`, `asks` and `update_id` of every diff, and the base class rebuilds the rows on each read."""

    @classmethod
    def create(cls, content: Dict[str, Any], timestamp: float) -> "BackpackDiffMessage":
        # The tuple OrderBookMessage(DIFF, content, timestamp) builds, without its two Python-level __new__ frames.
        return _new_tuple(cls, (OrderBookMessageType.DIFF, content, timestamp))

    # Hummingbot's tracker restores a resync snapshot with `bisect_right(past_diffs, snapshot)` and replays the
    # diffs after that position. Python tries a subclass's reflected operator first, so `snapshot < diff` lands
    # in `diff.__gt__`: tuple's would compare the (unordered) message types and raise, losing the snapshot, and
    # OrderBookMessage's `<` holds for ANY snapshot/diff pair, which would replay stale diffs over the fresh
    # snapshot. Between messages with update ids, the order is the update id's.
    def __gt__(self, other) -> bool:
        if other.has_update_id:
            return self.update_id > other.update_id
        return OrderBookMessage.__lt__(other, self)

    def __lt__(self, other) -> bool:
        if other.has_update_id:
            return self.update_id < other.update_id
        return OrderBookMessage.__lt__(self, other)

    @property
    def update_id(self) -> int:
        return self.content["update_id"]

    @property
    def first_update_id(self) -> int:
        return self.content["first_update_id"]

    @property
    def bids(self) -> List[OrderBookRow]:
        return self.content["bids"]

    @property
    def asks(self) -> List[OrderBookRow]:
        return self.content["asks"]


class BackpackOrderBook(OrderBook):

    @classmethod
    def snapshot_message_from_exchange(cls, msg: Dict[str, Any], timestamp: float,
                                       metadata: Optional[Dict] = None) -> OrderBookMessage:
        if metadata:
            msg = {**msg, **metadata}
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
            "trading_pair": msg["trading_pair"],
            "update_id": int(msg["lastUpdateId"]),
            "bids": [[price, amount] for price, amount in msg.get("bids", [])],
            "asks": [[price, amount] for price, amount in msg.get("asks", [])],
        }, timestamp=timestamp)

    @classmethod
    def diff_message_from_exchange(cls, msg: Dict[str, Any], timestamp: Optional[float] = None,
                                   metadata: Optional[Dict] = None) -> OrderBookMessage:
        trading_pair = metadata["trading_pair"] if metadata and "trading_pair" in metadata else msg["trading_pair"]
        update_id = int(msg["u"])
        return BackpackDiffMessage.create({
            "trading_pair": trading_pair,
            "first_update_id": int(msg["U"]),
            "update_id": update_id,
            "bids": book_rows(msg.get("b") or (), update_id),
            "asks": book_rows(msg.get("a") or (), update_id),
        }, timestamp if timestamp is not None else seconds_from_us(msg["E"]))

    @classmethod
    def trade_message_from_exchange(cls, msg: Dict[str, Any], metadata: Optional[Dict] = None) -> OrderBookMessage:
        if metadata:
            msg = {**msg, **metadata}
        taker_side = TradeType.SELL if msg.get("m") else TradeType.BUY
        return OrderBookMessage(OrderBookMessageType.TRADE, {
            "trading_pair": msg["trading_pair"],
            "trade_type": float(taker_side.value),
            "trade_id": int(msg["t"]),
            "update_id": int(msg["t"]),
            "price": msg["p"],
            "amount": msg["q"],
        }, timestamp=seconds_from_us(msg.get("T") or msg["E"]))
