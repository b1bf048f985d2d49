"""What a cancel answer says about our order, and what is left of a cancel the exchange accepted but never
executed (shared by spot and perp; used by backpack_order_cancellation).

- A cancel goes by the order's exchange id once it is known, by its clientId only before: a clientId is unique
  among open orders only, so another order of the account (another bot, an earlier run) may carry it.
- An answer "Cancelled" counts for our order only when it describes it (`_is_same_order`: the exchange id, or
  the clientId while ours is not known). One describing another order is logged as an error, and our order is
  not taken for cancelled.
- A cancel answered 202 ("accepted, not yet executed") keeps the order PENDING_CANCEL and is repeated while it
  stays so (CANCEL_CONFIRM_DELAYS_S). Hummingbot's tracker never moves an order back from PENDING_CANCEL (the
  open-orders row saying `New` is a stale update to it), so a cancel that never executes left the order
  PENDING_CANCEL for good. After the last repeat the order is looked up: a final state (cancelled, filled) is
  applied; an order still open (or not found: the polls go on looking) is OPEN (or PARTIALLY_FILLED) again,
  with a warning: the cancel did not happen, and the strategy sees an order it can cancel again.
"""
import asyncio
from typing import Any, Dict, Optional

from hummingbot.connector.exchange.backpack.backpack_client_order_ids import client_id_for, client_order_id_for
from hummingbot.connector.exchange.backpack.backpack_order_tracker import is_open_state
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate


def cancel_target(order: InFlightOrder) -> Dict[str, Any]:
    """`orderId` once the exchange id is known, else `clientId`; empty when the order has neither (yet)."""
    if order.exchange_order_id:
        return {"orderId": order.exchange_order_id}
    client_id = client_id_for(order.client_order_id)
    return {} if client_id is None else {"clientId": client_id}


class BackpackCancelOutcomeMixin:
    CANCEL_LAST_WAIT_S = 5.0  # after the last repeat of a 202-accepted cancel, before looking the order up

    def _cancel_answer_is_for(self, order: InFlightOrder, answer: Dict[str, Any]) -> bool:
        """Whether a cancel answer describes `order` (an answer without ids cannot say otherwise)."""
        exchange_order_id = None if answer.get("id") is None else str(answer["id"])
        client_order_id = client_order_id_for(answer.get("clientId"))
        if (exchange_order_id is None and client_order_id is None) or \
                self._is_same_order(order, exchange_order_id, client_order_id):
            return True
        self.logger().error(
            f"The answer to the cancel of order {order.client_order_id} (exchange id {order.exchange_order_id}) on "
            f"{self.name} is about another order (exchange id {exchange_order_id}, client id {client_order_id}): "
            f"order {order.client_order_id} is not taken for cancelled.")
        return False

    async def _cancel_never_executed(self, order: InFlightOrder):
        """The 202-accepted cancel was repeated and the order is still PENDING_CANCEL: what the exchange says now."""
        await self._sleep(self.CANCEL_LAST_WAIT_S)
        if order.is_done or order.current_state != OrderState.PENDING_CANCEL:
            return
        update: Optional[OrderUpdate] = None
        try:
            update = await self._request_order_status(order)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.logger().info(f"Lookup of order {order.client_order_id} after its unconfirmed cancel: {error}")
        if order.is_done or order.current_state != OrderState.PENDING_CANCEL:
            return  # confirmed meanwhile (stream, poll)
        if update is not None and not is_open_state(update.new_state):
            self._order_tracker.process_order_update(update)  # cancelled, filled: the tracker's usual way
            return
        still = update.new_state if update is not None and update.new_state == OrderState.PARTIALLY_FILLED else (
            OrderState.PARTIALLY_FILLED if order.executed_amount_base > 0 else OrderState.OPEN)
        self.logger().warning(
            f"The cancel of order {order.client_order_id} was accepted by {self.name} (202) but never executed: "
            f"{'the order is still open on the exchange' if update is not None else 'the order could not be looked up'}"
            f". It is {still.name} again; cancel it again if needed.")
        # Not through the tracker, which never moves an order back from PENDING_CANCEL (stale updates).
        order.update_with_order_update(self._state_update(order, still))
