"""The order record and its three wire shapes: REST Order, order-history item, WS orderUpdate (order_updates.py);
trigger and take profit / stop loss fields from triggers.py's specs."""
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, Optional

from backpack_emulator.clock import iso_ms
from backpack_emulator.decimals import ZERO, fmt
from backpack_emulator.markets import Market
from backpack_emulator.order_updates import order_update_json
from backpack_emulator.wire_scale import fixed, places

OPEN_STATUSES = ("New", "PartiallyFilled")
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
    slippage_tolerance: Optional[Decimal] = None  # market orders (slippage.py)
    slippage_tolerance_type: Optional[str] = None
    slippage_limit: Optional[Decimal] = None  # worst price a market order may trade at, set on arrival
    trigger: Any = None  # triggers.TriggerSpec of a trigger order
    legs: Any = None  # {"takeProfit"|"stopLoss": triggers.Leg}: attached TP/SL
    legs_placed: bool = False
    triggered_ms: Optional[int] = None
    related_order_id: Optional[str] = None  # a TP/SL leg's entry order
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
            # a pending trigger order: "0" (ccxt's recorded answer), its size is `triggerQuantity`
            "quantity": fmt(self.quantity) if self.quantity is not None else ("0" if self.trigger else None),
            "executedQuantity": fmt(self.executed_quantity),
            "executedQuoteQuantity": fmt(self.executed_quote_quantity),
            "timeInForce": self.time_in_force,
            "selfTradePrevention": self.self_trade_prevention,
            "status": self.status,
            "reduceOnly": self.reduce_only,
            **self._trigger_fields(),
            "triggeredAt": self.triggered_ms,
            **self._leg_fields(),
            "relatedOrderId": self.related_order_id,
            "strategyId": None,
        }
        if self.order_type == "Limit":
            body["price"] = fmt(self.price)
            body["postOnly"] = self.post_only
        else:
            body["quoteQuantity"] = fmt(self.reported_quote_quantity)
            body["slippageTolerance"] = fmt(self.slippage_tolerance)
            body["slippageToleranceType"] = self.slippage_tolerance_type
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
            **self._trigger_fields(),
            **self._leg_fields(),  # live history rows carry them, null when unset (ccxt's recorded rows)
            "clientId": self.client_id,
            "systemOrderType": None,
            "strategyId": None,
            "slippageTolerance": fmt(self.slippage_tolerance),
            "slippageToleranceType": self.slippage_tolerance_type,
        }

    @property
    def reported_quote_quantity(self) -> Optional[Decimal]:
        """``quoteQuantity`` as live fills it: the quote quantity asked for, else a market order's expected cost,
        else (history rows of limit orders) price x quantity (ccxt's recorded rows: "4000" x "0.001" -> "4")."""
        if self.quote_quantity is not None or self.quote_estimate is not None:
            return self.quote_quantity if self.quote_quantity is not None else self.quote_estimate
        return self.price * self.quantity if self.price is not None and self.quantity is not None else None

    def _trigger_fields(self) -> Dict[str, Any]:
        spec = self.trigger
        return {"triggerPrice": fmt(spec.price) if spec else None,
                "triggerQuantity": spec.quantity_text if spec else None, "triggerBy": spec.by if spec else None}

    def _leg_fields(self) -> Dict[str, Any]:
        fields: Dict[str, Any] = {}
        for name in ("stopLoss", "takeProfit"):
            leg = (self.legs or {}).get(name)
            fields[f"{name}TriggerPrice"] = fmt(leg.trigger_price) if leg else None
            fields[f"{name}LimitPrice"] = fmt(leg.limit_price) if leg and leg.limit_price is not None else None
            fields[f"{name}TriggerBy"] = leg.by if leg else None
        return fields

    def ws_event(self, event: str, event_us: int, engine_us: int, fill: Optional[Dict[str, Any]] = None,
                 market: Optional[Market] = None) -> Dict[str, Any]:
        """``account.orderUpdate`` payload with the field letters of the API reference §5.4."""
        data = order_update_json(self, event, event_us, engine_us, fill, market)
        self._ws_trigger_letters(data, market)
        return data

    def _ws_trigger_letters(self, data: Dict[str, Any], market: Optional[Market]) -> None:
        """P/B/Y of a trigger order, a/j/d (take profit) and b/k/g (stop loss) when set, I for a TP/SL leg."""
        def price(value: Decimal) -> str:
            return fixed(value, places(market.tick_size) if market is not None else None)
        if self.trigger:
            data.update(P=price(self.trigger.price), B=self.trigger.by, Y=self.trigger.quantity_text)
        for name, (trigger, limit, by) in (("takeProfit", "ajd"), ("stopLoss", "bkg")):
            leg = (self.legs or {}).get(name)
            if leg is not None:
                data.update({trigger: price(leg.trigger_price), by: leg.by})
                if leg.limit_price is not None:
                    data[limit] = price(leg.limit_price)
        if self.related_order_id is not None:
            data["I"] = int(self.related_order_id)
