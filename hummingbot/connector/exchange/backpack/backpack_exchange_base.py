"""`BackpackExchangeMixin`: all order logic the spot and perp Backpack connectors share.

Use it first in the bases: `class BackpackExchange(BackpackExchangeMixin, ExchangePyBase)` and
`class BackpackPerpetualDerivative(BackpackExchangeMixin, PerpetualDerivativePyBase)`.

It provides: auth, the shared request pool (throttler + 429 backoff), URLs from the environment (read
once, at creation), time sync with re-sync-and-retry-once on "Request has expired", trading rules and
symbol map from `/api/v1/markets`, order placement (single and native batch `POST /api/v1/orders`) with
quantization and validation before anything is sent, cancel (single, batch, native cancel-all per market),
order status with the REST fallback (`/api/v1/order` -> order history -> fills history), fill recovery
from `/wapi/v1/history/fills` (deduplicated by trade id, so exactly one OrderFilledEvent per fill) and
processing of `account.orderUpdate` events.

Hooks the subclass provides:
- `is_exchange_information_valid(market) -> bool` (market filter: SPOT or PERP, visible, tradable),
- `_update_balances()`, `_get_fee(...)`, `_create_order_book_data_source()`,
- `_fee_for_fill(order, fill) -> TradeFeeBase` (spot vs perpetual fee objects),
- optionally `_extra_order_fields(trade_type, order_type, **kwargs)` (e.g. `reduceOnly` for perps),
  `PRIVATE_STREAMS` and `_process_private_event(stream, data)` for streams other than order updates.
"""
import asyncio
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from bidict import bidict

from hummingbot.connector.exchange.backpack import (
    backpack_constants as CONSTANTS,
    backpack_errors as errors,
    backpack_web_utils as web_utils,
)
from hummingbot.connector.exchange.backpack.backpack_api_user_stream_data_source import (
    BackpackAPIUserStreamDataSource,
)
from hummingbot.connector.exchange.backpack.backpack_auth import BackpackAuth
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import client_id_for, next_client_order_id
from hummingbot.connector.exchange.backpack.backpack_messages import (
    Fill,
    OrderStatus,
    seconds_from_any,
    side_for_trade_type,
)
from hummingbot.connector.exchange.backpack.backpack_order_book_tracker import BackpackOrderBookTracker
from hummingbot.connector.exchange.backpack.backpack_order_tracker import BackpackOrderTracker
from hummingbot.connector.exchange.backpack.backpack_rate_limits import shared_request_pool
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.connector.utils import combine_to_hb_trading_pair
from hummingbot.core.data_type.cancellation_result import CancellationResult
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.data_type.market_order import MarketOrder
from hummingbot.core.data_type.order_book_tracker import OrderBookTracker
from hummingbot.core.data_type.trade_fee import TokenAmount, TradeFeeBase, TradeFeeSchema
from hummingbot.core.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hummingbot.core.utils.async_utils import safe_ensure_future, safe_gather
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory

s_decimal_NaN = Decimal("nan")


def decimal_text(value: Decimal) -> str:
    """Plain decimal text without trailing zeros ("1.230" -> "1.23"): Backpack rejects extra decimals."""
    return f"{value.normalize():f}"


class BackpackOrderNotFound(IOError):
    """The order is neither resting (`/api/v1/order`) nor in order or fill history."""


