"""`BackpackOrderTracker`: Hummingbot's order tracker that never moves an order back to an earlier state.

Backpack's private stream may deliver events late, twice or out of order, and the REST answer to an order
create can arrive after the stream already reported a fill. Hummingbot's tracker applies every update
as it comes, so a late "New" would turn a partially filled order back into an open one. This tracker
drops such stale updates (still learning the exchange order id from them). Shared by spot and perp.

Every order event looks its order up in the tracker's maps (active, completed, lost), several times. The maps
are read through `OrdersView` (no copy, a key looked up in each map in turn) and the completed orders are kept in
`CompletedOrders` instead of Hummingbot's `cachetools.TTLCache`: same size and lifetime, a lookup is a dict
lookup and a time check (the TTLCache's locking timer, expiry walk and LRU links cost more than the rest of a
lookup, several times per fill: bench/round_trip_bench.py).

A final update (cancelled, expired, filled, failed) of an order the exchange reported more executed for than the
tracker holds first waits for those fills (the connector's `fills_missing` / `reconcile_fills`,
backpack_fill_reconciliation), and a completed order whose fills are still missing stays in the cache past its
lifetime until they are in (`CompletedOrders.hold`).

`apply_order_update` applies an update in the caller's task, where Hummingbot's `process_order_update`
schedules a task for it: one event-loop pass less between an order's answer or stream event and the
strategy's event. Only a final update whose fills are not all in yet still goes to a task, which waits for the
missing fills (and Hummingbot's, for a FILLED one, up to `TRADE_FILLS_WAIT_TIMEOUT`).

The order events (created, filled, cancelled, completed, failed) are Hummingbot's, triggered in the same order on
the same conditions, but each before its INFO line instead of after it, and that line is only formatted when
INFO is logged: Hummingbot formats three lines of Decimals per crossing order first, and checks an order's
state by building a set of `OrderState`s each time (bench/round_trip_bench.py, crossing buy).
"""
import asyncio
import logging
import math
import time
from collections.abc import Mapping, MutableMapping
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, Iterator, Optional, Protocol, Tuple

from hummingbot.connector.client_order_tracker import ClientOrderTracker
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import note_client_order_id_in_use
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hummingbot.core.data_type.trade_fee import TradeFeeBase

_PROGRESS = {OrderState.PENDING_CREATE: 0, OrderState.OPEN: 1, OrderState.PARTIALLY_FILLED: 2,
             OrderState.PENDING_CANCEL: 2}
_FINAL = 3  # filled, cancelled, failed, completed
# An order leaving PENDING_CREATE for any other state was created (Hummingbot's condition for its event).
_NOT_CREATED = frozenset({OrderState.PENDING_CREATE, OrderState.CANCELED, OrderState.FAILED, OrderState.PENDING_CANCEL})


class FillReconciler(Protocol):
    """What the tracker asks the connector about fills the exchange reported but the tracker lacks."""

    def fills_missing(self, order: InFlightOrder) -> bool: ...

    def reconcile_fills(self, order: InFlightOrder) -> Awaitable[None]: ...


def state_progress(state: OrderState) -> int:
    return _PROGRESS.get(state, _FINAL)


def is_open_state(state: OrderState) -> bool:
    """`InFlightOrder.is_open` for a state (the states with a progress below final), without building a set of
    states per call."""
    return state in _PROGRESS


def is_done(order: InFlightOrder) -> bool:
    """`InFlightOrder.is_done`: a final state, or all of the amount executed."""
    state = order.current_state
    return state is OrderState.FILLED or state is OrderState.CANCELED or state is OrderState.FAILED or \
        math.isclose(order.executed_amount_base, order.amount) or order.executed_amount_base >= order.amount


class _ReadThroughGet:
    """Item access and `in` by the class's own `get` (one dict lookup), instead of Mapping's defaults."""

    __slots__ = ()

    def __getitem__(self, key: str) -> InFlightOrder:
        order = self.get(key)
        if order is None:
            raise KeyError(key)
        return order

    def __contains__(self, key) -> bool:
        return self.get(key) is not None


class OrdersView(_ReadThroughGet, Mapping):
    """A read-only union of order maps, the first map holding a key winning (Hummingbot merges them into a new
    dict, the last map winning: give them here in reverse)."""

    __slots__ = ("_maps",)

    def __init__(self, *maps: Mapping[str, InFlightOrder]):
        self._maps = maps

    def get(self, key, default=None):
        for orders in self._maps:
            order = orders.get(key)
            if order is not None:
                return order
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key for orders in self._maps for key in orders))

    def __len__(self) -> int:
        return len(set().union(*self._maps))


