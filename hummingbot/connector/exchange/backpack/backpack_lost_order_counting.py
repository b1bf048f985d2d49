"""Which status answers count towards Hummingbot giving an order up as lost (shared by spot and perp).

Hummingbot counts every error of an order's status lookup as "not found" and fails the order as lost after a few
(its lost-order loop then cancels it). Here only a definite answer that the order is absent counts: not resting,
nor in order or fill history (`BackpackOrderNotFound`), or the exchange's own "not found". A 5xx, a 429, a timeout
or a dropped connection says nothing about the order: counted, an outage would fail live orders. And nothing
counts for an order whose create is unresolved (PENDING_CREATE without exchange id: in flight, or of unknown
outcome): its own timeout, lookups and resolver decide (backpack_unknown_outcome)."""
from hummingbot.connector.exchange.backpack import backpack_errors as errors
from hummingbot.connector.exchange.backpack.backpack_order_status import BackpackOrderNotFound
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState


class BackpackLostOrderCountingMixin:

    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        return isinstance(status_update_exception, BackpackOrderNotFound) or errors.is_not_found(
            status_update_exception)

    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        return errors.is_not_found(cancelation_exception)

    async def _handle_update_error_for_active_order(self, order: InFlightOrder, error: Exception):
        if order.current_state == OrderState.PENDING_CREATE and not order.exchange_order_id:
            self.logger().debug(f"Order {order.client_order_id} (create unresolved) not found yet: {error}")
        elif self._is_order_not_found_during_status_update_error(error):
            await super()._handle_update_error_for_active_order(order, error)
        else:
            self.logger().warning(f"Could not fetch the status of order {order.client_order_id}: {error}. "
                                  f"Trying again at the next poll.")