class BackpackExchangeMixin:
    web_utils = web_utils
    ORDER_CREATE_TIMEOUT_S = 10.0  # an unanswered order create is then looked up by its client id
    # Pauses between lookups of an unanswered create: the exchange may register the order a moment later,
    # and failing it meanwhile would leave it resting untracked. About 7.5 s in all, then it fails.
    ORDER_LOOKUP_RETRY_DELAYS_S: Tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    FILL_HISTORY_MAX_PAGES = 20  # bounds the paging of one order's fills (20 x 1000 rows)
    PRIVATE_STREAMS: Tuple[str, ...] = (CONSTANTS.ORDER_UPDATE_STREAM,)

    def __init__(self,
                 backpack_api_key: str = "",
                 backpack_api_secret: str = "",
                 trading_pairs: Optional[List[str]] = None,
                 trading_required: bool = True,
                 backpack_self_trade_prevention: str = CONSTANTS.DEFAULT_SELF_TRADE_PREVENTION,
                 **kwargs):
        # An empty setting is the default: Hummingbot's MarketDataProvider builds market-data-only connectors
        # with every config key set to "".
        backpack_self_trade_prevention = backpack_self_trade_prevention or CONSTANTS.DEFAULT_SELF_TRADE_PREVENTION
        if backpack_self_trade_prevention not in CONSTANTS.SELF_TRADE_PREVENTION_MODES:
            raise ValueError(f"Invalid self-trade prevention {backpack_self_trade_prevention!r}: "
                             f"use one of {', '.join(CONSTANTS.SELF_TRADE_PREVENTION_MODES)}.")
        self.api_key = backpack_api_key or ""
        self._api_secret = backpack_api_secret or ""
        self._trading_pairs = list(trading_pairs or [])
        self._trading_required = trading_required
        self._self_trade_prevention = backpack_self_trade_prevention
        # Base URLs are read once, here, so a test or a user can point a connector at another server.
        self._rest_base_url = web_utils.rest_base_url()
        self._ws_base_url = web_utils.ws_base_url()
        super().__init__(**kwargs)
        self.real_time_balance_update = False  # Backpack has no balance stream: balances are polled

    # ----- identity and configuration -----

    @property
    def authenticator(self) -> Optional[BackpackAuth]:
        if not self._api_secret and not self._trading_required:
            return None  # market-data-only instance (e.g. paper trading): nothing to sign
        return BackpackAuth(api_key=self.api_key, secret_key=self._api_secret,
                            time_provider=self._time_synchronizer)

    @property
    def rate_limits_rules(self):
        return CONSTANTS.RATE_LIMITS

    @property
    def domain(self) -> str:
        return CONSTANTS.DEFAULT_DOMAIN

    @property
    def client_order_id_max_length(self) -> Optional[int]:
        return None

    @property
    def client_order_id_prefix(self) -> str:
        return ""

    @property
    def trading_rules_request_path(self) -> str:
        return CONSTANTS.MARKETS_PATH_URL

    @property
    def trading_pairs_request_path(self) -> str:
        return CONSTANTS.MARKETS_PATH_URL

    @property
    def check_network_request_path(self) -> str:
        # `/api/v1/ping` answers a bare text/plain `pong`, which Hummingbot's RESTResponse.json() cannot
        # parse; `/api/v1/time` answers a bare number (valid JSON) and proves the same reachability.
        return CONSTANTS.SERVER_TIME_PATH_URL

    @property
    def trading_pairs(self) -> List[str]:
        return self._trading_pairs

    @property
    def is_cancel_request_in_exchange_synchronous(self) -> bool:
        return True

    @property
    def is_trading_required(self) -> bool:
        return self._trading_required

    @property
    def self_trade_prevention(self) -> str:
        return self._self_trade_prevention

    @property
    def rest_base_url(self) -> str:
        return self._rest_base_url

    @property
    def ws_base_url(self) -> str:
        return self._ws_base_url

    def supported_order_types(self) -> List[OrderType]:
        return [OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET]

    def is_exchange_information_valid(self, market: Dict[str, Any]) -> bool:
        raise NotImplementedError

    # ----- web assistants, URLs and time -----

    def _create_web_assistants_factory(self) -> WebAssistantsFactory:
        # One budget per account and process, shared with the other Backpack connector (see rate limits).
        pool = shared_request_pool(self.api_key)
        self._throttler = pool.throttler
        return web_utils.build_api_factory(
            throttler=self._throttler, time_synchronizer=self._time_synchronizer, auth=self._auth,
            pool=pool, base_url=self._rest_base_url)

    def _create_order_tracker(self) -> BackpackOrderTracker:
        return BackpackOrderTracker(connector=self)  # stale (late, reordered) updates never move a state back

    def _create_user_stream_data_source(self) -> UserStreamTrackerDataSource:
        return BackpackAPIUserStreamDataSource(
            auth=self._auth, api_factory=self._web_assistants_factory, ws_url=self._ws_base_url,
            streams=self.PRIVATE_STREAMS, resync_clock=self._resync_clock_from_scratch)

    def _set_order_book_tracker(self, order_book_tracker: OrderBookTracker):
        # Replaces Hummingbot's tracker, which builds the initial books one per second (see the class).
        super()._set_order_book_tracker(BackpackOrderBookTracker(
            data_source=order_book_tracker.data_source, trading_pairs=self.trading_pairs, domain=self.domain))

    async def _api_request_url(self, path_url: str, is_auth_required: bool = False) -> str:
        return web_utils.rest_url(path_url, self._rest_base_url)

    async def _update_time_synchronizer(self, pass_on_non_cancelled_error: bool = False):
        try:
            await self._time_synchronizer.update_server_time_offset_with_time_provider(
                time_provider=web_utils.get_current_server_time(
                    throttler=self._throttler, base_url=self._rest_base_url))
        except asyncio.CancelledError:
            raise
        except Exception:
            if not pass_on_non_cancelled_error:
                self.logger().exception(f"Error requesting time from {self.name_cap} server")
                raise

    async def _resync_clock_from_scratch(self):
        """Old offset samples would outvote a new one (median of 5): start from a fresh sample only."""
        self._time_synchronizer.clear_time_offset_ms_samples()
        await self._update_time_synchronizer(pass_on_non_cancelled_error=True)

    def _is_request_exception_related_to_time_synchronizer(self, request_exception: Exception) -> bool:
        related = errors.is_expired_request(request_exception)
        if related:
            # Hummingbot re-syncs once and retries: old samples would outvote the new one (median of 5), so
            # the retry would be signed with the same wrong time. Re-sync from fresh samples only.
            self._time_synchronizer.clear_time_offset_ms_samples()
        return related

    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        return isinstance(status_update_exception, BackpackOrderNotFound) or errors.is_not_found(
            status_update_exception)

    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        return errors.is_not_found(cancelation_exception)

    async def _handle_update_error_for_active_order(self, order: InFlightOrder, error: Exception):
        """An exchange that cannot be reached at all (connection refused or dropped) for a few polls must not
        fail every open order: only answers from the exchange (errors included) and missing exchange ids
        count towards giving an order up as lost, as Hummingbot does."""
        if (isinstance(error, asyncio.TimeoutError) or self._is_order_not_found_during_status_update_error(error)
                or errors.parse_error(error).status is not None):
            await super()._handle_update_error_for_active_order(order, error)
        else:
            self.logger().warning(f"Could not fetch the status of order {order.client_order_id}: {error}. "
                                  f"Trying again at the next poll.")

    # ----- markets, trading rules, prices -----

    def _markets(self, exchange_info: Any) -> Iterable[Dict[str, Any]]:
        markets = exchange_info if isinstance(exchange_info, list) else []
        return [m for m in markets if isinstance(m, dict) and self.is_exchange_information_valid(m)]

    def _initialize_trading_pair_symbols_from_exchange_info(self, exchange_info: Any):
        mapping = bidict()
        for market in self._markets(exchange_info):
            mapping[market["symbol"]] = combine_to_hb_trading_pair(market["baseSymbol"], market["quoteSymbol"])
        self._set_trading_pair_symbol_map(mapping)

    async def _format_trading_rules(self, exchange_info: Any) -> List[TradingRule]:
        rules = []
        for market in self._markets(exchange_info):
            try:
                price_filter = market["filters"]["price"]
                quantity_filter = market["filters"]["quantity"]
                rule = TradingRule(
                    trading_pair=combine_to_hb_trading_pair(market["baseSymbol"], market["quoteSymbol"]),
                    min_order_size=Decimal(quantity_filter["minQuantity"]),
                    min_price_increment=Decimal(price_filter["tickSize"]),
                    min_base_amount_increment=Decimal(quantity_filter["stepSize"]),
                    min_notional_size=Decimal("0"),  # Backpack has no notional filter
                )
                if quantity_filter.get("maxQuantity"):
                    rule.max_order_size = Decimal(quantity_filter["maxQuantity"])
                rules.append(rule)
            except Exception:
                self.logger().error(f"Error parsing the trading pair rule {market}. Skipping.", exc_info=True)
        return rules

    async def _update_trading_fees(self):
        pass  # DEFAULT_FEES apply; Backpack reports account fee tiers but no per-market schedule

    async def _get_last_traded_price(self, trading_pair: str) -> float:
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        ticker = await self._api_get(path_url=CONSTANTS.TICKER_PATH_URL, params={"symbol": symbol})
        return float(ticker["lastPrice"])

    # ----- order placement -----

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
        order_id = next_client_order_id()
        safe_ensure_future(self._create_order(trade_type=trade_type, order_id=order_id, trading_pair=trading_pair,
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
            response = await asyncio.wait_for(
                self._api_post(path_url=CONSTANTS.ORDER_PATH_URL, data=payload, is_auth_required=True),
                self.ORDER_CREATE_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if errors.is_post_only_reject(error):
                raise IOError(f"Post-only order {order_id} rejected by {self.name}: at {price} it would have "
                              f"taken liquidity.") from error
            if not errors.is_outcome_unknown(error):
                raise
            return await self._order_placed_despite(order_id, error)
        created = seconds_from_any(response.get("createdAt")) or self.current_timestamp
        return str(response["id"]), created

    async def _order_placed_despite(self, order_id: str, error: Exception) -> Tuple[str, float]:
        """The create got no answer (timeout, dropped connection, 5xx): the exchange may have taken the order
        anyway. Look it up by clientId; only when it is nowhere does the original error fail the order."""
        tracked = self._order_tracker.fetch_order(client_order_id=order_id)
        if tracked is None:
            raise error
        self.logger().warning(f"No clear answer to the creation of order {order_id} ({error!r}): "
                              f"looking it up on {self.name} by its client id.")
        update = await self._look_up_unanswered_order(tracked)
        if update is None:
            raise error
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
            order_id = next_client_order_id()
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
            self.logger().network(f"Batch order creation of {len(payloads)} orders failed: {exception}",
                                  exc_info=True)
            # Concurrently: each lookup may take several seconds of retries.
            await safe_gather(*[self._batch_item_after_error(order, exception) for order in tracked])
            return
        self._process_batch_create_results(tracked, results)

    async def _prepare_batch_item(self, order: Union[MarketOrder, LimitOrder]
                                  ) -> Optional[Tuple[InFlightOrder, Dict[str, Any]]]:
        is_limit = isinstance(order, LimitOrder)
        order_id = order.client_order_id if is_limit else order.order_id
        order_type = OrderType.LIMIT if is_limit else OrderType.MARKET
        trade_type = TradeType.BUY if order.is_buy else TradeType.SELL
        price = order.price if is_limit else None
        amount = order.quantity if is_limit else order.amount
        problem = self._validation_error(order.trading_pair, order_type, price, amount)
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

    async def _batch_item_after_error(self, order: InFlightOrder, exception: Exception):
        """A batch without a clear answer (timeout, dropped connection, 5xx) may have been executed: each order is
        looked up by its client id, as for a single order, and fails only when the exchange does not have it."""
        if errors.is_outcome_unknown(exception):
            try:
                await self._order_placed_despite(order.client_order_id, exception)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                pass
        self._update_order_after_failure(order.client_order_id, order.trading_pair, exception=exception)

    def _process_batch_create_results(self, tracked: List[InFlightOrder], results: Any):
        results = results if isinstance(results, list) else []
        for index, order in enumerate(tracked):
            result = results[index] if index < len(results) else None
            if isinstance(result, dict) and result.get("operation", "Ok") == "Ok" and "id" in result:
                self._order_tracker.process_order_update(OrderUpdate(
                    client_order_id=order.client_order_id, exchange_order_id=str(result["id"]),
                    trading_pair=order.trading_pair,
                    update_timestamp=seconds_from_any(result.get("createdAt")) or self.current_timestamp,
                    new_state=OrderState.OPEN))
            else:
                message = (result or {}).get("message", "no result for this order") if isinstance(
                    result, (dict, type(None))) else str(result)
                self._update_order_after_failure(order.client_order_id, order.trading_pair,
                                                 exception=IOError(f"Batch order rejected: {message}"))

    # ----- cancel -----

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

    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=tracked_order.trading_pair)
        try:
            order = await self._api_get(path_url=CONSTANTS.ORDER_PATH_URL, is_auth_required=True,
                                        params={"symbol": symbol, **self._cancel_target(tracked_order)})
            status = OrderStatus.from_rest(order)
        except IOError as error:
            if not errors.is_not_found(error):
                raise
            # Only resting orders are visible there: the final state is in the history endpoints.
            status = await self._status_from_history(tracked_order, symbol)
        return self._order_update(tracked_order, status, self.current_timestamp)

    def _order_update(self, order: InFlightOrder, status: OrderStatus, timestamp: float) -> OrderUpdate:
        misc_updates = None
        if status.nothing_left_to_reduce:
            message = (f"Reduce-only order {order.client_order_id} ({order.trade_type.name} {order.amount} "
                       f"{order.trading_pair}) expired unfilled on {self.name}: nothing left to reduce "
                       f"({status.expiry_reason}: the position is already flat or on the other side). "
                       f"Reported as failed; placing it again cannot fill.")
            misc_updates = {"error_type": status.expiry_reason, "error_message": message}
            # Once per order: the stream (maybe twice) and a status poll may all report it before it is applied.
            if not getattr(order, "nothing_to_reduce_logged", False):
                order.nothing_to_reduce_logged = True
                self.logger().warning(message)
        return OrderUpdate(client_order_id=order.client_order_id, exchange_order_id=status.exchange_order_id,
                           trading_pair=order.trading_pair, update_timestamp=timestamp, new_state=status.state,
                           misc_updates=misc_updates)

    async def _status_from_history(self, order: InFlightOrder, symbol: str) -> OrderStatus:
        params = {"symbol": symbol, "limit": CONSTANTS.HISTORY_PAGE_LIMIT}
        if order.exchange_order_id:
            params["orderId"] = order.exchange_order_id
        rows = await self._api_get(path_url=CONSTANTS.ORDER_HISTORY_PATH_URL, params=params, is_auth_required=True)
        for row in rows if isinstance(rows, list) else []:
            status = OrderStatus.from_rest(row)
            if self._is_same_order(order, status.exchange_order_id, status.client_order_id):
                return status
        fills = await self._fills_for_order(order, symbol)
        filled = sum((f.amount for f in fills), Decimal("0"))
        if fills and filled >= order.amount:
            return OrderStatus(exchange_order_id=fills[0].exchange_order_id, client_order_id=order.client_order_id,
                               symbol=symbol, status="Filled", executed_quantity=filled, timestamp=None)
        raise BackpackOrderNotFound(f"Order {order.client_order_id} not found on {self.name} "
                                    f"(not resting, not in order history, {len(fills)} fills).")

    @staticmethod
    def _is_same_order(order: InFlightOrder, exchange_order_id: Optional[str], client_order_id: Optional[str]) -> bool:
        if order.exchange_order_id and exchange_order_id == order.exchange_order_id:
            return True
        return client_order_id is not None and client_order_id == order.client_order_id

    # ----- fills -----

    async def _fills_for_order(self, order: InFlightOrder, symbol: Optional[str] = None) -> List[Fill]:
        """The order's fills, each trade id once. With its exchange id, every page of them (bounded by
        FILL_HISTORY_MAX_PAGES); without it, only the market's most recent page, matched by clientId."""
        symbol = symbol or await self.exchange_symbol_associated_to_pair(trading_pair=order.trading_pair)
        params = {"symbol": symbol, "limit": CONSTANTS.HISTORY_PAGE_LIMIT}
        if order.exchange_order_id:
            params["orderId"] = order.exchange_order_id
        max_pages = self.FILL_HISTORY_MAX_PAGES if order.exchange_order_id else 1
        fills: Dict[str, Fill] = {}
        for page in range(max_pages):
            params["offset"] = page * CONSTANTS.HISTORY_PAGE_LIMIT
            rows = await self._api_get(path_url=CONSTANTS.FILL_HISTORY_PATH_URL, is_auth_required=True,
                                       params=dict(params))
            rows = rows if isinstance(rows, list) else []
            known = len(fills)
            for fill in (Fill.from_history(row) for row in rows):
                if self._is_same_order(order, fill.exchange_order_id, fill.client_order_id):
                    fills.setdefault(fill.trade_id, fill)
            # A short page is the last one; a page with nothing new means the server ignores `offset`.
            if len(rows) < CONSTANTS.HISTORY_PAGE_LIMIT or len(fills) == known:
                break
        return list(fills.values())

    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> List[TradeUpdate]:
        if order.trading_pair not in (await self.trading_pair_symbol_map()).inverse:
            return []  # an order refused before sending (unknown pair) has no fills to look for
        # Trade ids are the same on WS and REST, so the tracker drops fills it already has (no duplicate event).
        return [self._trade_update(order, fill) for fill in await self._fills_for_order(order)]

    def _trade_update(self, order: InFlightOrder, fill: Fill) -> TradeUpdate:
        return TradeUpdate(
            trade_id=fill.trade_id,
            client_order_id=order.client_order_id,
            exchange_order_id=fill.exchange_order_id,
            trading_pair=order.trading_pair,
            fill_timestamp=fill.timestamp,
            fill_price=fill.price,
            fill_base_amount=fill.amount,
            fill_quote_amount=fill.price * fill.amount,
            fee=self._fee_for_fill(order, fill),
        )

    def _fee_for_fill(self, order: InFlightOrder, fill: Fill) -> TradeFeeBase:
        raise NotImplementedError

    @staticmethod
    def _estimated_fee_percent(schema: TradeFeeSchema, order_type: OrderType, is_maker: Optional[bool]) -> Decimal:
        """The schema's maker or taker rate (post-only orders are makers unless told otherwise)."""
        is_maker = order_type is OrderType.LIMIT_MAKER if is_maker is None else is_maker
        return schema.maker_percent_fee_decimal if is_maker else schema.taker_percent_fee_decimal

    @staticmethod
    def _flat_fees_of(fill: Fill) -> List[TokenAmount]:
        """The fee Backpack actually charged for a fill, in the asset it charged."""
        return [TokenAmount(amount=fill.fee_amount, token=fill.fee_asset)] if fill.fee_asset else []

    # ----- trading pairs at runtime -----

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Starts tracking a pair's order book while running: the pair's streams on the existing WS
        connection first, then its book from a REST snapshot, which diffs continue without a gap (those
        sent before the snapshot are in it, those during the request wait for it)."""
        tracker = self.order_book_tracker
        if trading_pair in tracker.order_books:
            return False
        await self._orderbook_ds.subscribe_to_trading_pair(trading_pair)
        # Hummingbot 2.10's tracker has no public API for this, hence its internals.
        tracker._order_books[trading_pair] = await self._orderbook_ds.get_new_order_book(trading_pair)
        tracker._tracking_message_queues[trading_pair] = asyncio.Queue()
        tracker._tracking_tasks[trading_pair] = safe_ensure_future(tracker._track_single_book(trading_pair))
        if trading_pair not in tracker._trading_pairs:
            tracker._trading_pairs.append(trading_pair)
        return True

    async def remove_trading_pair(self, trading_pair: str) -> bool:
        tracker = self.order_book_tracker
        if trading_pair not in tracker.order_books:
            return False
        await self._orderbook_ds.unsubscribe_from_trading_pair(trading_pair)
        task = tracker._tracking_tasks.pop(trading_pair, None)
        if task is not None:
            task.cancel()
        tracker._order_books.pop(trading_pair, None)
        tracker._tracking_message_queues.pop(trading_pair, None)
        if trading_pair in tracker._trading_pairs:
            tracker._trading_pairs.remove(trading_pair)
        return True

    # ----- user stream -----

    async def _user_stream_event_listener(self):
        async for event_message in self._iter_user_event_queue():
            try:
                stream = event_message.get("stream", "")
                data = event_message.get("data") or {}
                if stream.startswith(CONSTANTS.ORDER_UPDATE_STREAM):
                    await self._process_order_event(data)
                else:
                    await self._process_private_event(stream, data)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().error("Unexpected error in user stream listener loop.", exc_info=True)
                await self._sleep(5.0)

    async def _process_private_event(self, stream: str, data: Dict[str, Any]):
        pass  # spot listens to order updates only; perp overrides for positions

    @staticmethod
    def _tracked_order_for(orders: Dict[str, InFlightOrder], exchange_order_id: str, client_order_id: Optional[str],
                           symbol: str, symbols_by_pair: Dict[str, str]) -> Optional[InFlightOrder]:
        """The tracked order an event is about. Client ids are per account, not per market: an event of another
        market (e.g. another bot on the account reusing an id) must not touch ours, so the symbol must match
        too (unless the event or the pair's symbol is unknown)."""
        candidates = [o for o in orders.values()
                      if not symbol or symbols_by_pair.get(o.trading_pair) in (None, symbol)]
        by_client_id = next((o for o in candidates if client_order_id is not None
                             and o.client_order_id == client_order_id), None)
        return by_client_id or next((o for o in candidates if o.exchange_order_id == exchange_order_id), None)

    async def _process_order_event(self, data: Dict[str, Any]):
        status = OrderStatus.from_ws(data)
        # Only a ready map: an event must not wait on a markets request.
        symbols_by_pair = (await self.trading_pair_symbol_map()).inverse if self.trading_pair_symbol_map_ready() \
            else {}
        if data.get("e") == CONSTANTS.ORDER_FILL_EVENT and data.get("t") is not None:
            fill = Fill.from_ws(data)
            fillable = self._tracked_order_for(self._order_tracker.all_fillable_orders, fill.exchange_order_id,
                                               fill.client_order_id, fill.symbol, symbols_by_pair)
            if fillable is not None:
                self._order_tracker.process_trade_update(self._trade_update(fillable, fill))
        updatable = self._tracked_order_for(self._order_tracker.all_updatable_orders, status.exchange_order_id,
                                            status.client_order_id, status.symbol, symbols_by_pair)
        if updatable is not None:
            self._order_tracker.process_order_update(self._order_update(updatable, status, status.timestamp))