class CompletedOrders(_ReadThroughGet, MutableMapping):
    """Hummingbot's cache of completed orders (a `TTLCache` of `maxsize` orders kept `ttl` seconds), as an
    insertion-ordered dict of (expiry, order). The lifetime is the same for every order, so the oldest entry
    always expires first, and it is the one dropped when the cache is full (the TTLCache drops the least
    recently read one; completed orders are read a few times right after completion, if at all).

    An expired order for which `hold` is true (fills still missing) is kept another lifetime instead."""

    def __init__(self, maxsize: int, ttl: float, timer: Callable[[], float] = time.monotonic,
                 hold: Callable[[InFlightOrder], bool] = lambda order: False):
        self.maxsize = maxsize
        self.ttl = ttl
        self.timer = timer
        self.hold = hold
        self._entries: Dict[str, Tuple[float, InFlightOrder]] = {}

    def _expire(self, now: float):
        entries = self._entries
        while entries:
            oldest = next(iter(entries))
            expiry, order = entries[oldest]
            if expiry > now and len(entries) <= self.maxsize:
                return
            del entries[oldest]
            if expiry <= now and self.hold(order):
                entries[oldest] = (now + self.ttl, order)  # renewed, last: the loop ends at a renewed one

    def get(self, key, default=None):
        entry = self._entries.get(key)
        if entry is None:
            return default
        if entry[0] <= self.timer():
            if not self.hold(entry[1]):
                return default
            self[key] = entry[1]  # held: renewed
        return entry[1]

    def __setitem__(self, key: str, order: InFlightOrder):
        now = self.timer()
        self._entries.pop(key, None)  # a new entry goes last, with a new lifetime
        self._entries[key] = (now + self.ttl, order)
        self._expire(now)

    def __delitem__(self, key: str):
        expiry, _ = self._entries.pop(key)
        if expiry <= self.timer():
            raise KeyError(key)  # expired: it was already gone

    def __iter__(self) -> Iterator[str]:
        self._expire(self.timer())
        return iter(list(self._entries))

    def __len__(self) -> int:
        self._expire(self.timer())
        return len(self._entries)


