"""Cancels asked for while an order's create is in flight (sent, not answered yet), shared by spot and perp.

Such a cancel is sent by clientId at once, but the exchange may not have the order yet: its "not found" proves
nothing, and Hummingbot would count it towards giving the order up as lost (with the polls' own "not found"
answers, an order whose create is still in its timeout and lookups, about 17 s, would fail as lost). So it is not
counted, and the cancel is remembered: once the create is resolved, an order that is open is cancelled again, and
one of unknown outcome keeps the request (backpack_unknown_outcome cancels it when it shows up).
"""
from typing import List, Optional, Set, Union

from hummingbot.connector.exchange.backpack.backpack_order_cancellation import CancelAnswer
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.data_type.market_order import MarketOrder
from hummingbot.core.utils.async_utils import safe_ensure_future


class BackpackPendingCreateCancelsMixin:

    def __init__(self, **kwargs):
        self._cancels_while_creating: Set[str] = set()  # client order ids
        super().__init__(**kwargs)

    async def _execute_order_cancel(self, order: InFlightOrder) -> Optional[str]:
        if order.current_state != OrderState.PENDING_CREATE or order.exchange_order_id or \
                order.client_order_id in self._unknown_outcomes:
            return await super()._execute_order_cancel(order)
        self._cancels_while_creating.add(order.client_order_id)
        try:
            answer = await self._request_cancel(order)
        except Exception as error:  # CancelledError is no Exception: it goes through
            self.logger().info(f"Order {order.client_order_id} (create in flight) could not be cancelled yet "
                               f"({error}); it is cancelled once its create is answered.")
            return None
        if answer is CancelAnswer.CANCELLED:
            self._set_order_state(order, OrderState.CANCELED)
        # 202 "accepted": the cancel is sent again once the create is answered, if the order is still open then
        return None if answer is CancelAnswer.NOT_CANCELLED else order.client_order_id

    async def _place_order_and_process_update(self, order: InFlightOrder, **kwargs) -> Optional[str]:
        try:
            return await super()._place_order_and_process_update(order, **kwargs)
        finally:
            self._create_resolved(order.client_order_id)

    async def _execute_batch_order_create(self, orders: List[Union[MarketOrder, LimitOrder]]):
        try:
            await super()._execute_batch_order_create(orders)
        finally:
            for order in orders:
                self._create_resolved(order.client_order_id if isinstance(order, LimitOrder) else order.order_id)

    def _create_resolved(self, client_order_id: str):
        if client_order_id not in self._cancels_while_creating:
            return  # the usual case: no cancel was asked for
        self._cancels_while_creating.discard(client_order_id)
        unknown = self._unknown_outcomes.get(client_order_id)
        if unknown is not None:
            unknown.cancel_requested = True
            return
        order = self._order_tracker.active_orders.get(client_order_id)
        if order is not None and order.current_state != OrderState.PENDING_CREATE and not order.is_done:
            self.logger().info(f"Cancelling order {client_order_id} as asked while its create was in flight.")
            safe_ensure_future(self._execute_cancel(order.trading_pair, client_order_id))
