"""Trigger orders and take-profit / stop-loss attached to an order (official ``OrderExecutePayload``).

Wire format (official types and captures): a trigger order carries ``triggerPrice`` + ``triggerQuantity`` (both or
neither: refused ``INVALID_CLIENT_REQUEST`` "Must specify both `triggerPrice` and `triggerQuantity` or neither"),
optional ``triggerBy`` (``LastPrice`` default, ``MarkPrice``, ``IndexPrice``). It is answered and listed among the
open orders with status ``TriggerPending`` and ``quantity`` "0" (ccxt's recorded answer), announced on the order
stream by ``triggerPlaced`` (X ``TriggerPending``, ``q`` "0", ``P``/``B``/``Y``: the official client's captured
frame), holds no funds or margin while pending, and is cancelled by id or client id, or by cancel-all with
``orderType`` ``ConditionalOrder``.

When its reference price reaches ``triggerPrice`` (from the side it was on when placed) it is triggered: it keeps
its id, gets its quantity (``triggerQuantity``, or that percentage of the position for a reduce-only perp
order), ``triggeredAt``, and enters the book as any order (``orderAccepted`` X ``New``, fills...). A trigger that
cannot be placed (funds, margin) ends ``TriggerFailed`` (event ``triggerFailed``); a reduce-only one with no
position to reduce expires with ``StopWithoutPosition``.

Take profit / stop loss (``takeProfitTriggerPrice`` ... ``stopLossTriggerBy``, perps only here): once the entry
order is done with a fill, one trigger order per leg is created for the quantity executed: opposite side,
reduce-only, ``relatedOrderId`` = the entry's id, market or limit (``...LimitPrice``). The take profit triggers
when the price moves the entry's way, the stop loss the other way; when one leg triggers the other is cancelled.
What the sources leave open (direction rule, defaults, OCO, spot) is listed in API_COVERAGE.md.
"""
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional

from backpack_emulator.decimals import floor_to, is_multiple, parse_decimal
from backpack_emulator.errors import ApiError, bad_request
from backpack_emulator.markets import Market
from backpack_emulator.orders import Order
from backpack_emulator.perps import reducible

PENDING = "TriggerPending"
FAILED = "TriggerFailed"
TRIGGER_BY = ("LastPrice", "MarkPrice", "IndexPrice")
DEFAULT_TRIGGER_BY = "LastPrice"
BOTH_OR_NEITHER = "Must specify both `triggerPrice` and `triggerQuantity` or neither"
LEGS = ("takeProfit", "stopLoss")


@dataclass
class TriggerSpec:
    price: Decimal
    by: str
    quantity_text: str  # as sent: "0.5" or "80%"
    quantity: Optional[Decimal]  # None for a percentage
    percent: Optional[Decimal]
    rises: Optional[bool] = None  # fires when the price rises to `price` (True) or falls to it (False)


@dataclass
class Leg:
    trigger_price: Decimal
    limit_price: Optional[Decimal]
    by: str


def _price(payload: Mapping[str, Any], key: str, market: Market) -> Optional[Decimal]:
    if payload.get(key) is None:
        return None
    value = parse_decimal(payload[key])
    if value is None or value <= 0:
        raise bad_request(f"Invalid `{key}`: expected a positive decimal")
    if not is_multiple(value, market.tick_size):
        raise bad_request("Price decimal too long")
    return value


def parse_trigger(payload: Mapping[str, Any], market: Market) -> Optional[TriggerSpec]:
    price, quantity_text = _price(payload, "triggerPrice", market), payload.get("triggerQuantity")
    if (price is None) != (quantity_text is None):
        raise bad_request(BOTH_OR_NEITHER)
    if price is None:
        if payload.get("triggerBy") is not None:
            raise bad_request("`triggerBy` is only valid with `triggerPrice`")
        return None
    if payload.get("quantity") is not None or payload.get("quoteQuantity") is not None:
        raise bad_request("Trigger orders are sized by `triggerQuantity`, not `quantity` or `quoteQuantity`")
    text = str(quantity_text).strip()
    if text.endswith("%"):
        percent = parse_decimal(text[:-1])
        if percent is None or not 0 < percent <= 100:
            raise bad_request("Invalid `triggerQuantity`: a percentage must be above 0 and at most 100")
        if not market.is_perp or payload.get("reduceOnly") is not True:
            raise bad_request("A `triggerQuantity` percentage is for reduce-only futures orders (of the position)")
        return TriggerSpec(price, payload.get("triggerBy") or DEFAULT_TRIGGER_BY, text, None, percent)
    quantity = parse_decimal(text)
    if quantity is None or quantity <= 0:
        raise bad_request("Invalid `triggerQuantity`: expected a positive decimal or a percentage")
    return TriggerSpec(price, payload.get("triggerBy") or DEFAULT_TRIGGER_BY, text, quantity, None)


def parse_legs(payload: Mapping[str, Any], market: Market) -> Dict[str, Leg]:
    legs: Dict[str, Leg] = {}
    for leg in LEGS:
        trigger = _price(payload, f"{leg}TriggerPrice", market)
        limit = _price(payload, f"{leg}LimitPrice", market)
        if trigger is None:
            if limit is not None or payload.get(f"{leg}TriggerBy") is not None:
                raise bad_request(f"`{leg}LimitPrice` and `{leg}TriggerBy` are only valid with `{leg}TriggerPrice`")
            continue
        legs[leg] = Leg(trigger, limit, payload.get(f"{leg}TriggerBy") or DEFAULT_TRIGGER_BY)
    if legs and not market.is_perp:
        raise ApiError(400, "INVALID_ORDER", "Take profit and stop loss are only supported on futures markets")
    return legs


