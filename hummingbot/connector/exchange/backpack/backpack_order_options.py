"""Market-order options of the connectors' `buy()` / `sell()` keywords (spot and perp):

- `quote_quantity=Decimal("500")`: a market order sized in the quote asset ("buy 500 USDC of SOL"), sent as
  Backpack's `quoteQuantity` instead of `quantity` (official `OrderExecutePayload`). The `amount` argument is not
  sent: until the exchange answers, the order is tracked with an estimate (the quote quantity at the best price
  of the book, so the usual minimum-size check applies), then with the quantity the exchange executed (a market
  order's answer is final on Backpack), so its fills complete it exactly.
- `slippage_tolerance=Decimal("0.5"), slippage_tolerance_type="Percent"` (or `"TickSize"`, a number of ticks):
  Backpack's `slippageTolerance` / `slippageToleranceType`; what the book cannot fill within the tolerance is
  expired by the exchange (`SlippageToleranceExceeded`) and reported as a cancel of the remainder.

Both are for MARKET orders only; bad values fail the order with a clear error before anything is sent.
"""
from decimal import ROUND_DOWN, Decimal
from typing import Any, Dict, Optional, Set, Tuple

from hummingbot.connector.exchange.backpack.backpack_order_placement import decimal_text
from hummingbot.core.data_type.common import OrderType, TradeType

SLIPPAGE_TOLERANCE_TYPES = ("TickSize", "Percent")
FINAL_MARKET_STATUSES = ("Filled", "Expired", "Cancelled")
QUOTE_OPTIONS = ("quote_quantity", "slippage_tolerance", "slippage_tolerance_type")


def _positive_decimal(value: Any) -> Optional[Decimal]:
    if isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() and number > 0 else None


def official_spelling(value: Any, names: Tuple[str, ...]) -> Optional[str]:
    """The official spelling of an enum value given in any case ("percent" -> "Percent"); None when not one."""
    for name in names:
        if isinstance(value, str) and value.strip().lower() == name.lower():
            return name
    return None


def slippage_tolerance_type(value: Any) -> Optional[str]:
    return official_spelling(value, SLIPPAGE_TOLERANCE_TYPES)


