"""Order status and fill polling from one request at rest, whatever the number of markets or orders (shared by
spot and perp).

Hummingbot's poll (every 5 s while the order stream is quiet, else every 120 s) asks for the fills of every
tracked order and the status of every open one: 200 requests a poll with 100 open orders. Here a poll starts
with ONE request: the account's open orders of every market (`GET /api/v1/orders` without `symbol`, as the
official client's `get_open_orders(None)`; rows of other markets, e.g. the other connector's, are ignored),
matched to the tracked orders locally (market, then exchange id, else client id). Then:
- status: each open order's from its row; the per-order lookup (resting order, then history) only for the
  tracked orders not in the answer (closed since, or not created yet);
- fills: the fill history is asked only for the markets where something may have changed: an open order
  whose `executedQuantity` is above what the tracker has, an active order not in the answer, or a completed
  order (still in Hummingbot's cache) whose fills may be incomplete (see `_done_order_may_miss_fills`). Such
  a market gets one scan of its fill history newest first (`sortDirection=Desc`), paged back to the oldest
  moment an unseen fill of those orders can have (the oldest of them's creation, or the market's mark,
  whichever is later, less `HISTORY_CLOCK_MARGIN_S` for clock skew and history lag), matched to all its
  tracked orders. A market at rest asks no history; its mark moves to the time of the open-orders request.

Why no fill is lost:
- An open order's missing fills show in its `executedQuantity`; the market is scanned, and an order the exchange
  reports more executed for than the tracker then has (the scan stopped at `FILL_SCAN_MAX_PAGES`, or history
  lags) gets its own complete lookup (all of its fills by exchange id); it stays "changed", and is looked
  for again, at every poll until the tracker has all of it.
- An order filled, or partly filled and cancelled or expired, between two polls is missing from the answer:
  its market is scanned (back to before the previous poll, whose answer showed all its earlier fills known)
  and its status looked up alone, which also gives the exchange's executed quantity for the check above.
- A completed order leaves the answer for good: while Hummingbot keeps it (30 s, and past that while the exchange
  reported more of it executed than the tracker has: backpack_fill_reconciliation, which fetches those fills
  before its final event already), its market is scanned at every poll unless all of it is filled, or the
  exchange's executed quantity for it (from the stream, a status lookup, the cancel answer) is known and the
  tracker has that much; a refused order has no fills.
- A market's mark only moves when every fill before it was seen by a complete scan (matched to every order of
  the market tracked then) or known from the open-orders answer (market at rest): a fill older than the mark
  is known, one newer is in the next scan.
- The open-orders request fails (or its answer is not a list): the poll is the per-market one (each market's
  open orders and a fill scan of every market), with the per-order lookups when those fail too.
- The answer has no paging; were it ever cut short, a tracked order missing from it is treated as closed:
  looked up alone, its market scanned.
- An order of unknown outcome (create without a clear answer) is missing from the answer until it shows up:
  looked up alone at every poll (never given up on "not found", backpack_unknown_outcome), its market scanned.
- Lost orders (given up by the tracker, a few at most) keep Hummingbot's per-order lookups in their own loop.
The fills already known are dropped by Hummingbot's tracker by trade id, as for the per-order lookups.
"""
import asyncio
from decimal import Decimal
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_messages import Fill, OrderStatus
from hummingbot.core.data_type.in_flight_order import InFlightOrder


