"""Backpack trade payloads -> Hummingbot `OrderBookMessage` (shared by spot and perp).

WS `trade.<symbol>`: `t` trade id, `m` true when the buyer is the maker (so the taker sold),
`T`/`E` in microseconds. Depth snapshots and diffs never become messages: the data source applies
them to its books itself (backpack_sequenced_book.py).
"""
from typing import Any, Dict, Optional

from hummingbot.connector.exchange.backpack.backpack_messages import seconds_from_us
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_message import OrderBookMessage, OrderBookMessageType


class BackpackOrderBook(OrderBook):

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
