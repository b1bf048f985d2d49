"""Order placement shared by the spot and perp Backpack connectors: validation before anything is sent,
the signed `POST /api/v1/order` payload, single and native batch (`POST /api/v1/orders`) creation, and the
lookup by clientId of a create that got no clear answer."""
import asyncio
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple, Union

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_errors as errors
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import client_id_for, next_free_client_order_id
from hummingbot.connector.exchange.backpack.backpack_market_orders import has_price, price_market_order
from hummingbot.connector.exchange.backpack.backpack_order_failures import BackpackOrderFailureMixin
from hummingbot.connector.exchange.backpack.backpack_messages import seconds_from_any, side_for_trade_type
from hummingbot.connector.exchange.backpack.backpack_unknown_outcome import BackpackOrderOutcomeUnknown
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.data_type.market_order import MarketOrder
from hummingbot.core.web_assistant.connections.data_types import RESTMethod
from hummingbot.core.utils.async_utils import safe_ensure_future, safe_gather, safe_wrapper


s_decimal_NaN = Decimal("nan")


def start_now(coroutine) -> asyncio.Future:
    """Like Hummingbot's `safe_ensure_future`, but in a running loop the task starts at once (an eager task,
    Python 3.12+): an order is tracked, signed and sent before `buy()`/`sell()` returns, instead of one
    event-loop pass later (bench/round_trip_bench.py). Errors are logged as safe_ensure_future logs them."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return safe_ensure_future(coroutine)
    try:
        return asyncio.Task(safe_wrapper(coroutine), loop=loop, eager_start=True)
    except TypeError:  # Python < 3.12: no eager tasks
        return safe_ensure_future(coroutine)


def decimal_text(value: Decimal) -> str:
    """Plain decimal text without trailing zeros ("1.230" -> "1.23"): Backpack rejects extra decimals."""
    return f"{value.normalize():f}"


class BackpackOrderPlacementMixin(BackpackOrderFailureMixin):  # a refused create says why
    ORDER_CREATE_TIMEOUT_S = 10.0  # unanswered this long ON THE WIRE (local waits do not count): looked up by clientId
    # Pauses between the first lookups of an unanswered create (about 7.5 s in all); an order still not found
    # then stays tracked with an unknown outcome (backpack_unknown_outcome), it is not failed.
    ORDER_LOOKUP_RETRY_DELAYS_S: Tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)

    def buy(self, trading_pair: str, amount: Decimal, order_type=OrderType.LIMIT, price: Decimal = s_decimal_NaN,
            **kwargs) -> str:
        return self._submit(TradeType.BUY, trading_pair, amount, order_type, price, **kwargs)

    def sell(self, trading_pair: str, amount: Decimal, order_type=OrderType.LIMIT, price: Decimal = s_decimal_NaN,
             **kwargs) -> str:
        return self._submit(TradeType.SELL, trading_pair, amount, order_type, price, **kwargs)

    def _submit(self, trade_type: TradeType, trading_pair: str, amount: Decimal, order_type: OrderType,
                price: Decimal, **kwargs) -> str:
        """Like Hummingbot's buy/sell, with ids from the shared uint32 generator.

        Optional kwarg `time_in_force`: "GTC" (default), "IOC" or "FOK"."""
        order_id = next_free_client_order_id(self._order_tracker.all_fillable_orders.__contains__)
        start_now(self._create_order(trade_type=trade_type, order_id=order_id, trading_pair=trading_pair,
                                     amount=amount, order_type=order_type, price=price, **kwargs))
        return order_id

    def _validation_error(self, trading_pair: str, order_type: OrderType, price: Optional[Decimal],
                          amount: Optional[Decimal] = None, **kwargs) -> Optional[str]:
        """Problems that must stop an order before anything is sent (None when it may go)."""
        if trading_pair not in self._trading_rules:
            return (f"Unknown trading pair {trading_pair} on {self.name}: no trading rule for it. "
                    "The order will not be created.")
        if amount is not None and (not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0):
            return (f"Invalid amount {amount} for {trading_pair}: it must be a positive number. "
                    "The order will not be created.")
        time_in_force = kwargs.get("time_in_force")
        if time_in_force is not None and str(time_in_force).upper() not in CONSTANTS.TIME_IN_FORCES:
            return (f"Invalid time_in_force {time_in_force!r}: use one of {', '.join(CONSTANTS.TIME_IN_FORCES)}. "
                    "The order will not be created.")
        if order_type == OrderType.LIMIT_MAKER and time_in_force is not None and \
                str(time_in_force).upper() != CONSTANTS.TIME_IN_FORCE_GTC:
            return "LIMIT_MAKER (post-only) orders can only be GTC. The order will not be created."
        if order_type in (OrderType.LIMIT, OrderType.LIMIT_MAKER):
            if price is None or price.is_nan() or self.quantize_order_price(trading_pair, price) <= 0:
                tick = self._trading_rules[trading_pair].min_price_increment
                return (f"Invalid price {price} for {trading_pair}: it must be at least one tick ({tick}). "
                        "The order will not be created.")
        return None

    async def _create_order(self, trade_type: TradeType, order_id: str, trading_pair: str, amount: Decimal,
                            order_type: OrderType, price: Optional[Decimal] = None, **kwargs):
        problem = self._validation_error(trading_pair, order_type, price, amount, **kwargs)
        if problem is None and order_type == OrderType.MARKET and not has_price(price):
            price, problem = price_market_order(self.order_books, trading_pair, trade_type, amount)
        if problem is not None:
            # A NaN or negative amount would make the tracker take the failed order for a filled one.
            tracked_amount = amount if isinstance(amount, Decimal) and amount.is_finite() and amount > 0 \
                else Decimal("0")
            self.start_tracking_order(order_id=order_id, exchange_order_id=None, trading_pair=trading_pair,
                                      order_type=order_type, trade_type=trade_type, price=price,
                                      amount=tracked_amount)
            self.logger().error(problem)
            self._update_order_after_failure(order_id=order_id, trading_pair=trading_pair,
                                             exception=ValueError(problem))
            return
        await super()._create_order(trade_type=trade_type, order_id=order_id, trading_pair=trading_pair,
                                    amount=amount, order_type=order_type, price=price, **kwargs)

    def _extra_order_fields(self, trade_type: TradeType, order_type: OrderType, **kwargs) -> Dict[str, Any]:
        return {}

    async def _order_payload(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                             order_type: OrderType, price: Optional[Decimal], **kwargs) -> Dict[str, Any]:
        payload: Dict[str, Any] = {
            "symbol": await self.exchange_symbol_associated_to_pair(trading_pair=trading_pair),
            "side": side_for_trade_type(trade_type),
            "orderType": CONSTANTS.ORDER_TYPE_MARKET if order_type == OrderType.MARKET else CONSTANTS.ORDER_TYPE_LIMIT,
            "quantity": decimal_text(amount),
            "selfTradePrevention": self._self_trade_prevention,
        }
        client_id = client_id_for(order_id)
        if client_id is not None:
            payload["clientId"] = client_id
        time_in_force = kwargs.get("time_in_force")
        if order_type in (OrderType.LIMIT, OrderType.LIMIT_MAKER):
            payload["price"] = decimal_text(price)
            payload["timeInForce"] = str(time_in_force or CONSTANTS.TIME_IN_FORCE_GTC).upper()
            payload["postOnly"] = order_type == OrderType.LIMIT_MAKER
        elif time_in_force is not None:
            payload["timeInForce"] = str(time_in_force).upper()
        payload.update(self._extra_order_fields(trade_type, order_type, **kwargs))
        return payload

    async def _place_order(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                           order_type: OrderType, price: Decimal, **kwargs) -> Tuple[str, float]:
        payload = await self._order_payload(order_id, trading_pair, amount, trade_type, order_type, price, **kwargs)
        try:
            _, response = await self._api_request_with_status(RESTMethod.POST, CONSTANTS.ORDER_PATH_URL, payload,
                                                              timeout=self.ORDER_CREATE_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if errors.is_post_only_reject(error):
                raise IOError(f"Post-only order {order_id} rejected by {self.name}: at {price} it would have "
                              f"taken liquidity.") from error
            if not errors.is_outcome_unknown(error):
                raise
            return await self._order_placed_despite(order_id, error, self._signed_request_expiry_ms())
        if not isinstance(response, dict) or "id" not in response:  # no order in the answer: it may exist anyway
            return await self._order_placed_despite(order_id, IOError(f"Order create answered without an order: "
                                                                      f"{response!r}"),
                                                    self._signed_request_expiry_ms())
        created = seconds_from_any(response.get("createdAt")) or self.current_timestamp
        self._order_answered(order_id, response)
        return str(response["id"]), created

    def _order_answered(self, order_id: str, response: Dict[str, Any]):
        """Hook: the exchange's answer to a create (backpack_order_options corrects quote-sized orders)."""

    async def _place_order_and_process_update(self, order: InFlightOrder, **kwargs) -> str:
        """Hummingbot's, with the OPEN update applied at once (`BackpackOrderTracker.apply_order_update`)
        rather than in a task of its own: the order is reported created one event-loop pass earlier."""
        exchange_order_id, update_timestamp = await self._place_order(
            order_id=order.client_order_id, trading_pair=order.trading_pair, amount=order.amount,
            trade_type=order.trade_type, order_type=order.order_type, price=order.price, **kwargs)
        await self._apply_open_update(order, exchange_order_id, update_timestamp)
        return exchange_order_id

    async def _order_placed_despite(self, order_id: str, error: Exception, expires_server_ms: float
                                    ) -> Tuple[str, float]:
        """The create got no answer (timeout, dropped connection, 5xx): the exchange may have taken the order
        anyway. Look it up by clientId; when it is not there (yet), BackpackOrderOutcomeUnknown: the order stays
        tracked with an unknown outcome (backpack_unknown_outcome), never failed on a guess."""
        tracked = self._order_tracker.fetch_order(client_order_id=order_id)
        if tracked is None:
            raise error
        self.logger().warning(f"No clear answer to the creation of order {order_id} ({error!r}): "
                              f"looking it up on {self.name} by its client id.")
        update = await self._look_up_unanswered_order(tracked)
        if update is None:
            raise BackpackOrderOutcomeUnknown(order_id, error, expires_server_ms)
        self._order_tracker.process_order_update(update)
        return update.exchange_order_id, update.update_timestamp

    async def _look_up_unanswered_order(self, order: InFlightOrder) -> Optional[OrderUpdate]:
        """Looks the order up (resting, order history, fills) once, then again after each retry delay: the
        exchange may not have registered it yet. None when it is still nowhere (or unreachable) at the end."""
        for delay in (0.0, *self.ORDER_LOOKUP_RETRY_DELAYS_S):
            if delay:
                await self._sleep(delay)
            try:
                return await self._request_order_status(order)
            except asyncio.CancelledError:
                raise
            except Exception as lookup_error:
                self.logger().info(f"Order {order.client_order_id} not found yet on {self.name}: {lookup_error}")
        return None

    # ----- native batch create -----

    def batch_order_create(self, orders_to_create: List[Union[MarketOrder, LimitOrder]]
                           ) -> List[Union[MarketOrder, LimitOrder]]:
        """Places the orders with ONE signed `POST /api/v1/orders`; returns them with their new client ids."""
        orders_with_ids = []
        for order in orders_to_create:
            order_id = next_free_client_order_id(self._order_tracker.all_fillable_orders.__contains__)
            if isinstance(order, LimitOrder):
                orders_with_ids.append(LimitOrder(
                    client_order_id=order_id, trading_pair=order.trading_pair, is_buy=order.is_buy,
                    base_currency=order.base_currency, quote_currency=order.quote_currency, price=order.price,
                    quantity=order.quantity, filled_quantity=order.filled_quantity,
                    creation_timestamp=order.creation_timestamp, status=order.status, position=order.position))
            else:
                orders_with_ids.append(MarketOrder(
                    order_id=order_id, trading_pair=order.trading_pair, is_buy=order.is_buy,
                    base_asset=order.base_asset, quote_asset=order.quote_asset, amount=order.amount,
                    timestamp=order.timestamp, position=order.position))
        safe_ensure_future(self._execute_batch_order_create(orders_with_ids))
        return orders_with_ids

    async def _execute_batch_order_create(self, orders: List[Union[MarketOrder, LimitOrder]]):
        tracked: List[InFlightOrder] = []
        payloads: List[Dict[str, Any]] = []
        for order in orders:
            prepared = await self._prepare_batch_item(order)
            if prepared is not None:
                tracked.append(prepared[0])
                payloads.append(prepared[1])
        if not payloads:
            return
        try:
            results = await self._api_post(path_url=CONSTANTS.ORDERS_PATH_URL, data=payloads, is_auth_required=True)
        except asyncio.CancelledError:
            raise
        except Exception as exception:
            expires_server_ms = self._signed_request_expiry_ms()
            self.logger().network(f"Batch order creation of {len(payloads)} orders failed: {exception}",
                                  exc_info=True)
            # Concurrently: each lookup may take several seconds of retries.
            await safe_gather(*[self._batch_item_after_error(order, exception, expires_server_ms)
                                for order in tracked])
            return
        await self._process_batch_create_results(tracked, results)

    async def _prepare_batch_item(self, order: Union[MarketOrder, LimitOrder]
                                  ) -> Optional[Tuple[InFlightOrder, Dict[str, Any]]]:
        is_limit = isinstance(order, LimitOrder)
        order_id = order.client_order_id if is_limit else order.order_id
        order_type = OrderType.LIMIT if is_limit else OrderType.MARKET
        trade_type = TradeType.BUY if order.is_buy else TradeType.SELL
        price = order.price if is_limit else None
        amount = order.quantity if is_limit else order.amount
        problem = self._validation_error(order.trading_pair, order_type, price, amount)
        if problem is None and order_type == OrderType.MARKET:
            price, problem = price_market_order(self.order_books, order.trading_pair, trade_type, amount)
        if problem is None:
            if order_type == OrderType.LIMIT:
                price = self.quantize_order_price(order.trading_pair, price)
            amount = self.quantize_order_amount(order.trading_pair, amount)
            if amount < self._trading_rules[order.trading_pair].min_order_size:
                problem = (f"Order amount {amount} is lower than minimum order size "
                           f"{self._trading_rules[order.trading_pair].min_order_size} for the pair "
                           f"{order.trading_pair}. The order will not be created.")
        position = {"position_action": order.position}  # OPEN/CLOSE for perps (CLOSE -> reduceOnly), NIL on spot
        self.start_tracking_order(order_id=order_id, exchange_order_id=None, trading_pair=order.trading_pair,
                                  trade_type=trade_type, price=price, amount=amount, order_type=order_type, **position)
        if problem is not None:
            self.logger().error(problem)
            self._update_order_after_failure(order_id, order.trading_pair, exception=ValueError(problem))
            return None
        payload = await self._order_payload(order_id, order.trading_pair, amount, trade_type, order_type, price,
                                            **position)
        return self._order_tracker.active_orders[order_id], payload

    async def _batch_item_after_error(self, order: InFlightOrder, exception: Exception, expires_server_ms: float):
        """A batch without a clear answer (timeout, dropped connection, 5xx) may have been executed: each order is
        looked up by its client id, as for a single order, and kept with an unknown outcome when not found."""
        if errors.is_outcome_unknown(exception):
            try:
                exchange_order_id, update_timestamp = await self._order_placed_despite(
                    order.client_order_id, exception, expires_server_ms)
                await self._apply_open_update(order, exchange_order_id, update_timestamp)
                return
            except asyncio.CancelledError:
                raise
            except BackpackOrderOutcomeUnknown as unknown:
                self._keep_order_of_unknown_outcome(order, unknown)
                return
            except Exception:
                pass
        self._update_order_after_failure(order.client_order_id, order.trading_pair, exception=exception)

    async def _apply_open_update(self, order: InFlightOrder, exchange_order_id: str, update_timestamp: float):
        # Applied at once, as for a single create: the order must have left PENDING_CREATE when the create is
        # resolved (a cancel asked meanwhile is sent again only for an open order, backpack_pending_create_cancels).
        await self._order_tracker.apply_order_update(OrderUpdate(
            client_order_id=order.client_order_id, exchange_order_id=str(exchange_order_id),
            trading_pair=order.trading_pair, update_timestamp=update_timestamp, new_state=OrderState.OPEN))

    async def _process_batch_create_results(self, tracked: List[InFlightOrder], results: Any):
        results = results if isinstance(results, list) else []
        for index, order in enumerate(tracked):
            result = results[index] if index < len(results) else None
            if isinstance(result, dict) and result.get("operation", "Ok") == "Ok" and "id" in result:
                await self._apply_open_update(order, str(result["id"]),
                                              seconds_from_any(result.get("createdAt")) or self.current_timestamp)
            else:
                message = (result or {}).get("message", "no result for this order") if isinstance(
                    result, (dict, type(None))) else str(result)
                self._update_order_after_failure(order.client_order_id, order.trading_pair,
                                                 exception=IOError(f"Batch order rejected: {message}"))

    # ----- cancel -----
