"""Parsing of Backpack order and fill payloads into plain records (shared by spot and perp).

Offers:
- timestamp helpers with the right unit per source: `seconds_from_us` (WS `E`/`T`, depth),
  `seconds_from_ms` (REST `createdAt`, `/time`, public trades), `seconds_from_iso` (naive UTC ISO strings
  of order/fill history; a trailing `Z` or offset is accepted);
- `OrderStatus` from a REST order, an order-history row or an `account.orderUpdate` frame;
- `Fill` from an `orderFill` frame or a `/wapi/v1/history/fills` row;
- `trade_type_for_side`, `side_for_trade_type`, `order_state_for`;
- `newest_trade_price` of a `/api/v1/trades` answer.
The exchange mixin turns these records into Hummingbot `OrderUpdate` / `TradeUpdate` objects.
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Dict, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import client_order_id_for
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.in_flight_order import OrderState

def is_market_tradable(market: Dict[str, Any], market_type: str) -> bool:
    """A visible `/api/v1/markets` entry of `market_type` ("SPOT"/"PERP"), whatever its `orderBookState`: a
    market that closes for a while stays known (its orders, fills and cancels go on); which orders its state
    allows is `backpack_market_states`' job."""
    return market.get("marketType") == market_type and market.get("visible", True) is True


def newest_trade_price(trades: Any) -> Optional[str]:
    """Price of the newest public trade (the highest id) in a `/api/v1/trades` answer, whichever way it is sorted:
    live lists the newest first (ccxt's recorded answer), an answer with one row is the same either way."""
    rows = [t for t in trades if isinstance(t, dict) and t.get("price") is not None] if isinstance(trades, list) else []
    if not rows:
        return None
    return max(rows, key=lambda trade: int(trade.get("id") or 0))["price"]


def seconds_from_us(value: Any) -> float:
    return int(value) / 1e6


def seconds_from_ms(value: Any) -> float:
    return int(value) / 1e3


def seconds_from_iso(value: str) -> float:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00").replace(" ", "T"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def seconds_from_any(value: Any) -> Optional[float]:
    """REST `createdAt` is ms (int), history `createdAt` an ISO string; anything else gives None."""
    if value is None:
        return None
    if isinstance(value, str) and not value.isdigit():
        return seconds_from_iso(value)
    return seconds_from_ms(value)


def trade_type_for_side(side: str) -> TradeType:
    return TradeType.BUY if side == CONSTANTS.SIDE_BUY else TradeType.SELL


def side_for_trade_type(trade_type: TradeType) -> str:
    return CONSTANTS.SIDE_BUY if trade_type == TradeType.BUY else CONSTANTS.SIDE_SELL


def order_state_for(status: str) -> OrderState:
    try:
        return CONSTANTS.ORDER_STATE[status]
    except KeyError:
        raise ValueError(f"Unknown Backpack order status {status!r}") from None


# Plain slotted records, not frozen ones: a frozen dataclass sets each field through object.__setattr__, four
# times the cost of building one, and two are built for every fill frame. Nothing changes them once built.
@dataclass(slots=True)
class OrderStatus:
    exchange_order_id: str
    client_order_id: Optional[str]
    symbol: str
    status: str
    executed_quantity: Decimal
    timestamp: Optional[float]
    expiry_reason: Optional[str] = None

    @property
    def nothing_left_to_reduce(self) -> bool:
        """A reduce-only order the exchange expired unfilled because the position was already flat (or on the
        other side): re-placing it cannot succeed, so Hummingbot gets a failure (its executors count failures
        and give up; a cancel would be re-placed forever)."""
        return (self.status == "Expired" and self.expiry_reason == CONSTANTS.EXPIRY_REDUCE_ONLY_NOT_REDUCED
                and self.executed_quantity == 0)

    @property
    def state(self) -> OrderState:
        return OrderState.FAILED if self.nothing_left_to_reduce else order_state_for(self.status)

    @classmethod
    def from_rest(cls, order: Dict[str, Any]) -> "OrderStatus":
        """From a REST order object (execute / query / cancel responses, order history rows)."""
        return cls(
            exchange_order_id=str(order["id"]),
            client_order_id=client_order_id_for(order.get("clientId")),
            symbol=order.get("symbol", ""),
            status=order["status"],
            executed_quantity=Decimal(str(order.get("executedQuantity") or "0")),
            timestamp=seconds_from_any(order.get("createdAt")),
            expiry_reason=order.get("expiryReason"),
        )

    @classmethod
    def from_ws(cls, event: Dict[str, Any]) -> "OrderStatus":
        """From an `account.orderUpdate` frame's data."""
        return cls(
            exchange_order_id=str(event["i"]),
            client_order_id=client_order_id_for(event.get("c")),
            symbol=event.get("s", ""),
            status=event["X"],
            executed_quantity=Decimal(str(event.get("z") or "0")),
            timestamp=seconds_from_us(event.get("E") or event["T"]),
            expiry_reason=event.get("R"),
        )


@dataclass(slots=True)
class Fill:
    trade_id: str
    exchange_order_id: str
    client_order_id: Optional[str]
    symbol: str
    side: str
    price: Decimal
    amount: Decimal
    fee_amount: Decimal
    fee_asset: str
    is_maker: bool
    timestamp: float

    @property
    def trade_type(self) -> TradeType:
        return trade_type_for_side(self.side)

    @classmethod
    def from_ws(cls, event: Dict[str, Any]) -> "Fill":
        """From an `orderFill` frame: fill qty `l`, price `L`, fee `n`/`N`, engine time `T` (µs)."""
        return cls(
            trade_id=str(event["t"]),
            exchange_order_id=str(event["i"]),
            client_order_id=client_order_id_for(event.get("c")),
            symbol=event.get("s", ""),
            side=event.get("S", ""),
            price=Decimal(str(event["L"])),
            amount=Decimal(str(event["l"])),
            fee_amount=Decimal(str(event.get("n") or "0")),
            fee_asset=event.get("N") or "",
            is_maker=bool(event.get("m", False)),
            timestamp=seconds_from_us(event.get("T") or event["E"]),
        )

    @classmethod
    def from_history(cls, row: Dict[str, Any]) -> "Fill":
        """From a `/wapi/v1/history/fills` row (clientId is a string there, timestamp naive UTC ISO)."""
        return cls(
            trade_id=str(row["tradeId"]),
            exchange_order_id=str(row["orderId"]),
            client_order_id=client_order_id_for(row.get("clientId")),
            symbol=row.get("symbol", ""),
            side=row.get("side", ""),
            price=Decimal(str(row["price"])),
            amount=Decimal(str(row["quantity"])),
            fee_amount=Decimal(str(row.get("fee") or "0")),
            fee_asset=row.get("feeSymbol") or "",
            is_maker=bool(row.get("isMaker", False)),
            timestamp=seconds_from_any(row["timestamp"]),
        )
