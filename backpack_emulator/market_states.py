"""Order-book states of the markets (``orderBookState`` of ``GET /api/v1/markets``), changed at run time through
the admin API (``POST /_admin/markets``), and what each allows (official OpenAPI ``OrderBookState``):

- ``Open``: everything;
- ``PostOnly``: orders that would take liquidity (market orders, crossing limit orders) are accepted and expired
  at once with ``PostOnlyMode`` (an official ``OrderExpiryReason``); limit orders that do not cross rest;
- ``LimitOnly``: market orders are refused (``INVALID_ORDER``), limit orders trade as usual;
- ``CancelOnly`` / ``Closed``: new orders are refused (``TRADING_PAUSED``); cancels go through and resting orders
  stay on the book.
Only the expiry reason is documented; the refusals' codes and wording, and resting orders surviving a close,
are the emulator's choice (API_COVERAGE.md).
"""
from typing import Dict

from backpack_emulator.book import OrderBook
from backpack_emulator.errors import ApiError
from backpack_emulator.matching import would_take
from backpack_emulator.orders import Order

OPEN, POST_ONLY, LIMIT_ONLY, CANCEL_ONLY, CLOSED = "Open", "PostOnly", "LimitOnly", "CancelOnly", "Closed"
BOOK_STATES = (OPEN, CLOSED, CANCEL_ONLY, LIMIT_ONLY, POST_ONLY)
POST_ONLY_MODE = "PostOnlyMode"


class MarketStates:
    def __init__(self) -> None:
        self._states: Dict[str, str] = {}

    def state(self, symbol: str) -> str:
        return self._states.get(symbol, OPEN)

    def set(self, symbol: str, state: str) -> None:
        if state not in BOOK_STATES:
            raise ValueError(f"orderBookState must be one of {', '.join(BOOK_STATES)}")
        self._states[symbol] = state

    def check_new_order(self, order: Order) -> None:
        """Refuses a new order the market's state does not take (nothing changes)."""
        state = self.state(order.symbol)
        if state in (CANCEL_ONLY, CLOSED):
            raise ApiError(400, "TRADING_PAUSED", f"Order book is {'closed' if state == CLOSED else 'in cancel-only mode'}")
        if state == LIMIT_ONLY and order.order_type == "Market":
            raise ApiError(400, "INVALID_ORDER", "Order book is in limit-only mode: market orders are not accepted")

    def takes_in_post_only_mode(self, order: Order, book: OrderBook) -> bool:
        """An order that would take liquidity while the market is PostOnly: expired with PostOnlyMode."""
        return self.state(order.symbol) == POST_ONLY and (order.order_type == "Market" or would_take(book, order))

    def can_trade(self, symbol: str) -> bool:
        """Whether the market-data generator's taker may trade (the maker keeps quoting unless it is closed)."""
        return self.state(symbol) == OPEN

    def can_quote(self, symbol: str) -> bool:
        return self.state(symbol) not in (CANCEL_ONLY, CLOSED)
