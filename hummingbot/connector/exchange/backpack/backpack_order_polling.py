"""Order status and fill polling per market, not per order (shared by spot and perp).

Hummingbot's poll (every 5 s while the order stream is quiet, else every 120 s) asks for the fills of
every tracked order and the status of every open one: one request each, 200 a poll with 100 open orders,
2,400 a minute against Backpack's 2,000 budget. Here a poll costs, per market with tracked orders:
- fills: the market's fill history newest first (`sortDirection=Desc`), paged back to the oldest moment
  a fill not yet seen can have (the oldest tracked order's creation, or the newest fill of the previous
  complete scan of that market, whichever is later, less `HISTORY_CLOCK_MARGIN_S` for clock skew),
  matched to the orders locally (exchange id, else client id). No fill is lost: an order the scan did
  not reach back far enough for (`FILL_SCAN_MAX_PAGES`) gets its own complete per-order lookup, as
  before, and so do all of a market's orders when its scan fails;
- status: the market's open orders (`GET /api/v1/orders`, one request, no paging) for every open order
  found there; the per-order lookup (resting order, then history) only for the orders not found there
  (closed since, or not created yet), and for all of a market's orders when that request fails.
The fills already known are dropped by Hummingbot's tracker by trade id, as for the per-order lookups.
Lost orders (given up by the tracker) keep Hummingbot's per-order lookups: there are a few at most.
"""
import asyncio
from typing import Any, Callable, Dict, List, Optional, Tuple

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_messages import Fill, OrderStatus
from hummingbot.core.data_type.in_flight_order import InFlightOrder


