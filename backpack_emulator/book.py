"""A price-time priority order book for one market, with the depth update-id sequence.

Every engine operation that changes levels ends with :meth:`OrderBook.flush_depth`, which gives
one depth diff carrying the absolute quantities of the touched levels and advances the update id,
so that a REST snapshot's ``lastUpdateId`` plus later diffs rebuild exactly this book.
"""
from bisect import bisect_left, insort
from collections import deque
from decimal import Decimal
from typing import Deque, Dict, Iterator, List, Optional, Set, Tuple

from backpack_emulator.decimals import ZERO
from backpack_emulator.markets import Market
from backpack_emulator.orders import Order
from backpack_emulator.wire_scale import fixed, places

Level = Tuple[Decimal, Decimal]


class BookSide:
    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.prices: List[Decimal] = []  # ascending
        self.levels: Dict[Decimal, Deque[Order]] = {}

    def best(self) -> Optional[Decimal]:
        if not self.prices:
            return None
        return self.prices[-1] if self.is_bid else self.prices[0]

    def add(self, order: Order) -> None:
        queue = self.levels.get(order.price)
        if queue is None:
            queue = self.levels[order.price] = deque()
            insort(self.prices, order.price)
        queue.append(order)

    def remove(self, order: Order) -> None:
        queue = self.levels[order.price]
        queue.remove(order)
        if not queue:
            self._drop_level(order.price)

    def pop_front(self, price: Decimal) -> None:
        queue = self.levels[price]
        queue.popleft()
        if not queue:
            self._drop_level(price)

    def _drop_level(self, price: Decimal) -> None:
        del self.levels[price]
        del self.prices[bisect_left(self.prices, price)]

    def level_quantity(self, price: Decimal) -> Decimal:
        queue = self.levels.get(price)
        return sum((o.remaining for o in queue), ZERO) if queue else ZERO

    def prices_from_best(self) -> Iterator[Decimal]:
        return reversed(self.prices) if self.is_bid else iter(self.prices)

    def snapshot(self, depth: int) -> List[Level]:
        """Up to ``depth`` best levels, ascending by price (Backpack's REST order for both sides)."""
        chosen = self.prices[-depth:] if self.is_bid else self.prices[:depth]
        return [(p, self.level_quantity(p)) for p in chosen]


class OrderBook:
    def __init__(self, symbol: str, market: Optional[Market] = None) -> None:
        self.symbol = symbol
        # Levels travel at the market's scales, as live sends them ("117357.0", "0.00000"): wire_scale.py.
        self._price_places = places(market.tick_size) if market is not None else None
        self._quantity_places = places(market.step_size) if market is not None else None
        self.bids = BookSide(True)
        self.asks = BookSide(False)
        self.update_id = 0
        self.skip_pending = 0  # fault injection: sequence numbers to leave out before the next diff
        self.ticker_id = 0
        self._touched_bids: Set[Decimal] = set()
        self._touched_asks: Set[Decimal] = set()
        self._last_top: Tuple[Optional[Level], Optional[Level]] = (None, None)

    def side(self, is_bid: bool) -> BookSide:
        return self.bids if is_bid else self.asks

    def add(self, order: Order) -> None:
        self.side(order.is_bid).add(order)
        self.touch(order)

    def remove(self, order: Order) -> None:
        self.side(order.is_bid).remove(order)
        self.touch(order)

    def touch(self, order: Order) -> None:
        (self._touched_bids if order.is_bid else self._touched_asks).add(order.price)

    def best_bid(self) -> Optional[Decimal]:
        return self.bids.best()

    def best_ask(self) -> Optional[Decimal]:
        return self.asks.best()

    def mid(self) -> Optional[Decimal]:
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    def top(self) -> Tuple[Optional[Level], Optional[Level]]:
        bid, ask = self.best_bid(), self.best_ask()
        return ((bid, self.bids.level_quantity(bid)) if bid is not None else None,
                (ask, self.asks.level_quantity(ask)) if ask is not None else None)

    def level_json(self, price: Decimal, quantity: Decimal) -> List[str]:
        """One ``[price, quantity]`` level of a depth snapshot or diff."""
        return [fixed(price, self._price_places), fixed(quantity, self._quantity_places)]

    def flush_depth(self) -> Optional[Tuple[int, int, List[List[str]], List[List[str]]]]:
        """(U, u, asks, bids) of the levels changed since the last flush, or None if none changed."""
        if not self._touched_bids and not self._touched_asks:
            return None
        asks = [self.level_json(p, self.asks.level_quantity(p)) for p in sorted(self._touched_asks)]
        bids = [self.level_json(p, self.bids.level_quantity(p)) for p in sorted(self._touched_bids)]
        self._touched_bids.clear()
        self._touched_asks.clear()
        self.update_id += 1 + self.skip_pending
        self.skip_pending = 0
        return self.update_id, self.update_id, asks, bids

    def top_changed(self) -> bool:
        top = self.top()
        if top == self._last_top:
            return False
        self._last_top = top
        self.ticker_id += 1
        return True
