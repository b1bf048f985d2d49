"""Cancels shared by the spot and perp Backpack connectors: single (`DELETE /api/v1/order`), batch, cancel-all.

- Scope of cancel-all and batch cancel (setting `backpack_cancel_all_scope`): `bot_orders` (default) cancels
  each of the bot's orders by its own id, so nothing else of the account is touched; `all_orders_in_market`
  uses Backpack's native `DELETE /api/v1/orders`, which cancels EVERY resting order of the account in the
  market (manual orders, other bots'), one request per market. A check that the market holds only our orders
  cannot make the native call safe (an order placed between the check and the call would go too).
- A cancel answered 202 "accepted, not yet executed" (no body) is a success that is not done yet: the order
  becomes PENDING_CANCEL until the order stream or REST confirms (cancelled, or filled meanwhile); while it is
  still pending, the cancel is repeated (idempotent) after CANCEL_CONFIRM_DELAYS_S, then the order is looked up
  (backpack_cancel_outcome: never left PENDING_CANCEL for good).
- Cancels go by exchange id once known, and an answer is checked against our order (backpack_cancel_outcome).
"""
import asyncio
import enum
import math
from typing import Any, Dict, List, Optional, Tuple

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_cancel_outcome import BackpackCancelOutcomeMixin, cancel_target
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import client_id_for
from hummingbot.connector.exchange.backpack.backpack_messages import OrderStatus
from hummingbot.core.data_type.cancellation_result import CancellationResult
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.utils.async_utils import safe_ensure_future, safe_gather
from hummingbot.core.web_assistant.connections.data_types import RESTMethod

ACCEPTED = 202  # "Request accepted but not yet executed", no body


class CancelAnswer(enum.Enum):
    CANCELLED = "cancelled"
    ACCEPTED = "accepted"  # 202: to be confirmed by the stream or REST
    NOT_CANCELLED = "not cancelled"