class BackpackOrderOptionsMixin:
    _quote_sized_orders: Optional[Set[str]] = None  # client order ids tracked with an estimated amount

    def _quote_quantity(self, trading_pair: str, value: Any) -> Optional[Decimal]:
        """The quote quantity rounded down to the market's tick (Backpack's precision for prices and costs)."""
        quote = _positive_decimal(value)
        if quote is None or trading_pair not in self._trading_rules:
            return quote
        tick = self._trading_rules[trading_pair].min_price_increment
        return (quote / tick).to_integral_value(rounding=ROUND_DOWN) * tick if tick > 0 else quote

    def _market_option_error(self, trading_pair: str, order_type: OrderType, **kwargs) -> Optional[str]:
        given = [name for name in QUOTE_OPTIONS if kwargs.get(name) is not None]
        if not given:
            return None
        if order_type != OrderType.MARKET:
            return (f"{', '.join(given)} apply to MARKET orders only, not {order_type.name}. "
                    "The order will not be created.")
        if kwargs.get("quote_quantity") is not None:
            quote = self._quote_quantity(trading_pair, kwargs["quote_quantity"])
            if quote is None or quote <= 0:
                return (f"Invalid quote_quantity {kwargs['quote_quantity']} for {trading_pair}: it must be a "
                        f"positive amount of the quote asset (at least one tick). The order will not be created.")
        tolerance, kind = kwargs.get("slippage_tolerance"), kwargs.get("slippage_tolerance_type")
        if (tolerance is None) != (kind is None):
            return ("slippage_tolerance and slippage_tolerance_type go together (e.g. slippage_tolerance="
                    "Decimal(\"0.5\"), slippage_tolerance_type=\"Percent\"). The order will not be created.")
        if tolerance is not None and _positive_decimal(tolerance) is None:
            return f"Invalid slippage_tolerance {tolerance}: it must be a positive number. The order will not be created."
        if kind is not None and slippage_tolerance_type(kind) is None:
            return (f"Invalid slippage_tolerance_type {kind}: use one of {', '.join(SLIPPAGE_TOLERANCE_TYPES)}. "
                    "The order will not be created.")
        return None

    def _validation_error(self, trading_pair: str, order_type: OrderType, price: Optional[Decimal],
                          amount: Optional[Decimal] = None, **kwargs) -> Optional[str]:
        if trading_pair in self._trading_rules:
            problem = self._market_option_error(trading_pair, order_type, **kwargs)
            if problem is not None:
                return problem
        return super()._validation_error(trading_pair, order_type, price, amount, **kwargs)

    def _reference_price(self, trade_type: TradeType, trading_pair: str) -> Optional[Decimal]:
        """The book's best price on the side the order takes from (best ask for a buy); None without one."""
        try:
            price = Decimal(str(self.get_price(trading_pair, trade_type == TradeType.BUY)))
        except Exception:
            return None
        return price if price.is_finite() and price > 0 else None

    async def _create_order(self, trade_type: TradeType, order_id: str, trading_pair: str, amount: Decimal,
                            order_type: OrderType, price: Optional[Decimal] = None, **kwargs):
        if kwargs.get("quote_quantity") is not None and \
                self._validation_error(trading_pair, order_type, price, Decimal("1"), **kwargs) is None:
            quote = self._quote_quantity(trading_pair, kwargs["quote_quantity"])
            reference = self._reference_price(trade_type, trading_pair)
            if reference is None:
                self.logger().error(f"No price in the {trading_pair} order book to size the market order of {quote} "
                                    f"quote: the order will not be created.")
                amount = Decimal("NaN")  # fails in the placement's validation, nothing is sent
            else:
                amount, price = quote / reference, reference  # the price is tracked, never sent (MARKET)
                kwargs["quote_quantity"] = quote
                if self._quote_sized_orders is None:
                    self._quote_sized_orders = set()
                self._quote_sized_orders.add(order_id)
        try:
            await super()._create_order(trade_type=trade_type, order_id=order_id, trading_pair=trading_pair,
                                        amount=amount, order_type=order_type, price=price, **kwargs)
        finally:  # the create is resolved (answered, refused, or of unknown outcome): no answer comes any more
            if self._quote_sized_orders:
                self._quote_sized_orders.discard(order_id)

    async def _order_payload(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                             order_type: OrderType, price: Optional[Decimal], **kwargs) -> Dict[str, Any]:
        payload = await super()._order_payload(order_id, trading_pair, amount, trade_type, order_type, price, **kwargs)
        if order_type == OrderType.MARKET:
            if kwargs.get("quote_quantity") is not None:
                del payload["quantity"]
                payload["quoteQuantity"] = decimal_text(self._quote_quantity(trading_pair, kwargs["quote_quantity"]))
            if kwargs.get("slippage_tolerance") is not None:
                payload["slippageTolerance"] = decimal_text(_positive_decimal(kwargs["slippage_tolerance"]))
                payload["slippageToleranceType"] = slippage_tolerance_type(kwargs["slippage_tolerance_type"])
        return payload

    def _order_answered(self, order_id: str, response: Dict[str, Any]):
        """A quote-sized market order's answer is final: track it with the quantity it executed from now on."""
        if not self._quote_sized_orders or order_id not in self._quote_sized_orders:
            return
        self._quote_sized_orders.discard(order_id)
        order = self._order_tracker.fetch_order(client_order_id=order_id)
        executed = _positive_decimal(response.get("executedQuantity"))
        if order is None or executed is None or response.get("status") not in FINAL_MARKET_STATUSES:
            return
        order.amount = executed
        order.check_filled_condition()  # fills already applied complete it; a FILLED update waiting for them goes on
