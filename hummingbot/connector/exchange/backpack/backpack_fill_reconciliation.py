"""Missing fills fetched, and reported, before an order's final state (shared by spot and perp).

The exchange says how much of an order executed in several places: the cancel answer (`executedQuantity`),
every order event of the private stream (`z`: orderFill, orderCancelled, orderExpired), the REST status and
order history, the lookup of a create that got no answer. Each of these is noted
(`_note_reported_executed`, backpack_order_polling). When one says more than the tracker holds, fills are
missing: their stream events were not delivered (a reconnect gap) or not yet. Hummingbot would only find
them at its next status poll (up to 120 s away while the stream is live), and only while the order is in
its 30 s cache of completed orders: after a cancel or a fill completing the order, they were lost. Here:
- the missing fills are fetched at once (the order's fill history by its exchange id; when the answer lacks
  some, again a few times within seconds: history may trail the engine), one fetch per order at a time;
- a final update (cancelled, expired, filled, failed) of an order with missing fills waits for that fetch
  before it is applied (BackpackOrderTracker asks `fills_missing` and awaits `reconcile_fills`), so every
  fill the exchange reports is emitted before the order's final event;
- should they still be missing (fill history failing, or lagging longer), the final state is applied
  anyway and the completed order stays in the tracker's cache (`CompletedOrders.hold`) until they are in:
  every status poll looks for them (backpack_order_polling `_done_order_may_miss_fills`).
Fills already reported are dropped by trade id (the same on the stream and REST): nothing is reported twice.
"""
import asyncio
from decimal import Decimal
from typing import Dict

from hummingbot.connector.exchange.backpack.backpack_messages import OrderStatus
from hummingbot.core.data_type.in_flight_order import InFlightOrder
from hummingbot.core.utils.async_utils import safe_ensure_future


class BackpackFillReconciliationMixin:
    # Pauses between fetches of fills still missing; then the final state goes on and the polls keep looking.
    FILL_RECONCILE_RETRY_DELAYS_S = (0.5, 1.0, 2.0)

    _fill_reconciliations: Dict[str, asyncio.Task]

    def fills_missing(self, order: InFlightOrder) -> bool:
        """The exchange reported more of the order executed than the tracker holds."""
        return self._reported_executed.get(order.client_order_id, Decimal(0)) > order.executed_amount_base

    def _note_reported_executed(self, order: InFlightOrder, status: OrderStatus):
        super()._note_reported_executed(order, status)
        if self.fills_missing(order):
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop (a synchronous caller): the final update still reconciles first
            self._fill_reconciliation(order)

    async def reconcile_fills(self, order: InFlightOrder):
        """Returns once the order's missing fills are reported, or could not be found (then logged)."""
        if self.fills_missing(order):
            await asyncio.shield(self._fill_reconciliation(order))  # a cancelled caller stops no shared fetch

    def _fill_reconciliation(self, order: InFlightOrder) -> asyncio.Task:
        """The order's running fetch of missing fills, or a new one."""
        client_order_id = order.client_order_id
        task = self._fill_reconciliations.get(client_order_id)
        if task is None or task.done():
            task = safe_ensure_future(self._fetch_missing_fills(order))
            self._fill_reconciliations[client_order_id] = task
            task.add_done_callback(lambda done: self._fill_reconciliations.pop(client_order_id, None)
                                   if self._fill_reconciliations.get(client_order_id) is done else None)
        return task

    async def _fetch_missing_fills(self, order: InFlightOrder):
        for delay in (0.0, *self.FILL_RECONCILE_RETRY_DELAYS_S):
            if delay:
                await self._sleep(delay)
            try:
                for trade_update in await self._all_trade_updates_for_order(order):
                    self._order_tracker.process_trade_update(trade_update)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # unreachable: the final state is not held up; the polls look for them
                self.logger().warning(f"Could not fetch the missing fills of order {order.client_order_id} ({error}): "
                                      f"the status polls look for them, the order is kept until they are in.")
                return
            if not self.fills_missing(order):
                return
        self.logger().warning(
            f"{self.name} reports {self._reported_executed.get(order.client_order_id)} of order "
            f"{order.client_order_id} executed, its fill history {order.executed_amount_base} so far: the missing "
            f"fills are looked for at every status poll, the order kept until they are in.")
