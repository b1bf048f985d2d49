"""Backpack depth/trade payloads -> Hummingbot `OrderBookMessage` (shared by spot and perp).

- REST `/api/v1/depth` snapshot: `lastUpdateId` (string) is the update id; both sides come in
  ascending price order, which the order book accepts as is.
- WS `depth.<symbol>` diff: `U` first / `u` last update id, absolute quantities (0 removes a level),
  `E` in microseconds.
- WS `trade.<symbol>`: `t` trade id, `m` true when the buyer is the maker (so the taker sold),
  `T`/`E` in microseconds.
The data source applies live diffs to its books without messages (backpack_sequenced_book.py);
`diff_message_from_exchange` is Hummingbot's conventional form of the same diff.
"""
from typing import Any, Dict, Optional

from hummingbot.connector.exchange.backpack.backpack_messages import seconds_from_us
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_message import OrderBookMessage, OrderBookMessageType


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
        return OrderBookMessage(OrderBookMessageType.DIFF, {
            "trading_pair": trading_pair,
            "first_update_id": int(msg["U"]),
            "update_id": int(msg["u"]),
            "bids": [[level[0], level[1]] for level in msg.get("b") or ()],
            "asks": [[level[0], level[1]] for level in msg.get("a") or ()],
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
