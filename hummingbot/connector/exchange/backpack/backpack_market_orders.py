"""Market orders priced from the book before they are tracked (shared by spot and perp).

Hummingbot tracks a market order with the price the strategy gave, NaN when it gave none. Between two balance
polls (Backpack has no balance stream) Hummingbot takes every in-flight buy's `amount * price` off the polled
available balance: one market buy without a price makes `get_available_balance(quote)` NaN, and every budget
check that reads it fails (a Strategy V2 executor starting then dies in `validate_sufficient_balance`).
Hummingbot's create also prices a market order's notional from the bid side, whatever its side: on an empty
side that is NaN, its comparison with the minimum notional raises before the order is sent, and the order stays
PENDING_CREATE for good, counted as reserved, with no event.

So a market order without a price gets the price of the deepest level of the side it takes from that its
amount reaches (the deepest level there is when the side holds less than the amount): what it pays at worst
if the book does not move, so its reservation is not understated. An order that cannot be priced (no book for
the pair, or that side of it empty) fails at once with an OrderFailure saying why, and nothing is sent.
"""
from decimal import Decimal
from typing import Mapping, Optional, Tuple

from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.order_book import OrderBook


def has_price(price: Optional[Decimal]) -> bool:
    return isinstance(price, Decimal) and price.is_finite() and price > 0


def deepest_price_reached(book: OrderBook, is_buy: bool, amount: Decimal) -> Optional[Decimal]:
    """The price of the deepest level of the asks (buy) or bids (sell) that `amount` reaches; None when that
    side is empty."""
    wanted = float(amount)
    reached, price = 0.0, None
    for row in (book.ask_entries() if is_buy else book.bid_entries()):
        price = row.price
        reached += row.amount
        if reached >= wanted:
            break
    return None if price is None else Decimal(str(price))


def price_market_order(order_books: Mapping[str, OrderBook], trading_pair: str, trade_type: TradeType,
                       amount: Decimal) -> Tuple[Optional[Decimal], Optional[str]]:
    """(price, None) for a market order to track, or (None, why it cannot be priced)."""
    side = "asks" if trade_type == TradeType.BUY else "bids"
    book = order_books.get(trading_pair)
    price = None if book is None else deepest_price_reached(book, trade_type == TradeType.BUY, amount)
    if price is not None:
        return price, None
    where = f"the {trading_pair} order book has no {side}" if book is not None else \
        f"there is no order book for {trading_pair}"
    return None, (f"Market {trade_type.name.lower()} of {amount} {trading_pair} cannot be priced: {where}. "
                  f"The order will not be created.")
