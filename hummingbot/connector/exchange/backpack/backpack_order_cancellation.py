"""Cancels shared by the spot and perp Backpack connectors: single (`DELETE /api/v1/order`), batch, and the
native per-market cancel-all (`DELETE /api/v1/orders`)."""
import asyncio
from typing import Any, Dict, List

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import client_id_for
from hummingbot.connector.exchange.backpack.backpack_messages import OrderStatus
from hummingbot.core.data_type.cancellation_result import CancellationResult
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.utils.async_utils import safe_ensure_future, safe_gather


class BackpackOrderCancellationMixin:
    def _cancel_target(self, order: InFlightOrder) -> Dict[str, Any]:
        client_id = client_id_for(order.client_order_id)
        if client_id is not None:
            return {"clientId": client_id}
        return {"orderId": order.exchange_order_id}

    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        target = self._cancel_target(tracked_order)
        if target.get("orderId") is None and "clientId" not in target:
            await tracked_order.get_exchange_order_id()  # raises TimeoutError when it never arrives
            target = {"orderId": tracked_order.exchange_order_id}
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=tracked_order.trading_pair)
        response = await self._api_delete(path_url=CONSTANTS.ORDER_PATH_URL, data={"symbol": symbol, **target},
                                          is_auth_required=True)
        return isinstance(response, dict) and response.get("status") == "Cancelled"

    def batch_order_cancel(self, orders_to_cancel: List[LimitOrder]):
        safe_ensure_future(self._execute_batch_cancel([o.client_order_id for o in orders_to_cancel]))

    async def _execute_batch_cancel(self, client_order_ids: List[str]) -> List[CancellationResult]:
        """Per market: native cancel-all when the batch covers every order resting there, else one cancel each."""
        orders = [o for o in (self._order_tracker.fetch_tracked_order(i) for i in client_order_ids) if o is not None]
        results: List[CancellationResult] = []
        for trading_pair in sorted({o.trading_pair for o in orders}):
            in_pair = [o for o in orders if o.trading_pair == trading_pair]
            if await self._batch_covers_all_resting(trading_pair, in_pair):
                results += await self._cancel_all_in_market(trading_pair, in_pair)
            else:
                cancelled = await safe_gather(*[self._execute_order_cancel(o) for o in in_pair],
                                              return_exceptions=True)
                results += [CancellationResult(o.client_order_id, r == o.client_order_id)
                            for o, r in zip(in_pair, cancelled)]
        return results

    async def _batch_covers_all_resting(self, trading_pair: str, orders: List[InFlightOrder]) -> bool:
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        resting = await self._api_get(path_url=CONSTANTS.ORDERS_PATH_URL, params={"symbol": symbol},
                                      is_auth_required=True)
        # Only real ids: a missing one must not match a foreign order's null clientId ("None" == "None").
        ours = ({o.exchange_order_id for o in orders if o.exchange_order_id}
                | {str(c) for c in (client_id_for(o.client_order_id) for o in orders) if c is not None})
        return all(str(r.get("id")) in ours or str(r.get("clientId")) in ours for r in resting or [])

    async def cancel_all(self, timeout_seconds: float) -> List[CancellationResult]:
        """Cancels with Backpack's native cancel-all (`DELETE /api/v1/orders`), one request per market.

        Note: the exchange cancels every resting limit order of the account in those markets.
        """
        incomplete = [o for o in self.in_flight_orders.values() if not o.is_done]
        results: List[CancellationResult] = []
        try:
            async with asyncio.timeout(timeout_seconds):
                for trading_pair in sorted({o.trading_pair for o in incomplete}):
                    in_pair = [o for o in incomplete if o.trading_pair == trading_pair]
                    results += await self._cancel_all_in_market(trading_pair, in_pair)
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
            cancelled = await self._api_delete(
                path_url=CONSTANTS.ORDERS_PATH_URL, is_auth_required=True,
                data={"symbol": symbol, "orderType": CONSTANTS.CANCEL_ALL_RESTING_LIMIT_ORDERS})
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().error(f"Failed to cancel all orders in {trading_pair}", exc_info=True)
            return [CancellationResult(o.client_order_id, False) for o in orders]
        statuses = [OrderStatus.from_rest(item) for item in (cancelled if isinstance(cancelled, list) else [])]
        results = []
        for order in orders:
            status = next((s for s in statuses if s.client_order_id == order.client_order_id
                           or s.exchange_order_id == order.exchange_order_id), None)
            if status is not None and status.state == OrderState.CANCELED:
                self._order_tracker.process_order_update(OrderUpdate(
                    client_order_id=order.client_order_id, exchange_order_id=status.exchange_order_id,
                    trading_pair=order.trading_pair, update_timestamp=self.current_timestamp,
                    new_state=OrderState.CANCELED))
            results.append(CancellationResult(order.client_order_id, status is not None))
        await asyncio.sleep(0)  # let the tracker emit the cancel events it just scheduled
        return results

    # ----- order status with REST fallback -----
