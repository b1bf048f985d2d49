"""The quote amount live reports for a market order sized by quantity (its ``quoteQuantity``, ``Q`` in its
order updates): what the order's quantity costs on the book when it is accepted, rounded up to the market's
tick. Captured: 0.001 ETH bought at 4421.82 -> ``"quoteQuantity": "4.43"``, at 4425.06 -> ``"4.43"``, at
4299.16 -> ``"Q": "4.30"``; 1 ADA at 0.8921 -> ``"0.8921"`` (tick 0.0001): API_COVERAGE.md, "Order fields"."""
from decimal import ROUND_CEILING, Decimal
from typing import Optional

from backpack_emulator.book import OrderBook
from backpack_emulator.decimals import ZERO
from backpack_emulator.markets import Market
from backpack_emulator.orders import Order


def market_order_quote(book: OrderBook, order: Order, market: Market) -> Optional[Decimal]:
    """None for a limit order, a quote-sized market order, or an empty opposite side."""
    if order.order_type != "Market" or order.quantity is None:
        return None
    side = book.side(not order.is_bid)
    left, total = order.quantity, ZERO
    for price in side.prices_from_best():
        take = min(left, side.level_quantity(price))
        total += take * price
        left -= take
        if left <= 0:
            break
    if total == 0:
        return None
    tick = market.tick_size
    return (total / tick).to_integral_value(rounding=ROUND_CEILING) * tick
