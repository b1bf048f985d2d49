"""Matching a taker order against a book: price-time priority, partial fills, quote budgets,
self-trade prevention and per-order fill caps (reduce-only). Settlement is the caller's job."""
from decimal import Decimal
from typing import Callable, Iterator, Optional, Tuple

from backpack_emulator.book import BookSide, OrderBook
from backpack_emulator.decimals import ZERO, floor_to
from backpack_emulator.orders import Order

FillHandler = Callable[[Order, Order, Decimal, Decimal], None]  # maker, taker, quantity, price
CancelHandler = Callable[[Order, str], None]  # maker order removed by the engine, expiry reason
CapFn = Callable[[Order], Optional[Decimal]]  # most an order may still fill (None = no limit)
BUDGET_SPENT = "BudgetSpent"  # a quote-sized order used up its quote quantity: it is complete


def crosses(order: Order, price: Decimal) -> bool:
    """Would ``order`` trade against a resting order at ``price``? (A market order is limited only by its
    slippage tolerance.)"""
    limit = order.price if order.price is not None else order.slippage_limit
    if limit is None:
        return True
    return price <= limit if order.is_bid else price >= limit


def would_take(book: OrderBook, order: Order) -> bool:
    best = book.side(not order.is_bid).best()
    return best is not None and crosses(order, best)


def _self_trade(maker: Order, taker: Order) -> bool:
    return maker.account == taker.account and taker.self_trade_prevention != "Allow"


def _takeable(book: OrderBook, taker: Order) -> Iterator[Tuple[Decimal, Decimal]]:
    """(price, quantity) of the makers ``taker`` could trade with now, best first; stops where STP would."""
    side = book.side(not taker.is_bid)
    for price in side.prices_from_best():
        if not crosses(taker, price):
            return
        for maker in side.levels[price]:
            if _self_trade(maker, taker):
                if taker.self_trade_prevention != "RejectMaker":
                    return
                continue
            yield price, maker.remaining


def fillable_quantity(book: OrderBook, taker: Order, cap: Optional[Decimal]) -> Decimal:
    """How much of ``taker`` could fill right now (used by fill-or-kill)."""
    want = taker.remaining if cap is None else min(taker.remaining, cap)
    total = ZERO
    for _, quantity in _takeable(book, taker):
        total += quantity
        if total >= want:
            break
    return min(total, want)


def fillable_quote(book: OrderBook, taker: Order, cap: Optional[Decimal]) -> Decimal:
    """Quote a quote-sized ``taker`` could spend right now (fill-or-kill), at most its quote quantity."""
    want, left = taker.quote_quantity or ZERO, cap
    spent = ZERO
    for price, quantity in _takeable(book, taker):
        if left is not None:
            quantity = min(quantity, left)
            left -= quantity
        spent += quantity * price
        if spent >= want or left == 0:
            break
    return min(spent, want)


def buy_cost(side: BookSide, taker: Order, quantity: Decimal) -> Decimal:
    """Quote needed to buy ``quantity`` from the asks (skipping own orders, as STP would)."""
    left, cost = quantity, ZERO
    for price in side.prices_from_best():
        if left <= 0 or not crosses(taker, price):
            break
        for maker in side.levels[price]:
            if maker.account == taker.account:
                continue
            take = min(left, maker.remaining)
            cost += take * price
            left -= take
            if left <= 0:
                break
    return cost


def match(book: OrderBook, taker: Order, step: Decimal, quote_budget: Optional[Decimal],
          cap: CapFn, on_fill: FillHandler, on_cancel: CancelHandler) -> Optional[str]:
    """Fill ``taker`` as far as it crosses. Returns the expiry reason that stopped it early (or
    BUDGET_SPENT), None when it ran out of crossing liquidity or was filled."""
    side = book.side(not taker.is_bid)
    while taker.remaining > 0:
        price = side.best()
        if price is None or not crosses(taker, price):
            return None
        maker = side.levels[price][0]
        if _self_trade(maker, taker):
            mode = taker.self_trade_prevention
            if mode in ("RejectMaker", "RejectBoth"):
                on_cancel(maker, "SelfTradePrevention")
            if mode in ("RejectTaker", "RejectBoth"):
                return "SelfTradePrevention"
            continue
        maker_cap = cap(maker)
        if maker_cap is not None and maker_cap <= 0:
            on_cancel(maker, "ReduceOnlyNotReduced")
            continue
        quantity = min(taker.remaining, maker.remaining)
        taker_cap = cap(taker)
        if taker_cap is not None:
            if taker_cap <= 0:
                return "ReduceOnlyNotReduced"
            quantity = min(quantity, taker_cap)
        if maker_cap is not None:
            quantity = min(quantity, maker_cap)
        if quote_budget is not None:
            quantity = min(quantity, floor_to((quote_budget - taker.executed_quote_quantity) / price, step))
            if quantity <= 0:
                return BUDGET_SPENT
        on_fill(maker, taker, quantity, price)
        book.touch(maker)
        if maker.remaining <= 0:
            side.pop_front(price)
    return None
