"""Margin estimates between two collateral polls, so Hummingbot's budget checks stay right for perps.

Backpack has no balance stream: the connector polls `/api/v1/capital/collateral`, whose
`netEquityAvailable` already subtracts the margin of open positions and open orders. Between two
polls Hummingbot corrects the polled figure with `in_flight_asset_balances` (orders) and
`order_filled_balances` (fills). Its spot formulas count a buy's FULL notional in the quote asset and
a sell in the base asset; for a perp that makes a leveraged order look 1/leverage too expensive and,
after a fill, takes the whole notional off the USDC balance: a strategy whose next position fits the
margin is refused with "Not enough budget" until the next poll. These perp formulas count margin:
- an open order holds `outstanding * price / leverage` in the collateral token (like the exchange, no
  fee: that is paid on fills); closing orders (reduce-only) hold nothing;
- a fill that opens moves that margin (and the fee) out of `available`; a fill that closes releases it.
"""
from decimal import Decimal
from typing import Dict, Iterable

from hummingbot.core.data_type.common import PositionAction
from hummingbot.core.data_type.in_flight_order import InFlightOrder
from hummingbot.core.event.events import OrderFilledEvent

ZERO = Decimal("0")


def _leverage(value) -> Decimal:
    leverage = Decimal(str(value or 1))
    return leverage if leverage > 0 else Decimal("1")


def margin_held_by_orders(orders: Iterable[InFlightOrder], collateral_token: str) -> Dict[str, Decimal]:
    held = ZERO
    for order in orders:
        if order.is_done or order.is_failure or order.is_cancelled:
            continue
        if getattr(order, "position", PositionAction.NIL) == PositionAction.CLOSE:
            continue  # reduce-only: uses the position's margin, takes no new one
        price = order.price
        outstanding = order.amount - order.executed_amount_base
        if price is None or not price.is_finite() or outstanding <= 0:
            continue
        held += outstanding * price / _leverage(getattr(order, "leverage", 1))
    return {collateral_token: held} if held else {}


def _fee_in(event: OrderFilledEvent, token: str) -> Decimal:
    return sum((fee.amount for fee in event.trade_fee.flat_fees if fee.token == token), ZERO)


def margin_change_from_fills(events: Iterable[object], since_timestamp: float,
                             collateral_token: str) -> Dict[str, Decimal]:
    change = ZERO
    for event in events:
        if not isinstance(event, OrderFilledEvent) or event.timestamp <= since_timestamp:
            continue
        margin = event.price * event.amount / _leverage(event.leverage)
        closing = event.position == PositionAction.CLOSE.value
        change += (margin if closing else -margin) - _fee_in(event, collateral_token)
    return {collateral_token: change} if change else {}
