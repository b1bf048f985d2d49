"""`BackpackOrderTracker`: Hummingbot's order tracker that never moves an order back to an earlier state.

Backpack's private stream may deliver events late, twice or out of order, and the REST answer to an order
create can arrive after the stream already reported a fill. Hummingbot's tracker applies every update
as it comes, so a late "New" would turn a partially filled order back into an open one. This tracker
drops such stale updates (still learning the exchange order id from them). Shared by spot and perp.

`apply_order_update` applies an update in the caller's task, where Hummingbot's `process_order_update`
schedules a task for it: one event-loop pass less between an order's answer or stream event and the
strategy's event. Only a FILLED update whose fills are not all in yet still goes to a task, because
Hummingbot waits there (up to `TRADE_FILLS_WAIT_TIMEOUT`) for the missing fills.
"""
import asyncio
from collections import ChainMap
from types import MappingProxyType
from typing import Mapping, Optional

from hummingbot.connector.client_order_tracker import ClientOrderTracker
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate

_PROGRESS = {OrderState.PENDING_CREATE: 0, OrderState.OPEN: 1, OrderState.PARTIALLY_FILLED: 2,
             OrderState.PENDING_CANCEL: 2}
_FINAL = 3  # filled, cancelled, failed, completed


def state_progress(state: OrderState) -> int:
    return _PROGRESS.get(state, _FINAL)


class BackpackOrderTracker(ClientOrderTracker):

    @property
    def all_fillable_orders(self) -> Mapping[str, InFlightOrder]:
        """Hummingbot's mapping (active, then cached, then lost orders; the later wins), as a read-only view
        instead of a new dict: Hummingbot rebuilds it, walking its TTL cache of up to 1000 completed orders,
        for every fill (twice per fill event; a third of the connector's time on a fill in
        bench/round_trip_bench.py)."""
        return MappingProxyType(ChainMap(self._lost_orders, self._cached_orders, self._in_flight_orders))

    @property
    def all_updatable_orders(self) -> Mapping[str, InFlightOrder]:
        """Hummingbot's mapping (active, then lost orders; the later wins), as a read-only view: Hummingbot
        copies every active order into a new dict for each order event (with 3,000 open orders, nine tenths
        of an event's cost)."""
        return MappingProxyType(ChainMap(self._lost_orders, self._in_flight_orders))

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

    async def _process_order_update(self, order_update: OrderUpdate):
        tracked = self.fetch_order(order_update.client_order_id, order_update.exchange_order_id)
        if tracked is not None and state_progress(order_update.new_state) < state_progress(tracked.current_state):
            if tracked.exchange_order_id is None and order_update.exchange_order_id is not None:
                tracked.update_exchange_order_id(order_update.exchange_order_id)
            return
        await super()._process_order_update(order_update)

    async def apply_order_update(self, order_update: OrderUpdate):
        tracked = self.fetch_order(order_update.client_order_id, order_update.exchange_order_id)
        if tracked is not None and order_update.new_state == OrderState.FILLED and not tracked.is_done and \
                not tracked.completely_filled_event.is_set():
            self.process_order_update(order_update)  # Hummingbot's task waits for the missing fills
            return
        try:
            await self._process_order_update(order_update)
        except asyncio.CancelledError:
            raise
        except Exception:  # as a failed task would: logged, and the caller (a stream, an order) goes on
            self.logger().error(f"Unexpected error applying the order update {order_update}.", exc_info=True)