class BackpackOrderCancellationMixin(BackpackCancelOutcomeMixin):
    CANCEL_CONFIRM_DELAYS_S: Tuple[float, ...] = (5.0, 10.0, 30.0, 60.0)  # repeats of a 202-accepted cancel

    @property
    def cancel_all_scope(self) -> str:
        return self._cancel_all_scope

    @property
    def _native_cancel_all_allowed(self) -> bool:
        return self._cancel_all_scope == CONSTANTS.CANCEL_ALL_SCOPE_MARKET

    def _cancel_target(self, order: InFlightOrder) -> Dict[str, Any]:
        client_id = client_id_for(order.client_order_id)
        if client_id is not None:
            return {"clientId": client_id}
        return {"orderId": order.exchange_order_id}

    async def _request_cancel(self, tracked_order: InFlightOrder) -> CancelAnswer:
        target = cancel_target(tracked_order)  # by exchange id once known
        if not target:
            await tracked_order.get_exchange_order_id()  # raises TimeoutError when it never arrives
            target = {"orderId": tracked_order.exchange_order_id}
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=tracked_order.trading_pair)
        status, response = await self._api_request_with_status(RESTMethod.DELETE, CONSTANTS.ORDER_PATH_URL,
                                                               data={"symbol": symbol, **target})
        if status == ACCEPTED:
            return CancelAnswer.ACCEPTED
        if isinstance(response, dict) and response.get("status") == "Cancelled" and \
                self._cancel_answer_is_for(tracked_order, response):
            self._note_cancelled(tracked_order, response)
            return CancelAnswer.CANCELLED
        return CancelAnswer.NOT_CANCELLED

    def _note_cancelled(self, order: InFlightOrder, response: Dict[str, Any]):
        """The cancel answer says how much of the order executed: the fill polls look for fills up to that."""
        try:
            status = OrderStatus.from_rest(response)
        except (KeyError, ValueError, ArithmeticError):
            return  # an answer without the order's fields: the polls then check its fills as if unknown
        self._note_reported_executed(order, status)

    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        return await self._request_cancel(tracked_order) is CancelAnswer.CANCELLED

    async def _execute_order_cancel_and_process_update(self, order: InFlightOrder) -> bool:
        answer = await self._request_cancel(order)
        if answer is CancelAnswer.CANCELLED:
            await self._order_tracker.apply_order_update(self._state_update(order, OrderState.CANCELED))
        elif answer is CancelAnswer.ACCEPTED:
            self._cancel_accepted(order)
        return answer is not CancelAnswer.NOT_CANCELLED

    def _state_update(self, order: InFlightOrder, state: OrderState, exchange_order_id: Optional[str] = None
                      ) -> OrderUpdate:
        timestamp = self.current_timestamp
        if timestamp is None or math.isnan(timestamp):
            timestamp = self._time()
        return OrderUpdate(
            client_order_id=order.client_order_id, exchange_order_id=exchange_order_id or order.exchange_order_id,
            trading_pair=order.trading_pair, update_timestamp=timestamp, new_state=state)

    def _set_order_state(self, order: InFlightOrder, state: OrderState, exchange_order_id: Optional[str] = None):
        self._order_tracker.process_order_update(self._state_update(order, state, exchange_order_id))

    def _cancel_accepted(self, order: InFlightOrder):
        """202: PENDING_CANCEL until confirmed; a confirmation task repeats the cancel while it stays pending."""
        self.logger().info(f"Cancel of order {order.client_order_id} accepted by {self.name}, not executed yet: "
                           f"pending cancel until the exchange confirms it.")
        self._set_order_state(order, OrderState.PENDING_CANCEL)
        if order.client_order_id not in self._cancel_confirmations:
            self._cancel_confirmations[order.client_order_id] = safe_ensure_future(self._confirm_cancel(order))

    async def _confirm_cancel(self, order: InFlightOrder):
        try:
            for delay in self.CANCEL_CONFIRM_DELAYS_S:
                await self._sleep(delay)
                if order.is_done or order.current_state != OrderState.PENDING_CANCEL:
                    return
                try:
                    if await self._request_cancel(order) is CancelAnswer.CANCELLED:
                        self._set_order_state(order, OrderState.CANCELED)
                        return
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # not found: filled or cancelled meanwhile, the status poll tells which
                    self.logger().info(f"Repeated cancel of order {order.client_order_id}: {error}")
            await self._cancel_never_executed(order)
        finally:
            self._cancel_confirmations.pop(order.client_order_id, None)

    def batch_order_cancel(self, orders_to_cancel: List[LimitOrder]):
        safe_ensure_future(self._execute_batch_cancel([o.client_order_id for o in orders_to_cancel]))

    async def _execute_batch_cancel(self, client_order_ids: List[str]) -> List[CancellationResult]:
        """Per market: one cancel per order; the native cancel-all only when the scope allows it and the batch
        covers every order resting there."""
        orders = [o for o in (self._order_tracker.fetch_tracked_order(i) for i in client_order_ids) if o is not None]
        results: List[CancellationResult] = []
        for trading_pair in sorted({o.trading_pair for o in orders}):
            in_pair = [o for o in orders if o.trading_pair == trading_pair]
            if self._native_cancel_all_allowed and await self._batch_covers_all_resting(trading_pair, in_pair):
                results += await self._cancel_all_in_market(trading_pair, in_pair)
            else:
                results += await self._cancel_one_by_one(in_pair)
        return results

    async def _cancel_one_by_one(self, orders: List[InFlightOrder]) -> List[CancellationResult]:
        cancelled = await safe_gather(*[self._execute_order_cancel(o) for o in orders], return_exceptions=True)
        return [CancellationResult(o.client_order_id, r == o.client_order_id) for o, r in zip(orders, cancelled)]

    async def _batch_covers_all_resting(self, trading_pair: str, orders: List[InFlightOrder]) -> bool:
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        resting = await self._api_get(path_url=CONSTANTS.ORDERS_PATH_URL, params={"symbol": symbol},
                                      is_auth_required=True)
        # Only real ids: a missing one must not match a foreign order's null clientId ("None" == "None").
        ours = ({o.exchange_order_id for o in orders if o.exchange_order_id}
                | {str(c) for c in (client_id_for(o.client_order_id) for o in orders) if c is not None})
        return all(str(r.get("id")) in ours or str(r.get("clientId")) in ours for r in resting or [])

    async def cancel_all(self, timeout_seconds: float) -> List[CancellationResult]:
        """Cancels the bot's orders (what a strategy does when it stops): each by its own id, or with the
        scope `all_orders_in_market` Backpack's native cancel-all, one request per market, which also cancels
        every other resting order of the account there."""
        incomplete = [o for o in self.in_flight_orders.values()
                      if not o.is_done and not self._kept_on_cancel_all_order(o)]  # kept: backpack_trigger_orders
        results: List[CancellationResult] = []
        try:
            async with asyncio.timeout(timeout_seconds):
                if self._native_cancel_all_allowed:
                    for trading_pair in sorted({o.trading_pair for o in incomplete}):
                        in_pair = [o for o in incomplete if o.trading_pair == trading_pair]
                        results += await self._cancel_all_in_market(trading_pair, in_pair)
                else:
                    results += await self._cancel_one_by_one(incomplete)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().network("Unexpected error cancelling orders.", exc_info=True,
                                  app_warning_msg="Failed to cancel order. Check API key and network connection.")
        done = {r.order_id for r in results}
        return results + [CancellationResult(o.client_order_id, False) for o in incomplete
                          if o.client_order_id not in done]

    async def _cancel_all_in_market(self, trading_pair: str, orders: List[InFlightOrder]) -> List[CancellationResult]:
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        try:
            status, cancelled = await self._api_request_with_status(
                RESTMethod.DELETE, CONSTANTS.ORDERS_PATH_URL,
                data={"symbol": symbol, "orderType": CONSTANTS.CANCEL_ALL_RESTING_LIMIT_ORDERS})
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().error(f"Failed to cancel all orders in {trading_pair}", exc_info=True)
            return [CancellationResult(o.client_order_id, False) for o in orders]
        if status == ACCEPTED:  # accepted for all of them: each stays pending cancel until confirmed
            for order in orders:
                self._cancel_accepted(order)
            return [CancellationResult(o.client_order_id, True) for o in orders]
        statuses = [OrderStatus.from_rest(item) for item in (cancelled if isinstance(cancelled, list) else [])]
        results = []
        for order in orders:
            status = next((s for s in statuses if s.client_order_id == order.client_order_id
                           or s.exchange_order_id == order.exchange_order_id), None)
            if status is not None and status.state == OrderState.CANCELED:
                self._note_reported_executed(order, status)
                self._set_order_state(order, OrderState.CANCELED, status.exchange_order_id)
            results.append(CancellationResult(order.client_order_id, status is not None))
        await asyncio.sleep(0)  # let the tracker emit the cancel events it just scheduled
        return results