class BackpackOrderTracker(ClientOrderTracker):

    def __init__(self, *args, fills: Optional[FillReconciler] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._fills = fills
        self._cached_orders = CompletedOrders(maxsize=self.MAX_CACHE_SIZE, ttl=self.CACHED_ORDER_TTL,
                                              hold=self._fills_missing)

    def _fills_missing(self, order: InFlightOrder) -> bool:
        """The exchange reported fills of the order the tracker lacks (backpack_fill_reconciliation)."""
        return self._fills is not None and self._fills.fills_missing(order)

    async def _fills_before_final_update(self, tracked: Optional[InFlightOrder], order_update: OrderUpdate):
        """Before a final update is applied: the order's missing fills, so they are reported before its final event."""
        if tracked is None or is_open_state(order_update.new_state) or not self._fills_missing(tracked):
            return
        if tracked.exchange_order_id is None and order_update.exchange_order_id is not None:
            tracked.update_exchange_order_id(order_update.exchange_order_id)  # its fills are looked up by it
        await self._fills.reconcile_fills(tracked)

    @property
    def all_fillable_orders(self) -> Mapping[str, InFlightOrder]:
        """Hummingbot's mapping (active, then cached, then lost orders; the later wins), as a read-only view
        instead of a new dict: Hummingbot rebuilds it, walking its cache of up to 1000 completed orders,
        for every fill (twice per fill event; a third of the connector's time on a fill in
        bench/round_trip_bench.py)."""
        return OrdersView(self._lost_orders, self._cached_orders, self._in_flight_orders)

    @property
    def all_updatable_orders(self) -> Mapping[str, InFlightOrder]:
        """Hummingbot's mapping (active, then lost orders; the later wins), as a read-only view: Hummingbot
        copies every active order into a new dict for each order event (with 3,000 open orders, nine tenths
        of an event's cost)."""
        return OrdersView(self._lost_orders, self._in_flight_orders)

    def fetch_order(self, client_order_id: Optional[str] = None,
                    exchange_order_id: Optional[str] = None) -> Optional[InFlightOrder]:
        # Same answer as Hummingbot's, without rebuilding a dict of every active and cached order (a TTL
        # cache of up to 1000) twice per call: this runs for every order update (bench/round_trip_bench.py).
        order = self._cached_orders.get(client_order_id)
        if order is None:
            order = self._in_flight_orders.get(client_order_id)
        if order is None and exchange_order_id is not None:
            order = super().fetch_order(None, exchange_order_id)
        return order

    def restore_tracking_states(self, tracking_states: Dict[str, Any]):
        super().restore_tracking_states(tracking_states)
        # A previous run ahead of the clock (more than 4 ids/s on average) could otherwise see its ids issued again.
        note_client_order_id_in_use(tracking_states)

    @staticmethod
    def _is_stale(tracked: Optional[InFlightOrder], order_update: OrderUpdate) -> bool:
        """An update behind the order's state: dropped, but an exchange order id it brings is kept."""
        if tracked is None or state_progress(order_update.new_state) >= state_progress(tracked.current_state):
            return False
        if tracked.exchange_order_id is None and order_update.exchange_order_id is not None:
            tracked.update_exchange_order_id(order_update.exchange_order_id)
        return True

    async def _process_order_update(self, order_update: OrderUpdate):
        tracked = self.fetch_order(order_update.client_order_id, order_update.exchange_order_id)
        if not self._is_stale(tracked, order_update):
            await self._fills_before_final_update(tracked, order_update)
            await super()._process_order_update(order_update)

    async def apply_order_update(self, order_update: OrderUpdate):
        tracked = self.fetch_order(order_update.client_order_id, order_update.exchange_order_id)
        try:
            if tracked is None:
                await super()._process_order_update(order_update)  # lost orders, and what is not tracked
            elif (order_update.new_state is OrderState.FILLED and not is_done(tracked) and
                  not tracked.completely_filled_event.is_set()) or \
                    (not is_open_state(order_update.new_state) and self._fills_missing(tracked)):
                self.process_order_update(order_update)  # the task waits for the missing fills
            elif not self._is_stale(tracked, order_update):
                # Hummingbot's `_process_order_update` for a tracked order with nothing left to wait for, without
                # looking the order up again.
                previous_state = tracked.current_state
                if tracked.update_with_order_update(order_update):
                    self._trigger_order_creation(tracked, previous_state, order_update.new_state)
                    self._trigger_order_completion(tracked, order_update)
        except asyncio.CancelledError:
            raise
        except Exception:  # as a failed task would: logged, and the caller (a stream, an order) goes on
            self.logger().error(f"Unexpected error applying the order update {order_update}.", exc_info=True)

    # ----- order events: Hummingbot's, each triggered before its log line, formatted only when logged -----

    def _log_info(self, message: Callable[[], str]):
        logger = self.logger()
        if logger.isEnabledFor(logging.INFO):
            logger.info(message())

    def _trigger_order_creation(self, tracked_order: InFlightOrder, previous_state: OrderState, new_state: OrderState):
        if previous_state is OrderState.PENDING_CREATE and new_state not in _NOT_CREATED:
            self._trigger_created_event(tracked_order)
            self._log_info(tracked_order.build_order_created_message)

    def _trigger_order_fills(self, tracked_order: InFlightOrder, prev_executed_amount_base: Decimal,
                             fill_amount: Decimal, fill_price: Decimal, fill_fee: TradeFeeBase, trade_id: str,
                             exchange_order_id: str):
        if prev_executed_amount_base < tracked_order.executed_amount_base:
            self._trigger_filled_event(order=tracked_order, fill_amount=fill_amount, fill_price=fill_price,
                                       fill_fee=fill_fee, trade_id=trade_id, exchange_order_id=exchange_order_id)
            self._log_info(lambda: (
                f"The {tracked_order.trade_type.name.upper()} order {tracked_order.client_order_id} amounting to "
                f"{tracked_order.executed_amount_base}/{tracked_order.amount} {tracked_order.base_asset} has been "
                f"filled at {fill_price} {tracked_order.quote_asset}."))

    def _trigger_order_completion(self, tracked_order: InFlightOrder, order_update: Optional[OrderUpdate] = None):
        if is_open_state(tracked_order.current_state):
            return
        if tracked_order.is_cancelled:
            self._trigger_cancelled_event(tracked_order)
            self._log_info(lambda: f"Successfully canceled order {tracked_order.client_order_id}.")
        elif tracked_order.is_filled:
            self._trigger_completed_event(tracked_order)
            self._log_info(lambda: f"{tracked_order.trade_type.name.upper()} order {tracked_order.client_order_id} "
                                   f"completely filled.")
        elif tracked_order.is_failure:
            self._trigger_failure_event(tracked_order, order_update)
            self._log_info(lambda: f"Order {tracked_order.client_order_id} has failed. Order Update: {order_update}")
        self.stop_tracking_order(tracked_order.client_order_id)