class TriggerEngine:
    """Pending trigger orders of the exchange: placement, the price watch, triggering, attached TP/SL legs."""

    def __init__(self, exchange: Any) -> None:
        self.ex = exchange
        self._busy = False
        self._due_legs: List[Order] = []  # finished entries whose TP/SL legs are still to create
        self._pending: Dict[str, Order] = {}  # id -> pending trigger order (the hot path looks only here)

    # ----- reference prices
    def reference(self, symbol: str, by: str) -> Optional[Decimal]:
        ex = self.ex
        if by == "MarkPrice":
            return ex.marks.get(symbol)
        if by == "IndexPrice":
            return ex.indexes.get(symbol, ex.marks.get(symbol))
        trades = ex.public_trades.get(symbol)
        return Decimal(trades[-1]["price"]) if trades else ex.marks.get(symbol)

    # ----- placement and cancels
    def place(self, order: Order) -> Order:
        ex = self.ex
        spec = order.trigger
        now = self.reference(order.symbol, spec.by)
        spec.rises = now is None or spec.price >= now
        order.status = PENDING
        self._pending[order.id] = order
        if order.account not in ex.unrecorded_accounts:
            ex.order_history[order.account].append(order)
        ex.open_orders[order.id] = order
        if order.client_id is not None:
            ex._by_client[(order.account, order.client_id)] = order
        ex._emit_order(order, "triggerPlaced")
        self.check(order.symbol)
        return order

    def pending(self, account: Optional[str] = None, symbol: Optional[str] = None) -> List[Order]:
        return sorted((o for o in self._pending.values() if o.status == PENDING
                       and account in (None, o.account) and symbol in (None, o.symbol)), key=lambda o: o.seq)

    def cancel_all(self, account: str, symbol: str) -> List[Order]:
        """Cancel-all with ``orderType`` ``ConditionalOrder``: the account's pending trigger orders of the market."""
        orders = self.pending(account, symbol)
        for order in orders:
            self.ex._cancel(order, "orderCancelled")
        return orders

    # ----- the price watch
    def check_all(self) -> None:
        for symbol in {o.symbol for o in self.pending()}:
            self.check(symbol)

    def check(self, symbol: str) -> None:
        """Triggers every pending order of ``symbol`` whose price was reached; creates due TP/SL legs. Re-entrant
        calls (a triggered order trading moves the price again) are folded into the running one."""
        if self._busy or not (self._pending or self._due_legs):
            return
        self._busy = True
        try:
            for _ in range(100):  # each round triggers at least one order; a hundred bounds a runaway cascade
                self._create_due_legs()
                fired = [o for o in self.pending(symbol=symbol) if self._reached(o)]
                if not fired:
                    break
                for order in fired:
                    if order.status == PENDING:  # a sibling's trigger may have cancelled it meanwhile
                        self._fire(order)
        finally:
            self._busy = False

    def _reached(self, order: Order) -> bool:
        spec = order.trigger
        price = self.reference(order.symbol, spec.by)
        if price is None:
            return False
        return price >= spec.price if spec.rises else price <= spec.price

    def _fire(self, order: Order) -> None:
        ex = self.ex
        market = ex.markets[order.symbol]
        for sibling in self.pending(order.account, order.symbol):
            if sibling is not order and order.related_order_id is not None and \
                    sibling.related_order_id == order.related_order_id:
                ex._cancel(sibling, "orderCancelled")  # the other leg of the same entry
        order.triggered_ms = ex.clock.now_ms()
        self._pending.pop(order.id, None)
        quantity = self._quantity(order, market)
        if quantity is None:
            ex._expire(order, "StopWithoutPosition")
            return
        order.quantity = quantity
        order.status = "New"
        try:
            ex.admit(order, market)
        except ApiError:
            order.status = FAILED
            ex._finish(order)
            ex._emit_order(order, "triggerFailed")

    def _quantity(self, order: Order, market: Market) -> Optional[Decimal]:
        """The triggered order's quantity; None: a reduce-only order with nothing (of this side) to reduce."""
        spec = order.trigger
        can_reduce = reducible(self.ex.positions.get((order.account, order.symbol)), order.is_bid) \
            if market.is_perp and order.reduce_only else None
        if can_reduce is not None and can_reduce <= 0:
            return None
        if spec.percent is None:
            return spec.quantity
        quantity = floor_to(can_reduce * spec.percent / 100, market.step_size)
        return quantity if quantity >= market.min_quantity else None

    # ----- attached take profit / stop loss
    def on_finished(self, order: Order) -> None:
        self._pending.pop(order.id, None)
        if order.legs and order.executed_quantity > 0 and not order.legs_placed:
            order.legs_placed = True
            self._due_legs.append(order)

    def _create_due_legs(self) -> None:
        while self._due_legs:
            entry = self._due_legs.pop(0)
            for leg_name, leg in entry.legs.items():
                self.place(self._leg_order(entry, leg_name, leg))

    def _leg_order(self, entry: Order, leg_name: str, leg: Leg) -> Order:
        ex = self.ex
        order_id, seq = ex.next_order_id()
        favourable = leg_name == "takeProfit"
        quantity = entry.executed_quantity
        order = Order(id=order_id, account=entry.account, symbol=entry.symbol, side="Ask" if entry.is_bid else "Bid",
                      order_type="Limit" if leg.limit_price is not None else "Market", time_in_force="GTC",
                      quantity=None, price=leg.limit_price, reduce_only=True,
                      self_trade_prevention=entry.self_trade_prevention, created_ms=ex.clock.now_ms())
        order.seq = seq
        order.related_order_id = entry.id
        order.trigger = TriggerSpec(leg.trigger_price, leg.by, str(quantity), quantity, None)
        # The take profit fires when the price moves the entry's way, the stop loss when it moves against it.
        order.trigger.rises = favourable == entry.is_bid
        return order
