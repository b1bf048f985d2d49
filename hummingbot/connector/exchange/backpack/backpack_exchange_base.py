"""`BackpackExchangeMixin`: everything the spot and perp Backpack connectors share.

Use it first in the bases: `class BackpackExchange(BackpackExchangeMixin, ExchangePyBase)` and
`class BackpackPerpetualDerivative(BackpackExchangeMixin, PerpetualDerivativePyBase)`.

This module holds identity and configuration, auth, the shared request pool (throttler + 429 backoff),
URLs from the environment (read once, at creation), time sync with re-sync-and-retry-once on "Request has
expired", trading rules and the symbol map from `/api/v1/markets`, and trading pairs added at runtime.
The order logic comes from one mixin per job (`BackpackSurfaceMixin`, first, wraps it: backpack_surface.py):
- `BackpackOrderPlacementMixin` (`backpack_order_placement.py`): validation, payloads, single and batch create,
- `BackpackOrderCancellationMixin` (`backpack_order_cancellation.py`): single, batch and native cancel-all,
- `BackpackOrderPollingMixin` (`backpack_order_polling.py`): status and fill polls from one request at rest,
- `BackpackFillReconciliationMixin` (`backpack_fill_reconciliation.py`): missing fills fetched before a final state,
- `BackpackOrderStatusMixin` (`backpack_order_status.py`): REST order status and fill recovery,
- `BackpackUserStreamEventsMixin` (`backpack_user_stream_events.py`): `account.orderUpdate` events,
- `BackpackUnknownOutcomeMixin` (`backpack_unknown_outcome.py`): orders whose create got no clear answer,
- `BackpackPresumedFailedMixin` (`backpack_presumed_failed.py`): such orders failed without proof, still watched,
- `BackpackPendingCreateCancelsMixin` (`backpack_pending_create_cancels.py`): cancels while a create is in flight,
- `BackpackLostOrderCountingMixin` (`backpack_lost_order_counting.py`): which answers count an order as not found.

Hooks the subclass provides:
- `is_exchange_information_valid(market) -> bool` (market filter: SPOT or PERP, visible, tradable),
- `_update_balances()`, `_get_fee(...)`, `_create_order_book_data_source()`,
- `_fee_for_fill(order, fill) -> TradeFeeBase` (spot vs perpetual fee objects),
- optionally `_extra_order_fields(trade_type, order_type, **kwargs)` (e.g. `reduceOnly` for perps),
  `PRIVATE_STREAMS` and `_process_private_event(stream, data)` for streams other than order updates.
"""
import asyncio
import time
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Optional, Tuple, Type

import aiohttp
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
from hummingbot.connector.exchange.backpack.backpack_clock import BackpackClockMixin
from hummingbot.connector.exchange.backpack.backpack_event_reporting import report_events_only_when_logged
from hummingbot.connector.exchange.backpack.backpack_fill_reconciliation import BackpackFillReconciliationMixin
from hummingbot.connector.exchange.backpack.backpack_lost_order_counting import BackpackLostOrderCountingMixin
from hummingbot.connector.exchange.backpack.backpack_messages import newest_trade_price
from hummingbot.connector.exchange.backpack.backpack_order_book_tracker import BackpackOrderBookTracker
from hummingbot.connector.exchange.backpack.backpack_order_cancellation import BackpackOrderCancellationMixin
from hummingbot.connector.exchange.backpack.backpack_order_placement import BackpackOrderPlacementMixin
from hummingbot.connector.exchange.backpack.backpack_order_polling import BackpackOrderPollingMixin
from hummingbot.connector.exchange.backpack.backpack_order_status import BackpackOrderStatusMixin
from hummingbot.connector.exchange.backpack.backpack_order_tracker import BackpackOrderTracker
from hummingbot.connector.exchange.backpack.backpack_pending_create_cancels import BackpackPendingCreateCancelsMixin
from hummingbot.connector.exchange.backpack.backpack_presumed_failed import BackpackPresumedFailedMixin
from hummingbot.connector.exchange.backpack.backpack_rate_limits import shared_request_pool
from hummingbot.connector.exchange.backpack.backpack_signed_request import BackpackSignedRequest
from hummingbot.connector.exchange.backpack.backpack_surface import BackpackSurfaceMixin
from hummingbot.connector.exchange.backpack.backpack_unknown_outcome import BackpackUnknownOutcomeMixin, UnknownOutcome
from hummingbot.connector.exchange.backpack.backpack_user_stream_events import BackpackUserStreamEventsMixin
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.connector.utils import combine_to_hb_trading_pair
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.data_type.in_flight_order import InFlightOrder
from hummingbot.core.data_type.order_book_tracker import OrderBookTracker
from hummingbot.core.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hummingbot.core.utils.async_utils import safe_ensure_future
from hummingbot.core.web_assistant.connections.data_types import RESTMethod
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory


