"""``slippageTolerance`` / ``slippageToleranceType`` of market orders (OpenAPI ``OrderExecutePayload``).

A market order with a tolerance trades only at prices within the tolerance of the best opposite price when it
arrives: ``Percent`` (a percentage, "0.5" = 0.5 %) or ``TickSize`` (a number of ticks). What is left when the
book goes beyond that expires with ``SlippageToleranceExceeded`` (an official ``OrderExpiryReason``). Neither
the reference price nor the unit of ``Percent`` is documented: API_COVERAGE.md lists the choice.
"""
from decimal import Decimal
from typing import Any, Mapping, Optional, Tuple

from backpack_emulator.book import OrderBook
from backpack_emulator.decimals import parse_decimal
from backpack_emulator.errors import bad_request
from backpack_emulator.markets import Market
from backpack_emulator.orders import Order

TOLERANCE_TYPES = ("TickSize", "Percent")
EXCEEDED = "SlippageToleranceExceeded"
NO_LIQUIDITY = "InsufficientLiquidity"


def parse_tolerance(payload: Mapping[str, Any], order_type: str) -> Tuple[Optional[Decimal], Optional[str]]:
    """(tolerance, type) of an order payload; refuses a tolerance on a limit order, one without its type (or a
    type without a tolerance) and one that is not a positive decimal."""
    raw, kind = payload.get("slippageTolerance"), payload.get("slippageToleranceType")
    if raw is None and kind is None:
        return None, None
    if order_type != "Market":
        raise bad_request("`slippageTolerance` is only valid on market orders")
    if raw is None or kind is None:
        raise bad_request("Must specify both `slippageTolerance` and `slippageToleranceType` or neither")
    if kind not in TOLERANCE_TYPES:
        raise bad_request(f"Invalid `slippageToleranceType`: expected one of {', '.join(TOLERANCE_TYPES)}")
    tolerance = parse_decimal(raw)
    if tolerance is None or tolerance <= 0:
        raise bad_request("Invalid `slippageTolerance`: expected a positive decimal")
    return tolerance, kind


def worst_price(order: Order, market: Market, book: OrderBook) -> Optional[Decimal]:
    """The worst price the order may trade at (None: no tolerance, or nothing to trade against)."""
    tolerance = order.slippage_tolerance
    if tolerance is None:
        return None
    best = book.side(not order.is_bid).best()
    if best is None:
        return None
    room = tolerance * market.tick_size if order.slippage_tolerance_type == "TickSize" else best * tolerance / 100
    return best + room if order.is_bid else best - room


def stop_reason(is_bid: bool, limit: Optional[Decimal], book: OrderBook) -> str:
    """Why a market order stopped short: the book went beyond its tolerance, or there was nothing left."""
    best = book.side(not is_bid).best()
    if limit is not None and best is not None:
        return EXCEEDED
    return NO_LIQUIDITY