class BackpackOrderPollingMixin:
    FILL_SCAN_MAX_PAGES = 10  # per market and poll; an order older than what they reach is looked up alone

    async def _orders_by_symbol(self, orders: Iterable[InFlightOrder]) -> Dict[str, List[InFlightOrder]]:
        """Orders by exchange symbol; an order of a pair without a market (refused before sending) is left out."""
        symbols = (await self.trading_pair_symbol_map()).inverse
        grouped: Dict[str, List[InFlightOrder]] = {}
        for order in orders:
            symbol = symbols.get(order.trading_pair)
            if symbol is not None:
                grouped.setdefault(symbol, []).append(order)
        return grouped

    # ----- the poll -----

    async def _update_order_status(self):
        """Hummingbot's poll: the fills, then the status, of every tracked order."""
        fillable = self._order_tracker.all_fillable_orders
        self._reported_executed = {k: v for k, v in self._reported_executed.items() if k in fillable}
        open_orders = await self._fetch_open_orders()
        if open_orders is None:
            await self._update_orders_fills(list(fillable.values()))
            await self._update_orders_per_market()
            return
        lost = self._order_tracker.lost_orders  # looked up on their own (`_update_lost_orders_status`)
        for symbol, orders in (await self._orders_by_symbol(list(fillable.values()))).items():
            polled = [o for o in orders if o.client_order_id not in lost]
            changed = [o for o in polled if self._fills_may_be_missing(o, open_orders.status_of(o, symbol))]
            if not changed:
                self._mark_fill_scan(symbol, open_orders.asked_at)  # all fills of its orders so far are known
                continue
            await self._update_market_fills(symbol, changed, orders)
            await self._update_fills_per_order(  # the scan did not give them all (history lags, or cut short)
                [o for o in changed if self._reported_executed_of(o, open_orders.status_of(o, symbol))
                 > o.executed_amount_base])
        await self._apply_open_orders(open_orders)

    async def _update_lost_orders_status(self):
        """Lost orders (given up by the tracker, a few at most) keep their own lookups, as in Hummingbot."""
        await self._update_fills_per_order(list(self._order_tracker.lost_orders.values()))
        await self._update_lost_orders()

    async def _fetch_open_orders(self, symbol: Optional[str] = None) -> Optional["_OpenOrders"]:
        """The account's open orders of every market (or of `symbol`), or None when the request fails (logged)."""
        asked_at = self._time_synchronizer.time()  # before the request: the answer is no older
        try:
            rows = await self._api_get(path_url=CONSTANTS.ORDERS_PATH_URL, is_auth_required=True,
                                       params=None if symbol is None else {"symbol": symbol})
            if not isinstance(rows, list):
                raise IOError(f"unexpected open orders answer {rows!r}")
            statuses = [OrderStatus.from_rest(row) for row in rows if isinstance(row, dict)]
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.logger().warning(
                f"Failed to fetch the open orders of every market ({error}); polling them market by market."
                if symbol is None else
                f"Failed to fetch the open {symbol} orders ({error}); looking them up per order.")
            return None
        return _OpenOrders(asked_at, statuses, self._is_same_order, symbol)

    # ----- what changed -----

    def _fills_may_be_missing(self, order: InFlightOrder, status: Optional[OrderStatus]) -> bool:
        """Whether the order may have fills the tracker lacks, from the open-orders answer (`status`: its row)."""
        if order.client_order_id in self._order_tracker.active_orders:
            # not open: closed since the last poll (filled, cancelled, expired), or not created yet
            return status is None or self._reported_executed_of(order, status) > order.executed_amount_base
        return self._done_order_may_miss_fills(order)

    def _done_order_may_miss_fills(self, order: InFlightOrder) -> bool:
        """A completed order (still in Hummingbot's cache): its last fills may come after its final state."""
        if order.executed_amount_base >= order.amount:
            return False  # all of it is filled: no fill can come
        reported = self._reported_executed.get(order.client_order_id)
        if reported is not None:
            return reported > order.executed_amount_base
        return not (order.is_failure and not order.exchange_order_id)  # refused, or proven never executed

    def _reported_executed_of(self, order: InFlightOrder, status: Optional[OrderStatus]) -> Decimal:
        """The most the exchange reported executed for the order (its open row, or any answer or event so far)."""
        reported = self._reported_executed.get(order.client_order_id, Decimal(0))
        return max(reported, status.executed_quantity) if status is not None else reported

    def _note_reported_executed(self, order: InFlightOrder, status: OrderStatus):
        """Keeps the exchange's executed quantity of a status of the order (stream event, REST answer)."""
        if self._is_same_order(order, status.exchange_order_id, status.client_order_id) and \
                status.executed_quantity > self._reported_executed.get(order.client_order_id, Decimal(0)):
            self._reported_executed[order.client_order_id] = status.executed_quantity

    # ----- fills -----

    async def _update_orders_fills(self, orders: List[InFlightOrder]):
        """The fills of `orders`: one scan per market (Hummingbot's hook, here the fallback poll's)."""
        for symbol, market_orders in (await self._orders_by_symbol(orders)).items():
            await self._update_market_fills(symbol, market_orders, market_orders)

    async def _update_market_fills(self, symbol: str, wanted: List[InFlightOrder], tracked: List[InFlightOrder]):
        """One scan of the market's fills back to the oldest of `wanted`, matched to all its `tracked` orders."""
        try:
            fills, reached = await self._scan_market_fills(symbol, wanted)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.logger().warning(f"Failed to fetch the fills of {symbol} ({error}); looking them up per order.")
            await self._update_fills_per_order(wanted)
            return
        by_order = _Matcher(fills, lambda f: (f.exchange_order_id, f.client_order_id))
        for order in tracked:
            for fill in by_order.of(order):
                if self._is_same_order(order, fill.exchange_order_id, fill.client_order_id):
                    self._order_tracker.process_trade_update(self._trade_update(order, fill))
        # the scan stopped short of these orders' first possible fill
        await self._update_fills_per_order([o for o in wanted if reached is not None and
                                            o.creation_timestamp - self.HISTORY_CLOCK_MARGIN_S < reached])

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

    def _mark_fill_scan(self, symbol: str, moment: Optional[float]):
        """Every fill of the market's tracked orders before `moment` is known (a complete scan reached its newest
        fill; an answer at rest showed them all): the next scan need not go further back (less the margin)."""
        if moment is not None:
            self._fill_scan_marks[symbol] = max(moment, self._fill_scan_marks.get(symbol, moment))

    # ----- status -----

    async def _update_orders(self):
        """Hummingbot's status poll of the active orders, from one open-orders request."""
        open_orders = await self._fetch_open_orders()
        if open_orders is None:
            await self._update_orders_per_market()
        else:
            await self._apply_open_orders(open_orders)

    async def _apply_open_orders(self, open_orders: "_OpenOrders", symbol: Optional[str] = None):
        """Each active order's status from its open row; those without one are looked up alone (closed since,
        or not created yet). Only the orders of `symbol`, when given (an answer for that market alone)."""
        not_open = []
        for order_symbol, orders in (await self._orders_by_symbol(list(self.in_flight_orders.values()))).items():
            if symbol is not None and order_symbol != symbol:
                continue
            for order in orders:
                status = open_orders.status_of(order, order_symbol)
                if status is None:
                    not_open.append(order)
                else:
                    self._order_tracker.process_order_update(self._order_update(order, status, self.current_timestamp))
        await self._update_status_per_order(not_open)

    async def _update_orders_per_market(self):
        """The fallback when the request for every market fails: one request per market, then per order."""
        for symbol, market_orders in (await self._orders_by_symbol(list(self.in_flight_orders.values()))).items():
            open_orders = await self._fetch_open_orders(symbol)
            if open_orders is None:
                await self._update_status_per_order(market_orders)
            else:
                await self._apply_open_orders(open_orders, symbol)

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


class _OpenOrders:
    """An open-orders answer, by market: rows of another market never describe an order of this one (another
    bot of the account may reuse a client id there)."""

    def __init__(self, asked_at: Optional[float], statuses: List[OrderStatus],
                 is_same_order: Callable[[InFlightOrder, Optional[str], Optional[str]], bool],
                 symbol: Optional[str] = None):
        self.asked_at = asked_at  # server time just before the request (None: unknown)
        self._is_same_order = is_same_order
        by_symbol: Dict[str, List[OrderStatus]] = {}
        for status in statuses:  # an answer for one market (`symbol`) is that market's, whatever its rows say
            by_symbol.setdefault(symbol or status.symbol, []).append(status)
        self._by_symbol = {s: _Matcher(rows, lambda row: (row.exchange_order_id, row.client_order_id))
                           for s, rows in by_symbol.items()}

    def status_of(self, order: InFlightOrder, symbol: str) -> Optional[OrderStatus]:
        """The order's row among `symbol`'s open orders, or None (not open)."""
        matcher = self._by_symbol.get(symbol)
        if matcher is None:
            return None
        return next((s for s in matcher.of(order)
                     if self._is_same_order(order, s.exchange_order_id, s.client_order_id)), None)