class BackpackOrderPollingMixin:
    FILL_SCAN_MAX_PAGES = 10  # per market and poll; an order older than what they reach is looked up alone

    async def _orders_by_symbol(self, orders: List[InFlightOrder]) -> Dict[str, List[InFlightOrder]]:
        """Orders by exchange symbol; an order of a pair without a market (refused before sending) is left out."""
        symbols = (await self.trading_pair_symbol_map()).inverse
        grouped: Dict[str, List[InFlightOrder]] = {}
        for order in orders:
            symbol = symbols.get(order.trading_pair)
            if symbol is not None:
                grouped.setdefault(symbol, []).append(order)
        return grouped

    # ----- fills -----

    async def _update_orders_fills(self, orders: List[InFlightOrder]):
        for symbol, market_orders in (await self._orders_by_symbol(orders)).items():
            try:
                fills, reached = await self._scan_market_fills(symbol, market_orders)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.logger().warning(f"Failed to fetch the fills of {symbol} ({error}); looking them up per order.")
                await self._update_fills_per_order(market_orders)
                continue
            by_order = _Matcher(fills, lambda f: (f.exchange_order_id, f.client_order_id))
            alone = []
            for order in market_orders:
                if reached is not None and order.creation_timestamp - self.HISTORY_CLOCK_MARGIN_S < reached:
                    alone.append(order)  # the scan stopped short of this order's first possible fill
                    continue
                for fill in by_order.of(order):
                    if self._is_same_order(order, fill.exchange_order_id, fill.client_order_id):
                        self._order_tracker.process_trade_update(self._trade_update(order, fill))
            await self._update_fills_per_order(alone)

    async def _update_lost_orders_status(self):
        """Lost orders (given up by the tracker, a few at most) keep their own lookups, as in Hummingbot."""
        await self._update_fills_per_order(list(self._order_tracker.lost_orders.values()))
        await self._update_lost_orders()

    async def _update_fills_per_order(self, orders: List[InFlightOrder]):
        await super()._update_orders_fills(orders)  # Hummingbot's: `_all_trade_updates_for_order` for each

    async def _scan_market_fills(self, symbol: str, orders: List[InFlightOrder]
                                 ) -> Tuple[List[Fill], Optional[float]]:
        """The market's fills newer than the scan's floor, newest first, and None when the scan reached the
        floor or the end of the history; otherwise the time of the oldest row it reached (it stopped at
        `FILL_SCAN_MAX_PAGES`, or the server ignored `offset`)."""
        floor = min(order.creation_timestamp for order in orders)
        newest_seen = self._fill_scan_marks.get(symbol)
        if newest_seen is not None:
            floor = max(floor, newest_seen)
        floor -= self.HISTORY_CLOCK_MARGIN_S
        limit = self.HISTORY_PAGE_LIMIT
        fills: Dict[str, Fill] = {}
        newest: Optional[float] = None
        oldest: Optional[float] = None
        for page in range(self.FILL_SCAN_MAX_PAGES):
            rows = await self._api_get(path_url=CONSTANTS.FILL_HISTORY_PATH_URL, is_auth_required=True, params={
                "symbol": symbol, "limit": limit, "offset": page * limit, "sortDirection": CONSTANTS.SORT_DESC})
            rows = [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
            known = len(fills)
            for fill in (Fill.from_history(row) for row in rows):
                fills.setdefault(fill.trade_id, fill)
                if fill.timestamp is not None:
                    newest = fill.timestamp if newest is None else max(newest, fill.timestamp)
                    oldest = fill.timestamp if oldest is None else min(oldest, fill.timestamp)
            if len(rows) < limit or (oldest is not None and oldest < floor):
                self._mark_fill_scan(symbol, newest)
                return list(fills.values()), None
            if len(fills) == known:  # a page with nothing new: the server ignores `offset`
                break
        return list(fills.values()), oldest if oldest is not None else float("inf")

    def _mark_fill_scan(self, symbol: str, newest: Optional[float]):
        """A complete scan: the next one need not go further back than its newest fill (less the margin)."""
        if newest is not None:
            self._fill_scan_marks[symbol] = max(newest, self._fill_scan_marks.get(symbol, newest))

    # ----- status -----

    async def _update_orders(self):
        orders = list(self.in_flight_orders.values())
        for symbol, market_orders in (await self._orders_by_symbol(orders)).items():
            try:
                rows = await self._api_get(path_url=CONSTANTS.ORDERS_PATH_URL, is_auth_required=True,
                                           params={"symbol": symbol})
                statuses = [OrderStatus.from_rest(row) for row in rows if isinstance(row, dict)] \
                    if isinstance(rows, list) else None
                if statuses is None:
                    raise IOError(f"unexpected open orders answer {rows!r}")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.logger().warning(f"Failed to fetch the open {symbol} orders ({error}); "
                                      f"looking them up per order.")
                await self._update_status_per_order(market_orders)
                continue
            by_order = _Matcher(statuses, lambda s: (s.exchange_order_id, s.client_order_id))
            not_open = []
            for order in market_orders:
                status = next((s for s in by_order.of(order)
                               if self._is_same_order(order, s.exchange_order_id, s.client_order_id)), None)
                if status is None:
                    not_open.append(order)  # closed since, or not created yet: its own lookup says which
                else:
                    self._order_tracker.process_order_update(self._order_update(order, status, self.current_timestamp))
            await self._update_status_per_order(not_open)

    async def _update_status_per_order(self, orders: List[InFlightOrder]):
        await self._update_orders_with_error_handler(orders=orders,
                                                     error_handler=self._handle_update_error_for_active_order)


class _Matcher:
    """Rows (fills, statuses) by exchange order id and by client order id: a poll matches every tracked
    order of a market against up to thousands of rows."""

    def __init__(self, items: List[Any], ids: Callable[[Any], Tuple[Optional[str], Optional[str]]]):
        self._index: Dict[Tuple[int, str], List[Any]] = {}
        for item in items:
            for key in zip((0, 1), ids(item)):
                if key[1] is not None:
                    self._index.setdefault(key, []).append(item)

    def of(self, order: InFlightOrder) -> List[Any]:
        """The rows with the order's exchange id or client id, each once."""
        found: List[Any] = []
        for key in ((0, order.exchange_order_id), (1, order.client_order_id)):
            found += [item for item in self._index.get(key, ()) if all(item is not f for f in found)]
        return found
