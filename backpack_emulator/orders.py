"""The order record and its three wire shapes: REST Order, order-history item, WS orderUpdate (order_updates.py)."""
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, Optional

from backpack_emulator.clock import iso_ms
from backpack_emulator.decimals import ZERO, fmt
from backpack_emulator.markets import Market
from backpack_emulator.order_updates import order_update_json

OPEN_STATUSES = ("New", "PartiallyFilled")
TP_SL_FIELDS = ("stopLossTriggerPrice", "stopLossLimitPrice", "stopLossTriggerBy", "takeProfitTriggerPrice",
                "takeProfitLimitPrice", "takeProfitTriggerBy")  # null: the emulator has no TP/SL orders
UNBOUNDED = Decimal("1e18")  # working size of a market order given only as quoteQuantity


@dataclass(eq=False)
class Order:
    id: str
    account: str
    symbol: str
    side: str  # "Bid" | "Ask"
    order_type: str  # "Limit" | "Market"
    time_in_force: str
    quantity: Optional[Decimal]
    price: Optional[Decimal] = None
    quote_quantity: Optional[Decimal] = None
    quote_estimate: Optional[Decimal] = None  # a quantity-sized market order's expected cost (quote_estimate.py)
    client_id: Optional[int] = None
    post_only: bool = False
    reduce_only: Optional[bool] = None
    auto_lend_redeem: bool = False  # spot: may redeem lent funds it needs
    self_trade_prevention: str = "RejectTaker"
    created_ms: int = 0
    status: str = "New"
    executed_quantity: Decimal = ZERO
    executed_quote_quantity: Decimal = ZERO
    expiry_reason: Optional[str] = None
    reserved: Decimal = ZERO  # spot funds still locked for this order (quote for Bid, base for Ask)
    seq: int = field(default=0)  # arrival order, for price-time priority

    @property
    def is_bid(self) -> bool:
        return self.side == "Bid"

    @property
    def remaining(self) -> Decimal:
        if self.quantity is None:
            return UNBOUNDED - self.executed_quantity
        return self.quantity - self.executed_quantity

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def rest_json(self) -> Dict[str, Any]:
        """``Order`` object of POST/GET/DELETE /api/v1/order (createdAt in ms)."""
        body: Dict[str, Any] = {
            "id": self.id,
            "clientId": self.client_id,
            "symbol": self.symbol,
            "side": self.side,
            "orderType": self.order_type,
            "createdAt": self.created_ms,
            "quantity": fmt(self.quantity) if self.quantity is not None else None,
            "executedQuantity": fmt(self.executed_quantity),
            "executedQuoteQuantity": fmt(self.executed_quote_quantity),
            "timeInForce": self.time_in_force,
            "selfTradePrevention": self.self_trade_prevention,
            "status": self.status,
            "reduceOnly": self.reduce_only,
            "triggerPrice": None,
            "triggerQuantity": None,
            "triggerBy": None,
            "triggeredAt": None,
            **dict.fromkeys(TP_SL_FIELDS),
            "relatedOrderId": None,
            "strategyId": None,
        }
        if self.order_type == "Limit":
            body["price"] = fmt(self.price)
            body["postOnly"] = self.post_only
        else:
            body["quoteQuantity"] = fmt(self.reported_quote_quantity)
            body["slippageTolerance"] = None
            body["slippageToleranceType"] = None
        return body

    def history_json(self) -> Dict[str, Any]:
        """Item of GET /wapi/v1/history/orders (createdAt as naive ISO)."""
        return {
            "id": self.id,
            "createdAt": iso_ms(self.created_ms),
            "executedQuantity": fmt(self.executed_quantity),
            "executedQuoteQuantity": fmt(self.executed_quote_quantity),
            "expiryReason": self.expiry_reason,
            "orderType": self.order_type,
            "postOnly": self.post_only if self.order_type == "Limit" else None,
            "price": fmt(self.price) if self.price is not None else None,
            "quantity": fmt(self.quantity) if self.quantity is not None else None,
            "quoteQuantity": fmt(self.reported_quote_quantity),
            "selfTradePrevention": self.self_trade_prevention,
            "status": self.status,
            "side": self.side,
            "symbol": self.symbol,
            "timeInForce": self.time_in_force,
            "triggerBy": None,
            "triggerPrice": None,
            "triggerQuantity": None,
            **dict.fromkeys(TP_SL_FIELDS),  # live history rows carry them, null when unset (ccxt's recorded rows)
            "clientId": self.client_id,
            "systemOrderType": None,
            "strategyId": None,
        }

    @property
    def reported_quote_quantity(self) -> Optional[Decimal]:
        """``quoteQuantity`` as live fills it: the quote quantity asked for, else a market order's expected cost,
        else (history rows of limit orders) price x quantity (ccxt's recorded rows: "4000" x "0.001" -> "4")."""
        if self.quote_quantity is not None or self.quote_estimate is not None:
            return self.quote_quantity if self.quote_quantity is not None else self.quote_estimate
        return self.price * self.quantity if self.price is not None and self.quantity is not None else None

    def ws_event(self, event: str, event_us: int, engine_us: int, fill: Optional[Dict[str, Any]] = None,
                 market: Optional[Market] = None) -> Dict[str, Any]:
        """``account.orderUpdate`` payload with the field letters of the API reference §5.4."""
        return order_update_json(self, event, event_us, engine_us, fill, market)