class BackpackExchangeMixin(BackpackClockMixin, BackpackSurfaceMixin, BackpackLostOrderCountingMixin,
                            BackpackPendingCreateCancelsMixin, BackpackPresumedFailedMixin, BackpackUnknownOutcomeMixin,
                            BackpackOrderPlacementMixin,
                            BackpackOrderCancellationMixin, BackpackFillReconciliationMixin, BackpackOrderPollingMixin,
                            BackpackOrderStatusMixin, BackpackUserStreamEventsMixin):
    web_utils = web_utils
    PRIVATE_STREAMS: Tuple[str, ...] = (CONSTANTS.ORDER_UPDATE_STREAM,)
    USER_STREAM_DATA_SOURCE_CLASS: Type[BackpackAPIUserStreamDataSource] = BackpackAPIUserStreamDataSource
    CLOCK_SYNC_INTERVAL_S = 60.0  # a signature's window is 5 s; an expired request re-syncs at once anyway
    _last_clock_sync_s = float("-inf")
    _monotonic = staticmethod(time.monotonic)

    def __init__(self,
                 backpack_api_key: str = "",
                 backpack_api_secret: str = "",
                 trading_pairs: Optional[List[str]] = None,
                 trading_required: bool = True,
                 backpack_self_trade_prevention: str = CONSTANTS.DEFAULT_SELF_TRADE_PREVENTION,
                 backpack_cancel_all_scope: str = CONSTANTS.CANCEL_ALL_SCOPE_BOT,
                 **kwargs):
        # An empty setting is the default: Hummingbot's MarketDataProvider builds market-data-only connectors
        # with every config key set to "".
        backpack_self_trade_prevention = backpack_self_trade_prevention or CONSTANTS.DEFAULT_SELF_TRADE_PREVENTION
        if backpack_self_trade_prevention not in CONSTANTS.SELF_TRADE_PREVENTION_MODES:
            raise ValueError(f"Invalid self-trade prevention {backpack_self_trade_prevention!r}: "
                             f"use one of {', '.join(CONSTANTS.SELF_TRADE_PREVENTION_MODES)}.")
        backpack_cancel_all_scope = backpack_cancel_all_scope or CONSTANTS.CANCEL_ALL_SCOPE_BOT
        if backpack_cancel_all_scope not in CONSTANTS.CANCEL_ALL_SCOPES:
            raise ValueError(f"Invalid cancel-all scope {backpack_cancel_all_scope!r}: use "
                             f"{CONSTANTS.CANCEL_ALL_SCOPE_BOT} (only the bot's orders) or "
                             f"{CONSTANTS.CANCEL_ALL_SCOPE_MARKET} (every resting order of the account in the market).")
        self.api_key = backpack_api_key or ""
        self._api_secret = backpack_api_secret or ""
        self._trading_pairs = list(trading_pairs or [])
        self._trading_required = trading_required
        self._self_trade_prevention = backpack_self_trade_prevention
        self._cancel_all_scope = backpack_cancel_all_scope
        self._unknown_outcomes: Dict[str, UnknownOutcome] = {}  # client order id -> create without clear answer
        self._cancel_confirmations: Dict[str, asyncio.Task] = {}  # client order id -> repeats of a 202 cancel
        self._fill_scan_marks: Dict[str, float] = {}  # symbol -> every fill of its tracked orders before is known
        self._reported_executed: Dict[str, Decimal] = {}  # client order id -> executed, as the exchange said
        self._fill_reconciliations: Dict[str, asyncio.Task] = {}  # client order id -> fetch of its missing fills
        self._signed_request: Optional[BackpackSignedRequest] = None  # created at the first signed request
        # Base URLs are read once, here, so a test or a user can point a connector at another server.
        self._rest_base_url = web_utils.rest_base_url()
        self._ws_base_url = web_utils.ws_base_url()
        super().__init__(**kwargs)
        self.real_time_balance_update = False  # Backpack has no balance stream: balances are polled
        self._event_reports = report_events_only_when_logged(self)  # no event dict built for a log that is off

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
        pool = shared_request_pool(self.api_key, getattr(self, "_rate_limits_share_pct", None))  # from __init__
        self._throttler = pool.throttler
        self._request_pool = pool
        return web_utils.build_api_factory(
            throttler=self._throttler, time_synchronizer=self._time_synchronizer, auth=self._auth,
            pool=pool, base_url=self._rest_base_url)

    def _create_order_tracker(self) -> BackpackOrderTracker:
        return BackpackOrderTracker(connector=self, fills=self)  # no state moved back; missing fills before a final one

    def _create_user_stream_data_source(self) -> UserStreamTrackerDataSource:
        return self.USER_STREAM_DATA_SOURCE_CLASS(
            auth=self._auth, api_factory=self._web_assistants_factory, ws_url=self._ws_base_url,
            streams=self.PRIVATE_STREAMS, resync_clock=self._resync_clock_from_scratch,
            message_handler=self._process_user_stream_message)

    def _set_order_book_tracker(self, order_book_tracker: OrderBookTracker):
        # Replaces Hummingbot's tracker, which builds the initial books one per second (see the class).
        super()._set_order_book_tracker(BackpackOrderBookTracker(
            data_source=order_book_tracker.data_source, trading_pairs=self.trading_pairs, domain=self.domain))

    async def _api_request_url(self, path_url: str, is_auth_required: bool = False) -> str:
        return web_utils.rest_url(path_url, self._rest_base_url)

    async def _api_request_with_status(self, method: RESTMethod, path_url: str, data: Optional[Dict[str, Any]] = None,
                                       timeout: Optional[float] = None) -> Tuple[int, Any]:
        """A signed request with a JSON body whose answer may have no body (202 "accepted, not yet executed" on
        cancels, 200 on PATCH account), which Hummingbot's `_api_request` cannot decode: (HTTP status, JSON body
        or None). Sent straight on the shared session (backpack_signed_request: the fast path of order creates
        and cancels). Errors raise the usual IOError; "Request has expired" re-syncs the clock and retries once,
        as Hummingbot's `_api_request` does. `timeout` bounds each attempt's time on the wire only, not its waits
        for the rate limiter or the 429 back-off (nothing is sent while they last)."""
        if self._signed_request is None:
            connections = self._web_assistants_factory._connections_factory

            async def session():
                shared = getattr(connections, "_shared_client", None)  # Hummingbot's shared session, once made
                if isinstance(shared, aiohttp.ClientSession) and not shared.closed:
                    return shared
                return (await connections.get_rest_connection())._client_session
            self._signed_request = BackpackSignedRequest(
                auth=self._auth, throttler=self._throttler, backoff=self._request_pool.backoff,
                time_synchronizer=self._time_synchronizer, sync_clock=self._update_time_synchronizer,
                session=session)
        url = await self._api_request_url(path_url=path_url, is_auth_required=True)
        for attempt in range(2):
            try:
                return await self._signed_request.send(method, url, path_url, data if data is not None else {},
                                                       wire_timeout=timeout)
            except IOError as error:
                if attempt == 0 and self._is_request_exception_related_to_time_synchronizer(error):
                    await self._update_time_synchronizer()
                    continue
                raise

    async def _update_time_synchronizer(self, pass_on_non_cancelled_error: bool = False):
        """Hummingbot calls this before every status poll: every 5 s while the order stream is quiet, a
        `GET /api/v1/time` each time. A clock synced less than CLOCK_SYNC_INTERVAL_S ago is not synced again;
        without samples (never synced, or cleared after "Request has expired") it always is."""
        if self._time_synchronizer._time_offset_ms and \
                self._monotonic() - self._last_clock_sync_s < self.CLOCK_SYNC_INTERVAL_S:
            return
        try:
            await self._time_synchronizer.update_server_time_offset_with_time_provider(
                time_provider=web_utils.get_current_server_time(
                    throttler=self._throttler, base_url=self._rest_base_url))
            self._last_clock_sync_s = self._monotonic()
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
        return self._rules_with_market_states(exchange_info, rules)  # backpack_market_states

    async def get_last_traded_prices(self, trading_pairs: List[str]) -> Dict[str, float]:
        """All pairs from ONE `GET /api/v1/tickers` (Hummingbot asks one `/ticker` per pair, and its tracker
        asks every 5 s for each book without a recent trade: 100 quiet pairs would be 1,200 requests a
        minute). A pair the answer lacks is left out, as Hummingbot does with a failed lookup."""
        if len(trading_pairs) <= 1:
            return {pair: await self._get_last_traded_price(pair) for pair in trading_pairs}
        symbol_map = await self.trading_pair_symbol_map()
        wanted = set(trading_pairs)
        rows = await self._api_get(path_url=CONSTANTS.TICKERS_PATH_URL)
        prices: Dict[str, float] = {}
        for row in rows if isinstance(rows, list) else []:
            pair = symbol_map.get(row.get("symbol")) if isinstance(row, dict) else None
            if pair in wanted and row.get("lastPrice") is not None:
                prices[pair] = float(row["lastPrice"])
        return prices

    async def _get_last_traded_price(self, trading_pair: str) -> float:
        """`lastPrice` of the ticker. Backpack may answer the ticker `204 No Content`: then the last public
        trade, and NaN (with a warning) when there is none, so a price poll never fails on it."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        ticker = await self._public_get_or_none(CONSTANTS.TICKER_PATH_URL, {"symbol": symbol})
        price = ticker.get("lastPrice") if isinstance(ticker, dict) else None
        if price is None:
            trades = await self._public_get_or_none(CONSTANTS.TRADES_PATH_URL, {"symbol": symbol, "limit": 1})
            price = newest_trade_price(trades)
        if price is None:
            self.logger().warning(f"Backpack has no last price for {trading_pair} (empty ticker, no trades).")
            return float("nan")
        return float(price)

    async def _public_get_or_none(self, path_url: str, params: Dict[str, Any]) -> Optional[Any]:
        rest_assistant = await self._web_assistants_factory.get_rest_assistant()
        response = await rest_assistant.execute_request_and_get_response(
            url=await self._api_request_url(path_url), params=params, throttler_limit_id=path_url)
        return await web_utils.json_or_none(response)

    # ----- order placement -----

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Starts tracking a pair's order book while running: the pair's streams on the existing WS
        connection first (answered by the exchange), then its book from a REST snapshot, which diffs
        continue without a gap (those sent before the snapshot are in it, those during the request wait
        for it)."""
        tracker = self.order_book_tracker
        if trading_pair in tracker.order_books:
            return False
        if trading_pair not in self._trading_rules:
            # A market-data-only connector (MarketDataProvider's) never polls them; prices are quantized with them.
            await self._update_trading_rules()
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
