"""The order round trip's fast paths (bench/round_trip_bench.py) keep what Hummingbot's pipeline did:
- an order create sent straight on the session (backpack_signed_request) is signed over its payload, honours
  the 429 back-off, syncs the clock first and raises Hummingbot's error text;
- `buy()` tracks and sends the order before it returns (an eager task);
- an order update and a stream frame are applied in the caller's task: the strategy's event has fired when
  the call returns, with no event-loop pass in between."""
import base64
import json
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

from aioresponses import aioresponses
from bidict import bidict
from nacl.signing import VerifyKey

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_errors import parse_error
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState, OrderUpdate
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import MarketEvent
from hummingbot.core.web_assistant.connections.data_types import RESTMethod
from test.connector.backpack.helpers import (
    API_KEY,
    API_SECRET,
    ClosesSharedHttpSession,
    order_update_frame,
    rest_order,
    url_regex,
)

PAYLOAD = {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "quantity": "2", "price": "180",
           "clientId": 7, "timeInForce": "GTC", "postOnly": False, "selfTradePrevention": "RejectTaker"}


class OrderFastPathTests(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange = BackpackExchange(API_KEY, API_SECRET, trading_pairs=["SOL-USDC"])
        self.exchange._set_trading_pair_symbol_map(bidict({"SOL_USDC": "SOL-USDC"}))
        self.exchange._trading_rules = {"SOL-USDC": TradingRule(
            "SOL-USDC", min_order_size=Decimal("0.01"), min_price_increment=Decimal("0.01"),
            min_base_amount_increment=Decimal("0.01"))}
        self.exchange._set_current_timestamp(1640780000)
        self.mock_api = aioresponses()
        self.mock_api.start()
        self.events = {event: EventLogger() for event in (
            MarketEvent.BuyOrderCreated, MarketEvent.BuyOrderCompleted, MarketEvent.OrderFilled,
            MarketEvent.OrderFailure)}
        for event, logger in self.events.items():
            self.exchange.add_listener(event, logger)

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()

    def url(self, path: str) -> str:
        return web_utils.rest_url(path, self.exchange.rest_base_url)

    def posts(self):
        return [call for key, calls in self.mock_api.requests.items() for call in calls
                if key[0] == "POST" and str(key[1]) == self.url(CONSTANTS.ORDER_PATH_URL)]

    def created_answer(self, order_id: str = "9001", status: str = "New") -> str:
        return json.dumps({"id": order_id, "clientId": 7, "symbol": "SOL_USDC", "status": status,
                           "createdAt": 1640780000000})

    # ----- backpack_signed_request -----

    async def test_order_create_is_signed_over_its_payload(self):
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.created_answer())
        status, answer = await self.exchange._api_request_with_status(RESTMethod.POST, CONSTANTS.ORDER_PATH_URL,
                                                                      PAYLOAD)
        self.assertEqual((200, "9001"), (status, answer["id"]))
        (call,) = self.posts()
        self.assertEqual(PAYLOAD, json.loads(call.kwargs["data"]))
        headers = call.kwargs["headers"]
        self.assertEqual("application/json; charset=utf-8", headers["Content-Type"])
        self.assertEqual(API_KEY, headers["X-API-Key"])
        signed = "&".join(f"{k}={'false' if v is False else v}" for k, v in sorted(PAYLOAD.items()))
        message = f"instruction=orderExecute&{signed}&timestamp={headers['X-Timestamp']}&window={headers['X-Window']}"
        VerifyKey(base64.b64decode(API_KEY)).verify(message.encode(), base64.b64decode(headers["X-Signature"]))
        self.assertEqual(1, self.exchange._throttler.used(CONSTANTS.ORDER_PATH_URL))

    async def test_error_answer_raises_hummingbots_error_text(self):
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        body = json.dumps({"code": "INVALID_ORDER", "message": "Price is too high"})
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=body)
        with self.assertRaises(IOError) as raised:
            await self.exchange._api_request_with_status(RESTMethod.POST, CONSTANTS.ORDER_PATH_URL, PAYLOAD)
        self.assertIn(f"Error executing request POST {self.url(CONSTANTS.ORDER_PATH_URL)}. HTTP status is 400.",
                      str(raised.exception))
        error = parse_error(raised.exception)
        self.assertEqual((400, "INVALID_ORDER", "Price is too high"), (error.status, error.code, error.message))

    async def test_429_pauses_the_accounts_requests(self):
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=429, body="", headers={"Retry-After": "7"})
        with self.assertRaises(IOError):
            await self.exchange._api_request_with_status(RESTMethod.POST, CONSTANTS.ORDER_PATH_URL, PAYLOAD)
        self.assertGreater(self.exchange._request_pool.backoff.remaining_pause(), 6)

    async def test_clock_is_synced_before_the_first_signed_order(self):
        self.exchange._time_synchronizer.clear_time_offset_ms_samples()
        self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body="1640780000000")
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.created_answer())
        await self.exchange._api_request_with_status(RESTMethod.POST, CONSTANTS.ORDER_PATH_URL, PAYLOAD)
        methods = [key[0] for key in self.mock_api.requests]
        self.assertEqual(["GET", "POST"], methods)
        self.assertTrue(self.exchange._time_synchronizer._time_offset_ms)

    async def test_the_status_polls_sync_the_clock_once_a_minute(self):
        """Hummingbot syncs the clock before every status poll (every 5 s while the order stream is quiet):
        12 `GET /api/v1/time` a minute at rest. Once a minute is enough; cleared samples (never synced, or a
        "Request has expired" answer) are synced at once."""
        now = [1000.0]
        self.exchange._monotonic = lambda: now[0]
        self.exchange._time_synchronizer.clear_time_offset_ms_samples()
        self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body="1640780000000", repeat=True)

        def time_requests() -> int:
            return sum(len(calls) for key, calls in self.mock_api.requests.items() if key[0] == "GET")
        synced = []
        for step in (0.0, 5.0, 5.0, 49.0, 1.5, 5.0):  # polls at 0, 5, 10, 59, 60.5 and 65.5 s
            now[0] += step
            await self.exchange._update_time_synchronizer()
            synced.append(time_requests())
        self.assertEqual([1, 1, 1, 1, 2, 2], synced)
        self.exchange._time_synchronizer.clear_time_offset_ms_samples()  # as after "Request has expired"
        await self.exchange._update_time_synchronizer()
        self.assertEqual(3, time_requests())

    async def test_cancel_accepted_without_a_body_gives_its_status(self):
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=202, body="")
        answer = await self.exchange._api_request_with_status(RESTMethod.DELETE, CONSTANTS.ORDER_PATH_URL,
                                                              {"symbol": "SOL_USDC", "clientId": 7})
        self.assertEqual((202, None), answer)
        (call,) = [c for key, calls in self.mock_api.requests.items() for c in calls if key[0] == "DELETE"]
        self.assertEqual({"symbol": "SOL_USDC", "clientId": 7}, json.loads(call.kwargs["data"]))
        self.assertEqual(1, self.exchange._throttler.used(CONSTANTS.ORDER_PATH_URL))

    async def test_order_create_answered_without_an_order_is_looked_up_not_failed(self):
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.exchange.ORDER_LOOKUP_RETRY_DELAYS_S = ()
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=200, body="")
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), body=json.dumps(rest_order(
            "9001", 7, "SOL_USDC", "New", Decimal("2"), Decimal("180"))))
        self.track()
        order = self.exchange.in_flight_orders["7"]
        exchange_order_id = await self.exchange._place_order_and_process_update(order)
        self.assertEqual("9001", exchange_order_id)
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)

    # ----- eager order start -----

    async def test_buy_tracks_the_order_before_it_returns(self):
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.created_answer())
        order_id = self.exchange.buy("SOL-USDC", Decimal("2"), OrderType.LIMIT, Decimal("180"))
        self.assertIn(order_id, self.exchange.in_flight_orders)  # no await in between
        await self.exchange._order_tracker.active_orders[order_id].get_exchange_order_id()
        self.assertEqual(1, len(self.posts()))

    # ----- updates applied in the caller's task -----

    def track(self, order_id: str = "7"):
        self.exchange.start_tracking_order(order_id=order_id, exchange_order_id=None, trading_pair="SOL-USDC",
                                           trade_type=TradeType.BUY, price=Decimal("180"), amount=Decimal("2"),
                                           order_type=OrderType.LIMIT)

    async def test_open_update_has_fired_created_when_applied(self):
        self.track()
        await self.exchange._order_tracker.apply_order_update(OrderUpdate(
            client_order_id="7", exchange_order_id="9001", trading_pair="SOL-USDC", update_timestamp=1640780000,
            new_state=OrderState.OPEN))
        self.assertEqual(["7"], [e.order_id for e in self.events[MarketEvent.BuyOrderCreated].event_log])

    async def test_filled_update_without_its_fills_does_not_block_the_caller(self):
        self.track()
        await self.exchange._order_tracker.apply_order_update(OrderUpdate(
            client_order_id="7", exchange_order_id="9001", trading_pair="SOL-USDC", update_timestamp=1640780000,
            new_state=OrderState.FILLED))  # returns at once: Hummingbot's task waits for the fills
        self.assertEqual([], self.events[MarketEvent.BuyOrderCompleted].event_log)
        self.assertFalse(self.exchange.in_flight_orders["7"].is_done)

    async def test_accepted_frame_of_an_order_already_open_is_skipped(self):
        from unittest.mock import patch
        self.track()
        self.track("8")
        self.exchange.in_flight_orders["7"].update_exchange_order_id("9001")
        self.exchange.in_flight_orders["7"].current_state = OrderState.OPEN
        accepted = order_update_frame("orderAccepted", "New", "9001", 7, "SOL_USDC", Decimal("2"), Decimal("180"))
        pending = order_update_frame("orderAccepted", "New", "9002", 8, "SOL_USDC", Decimal("2"), Decimal("180"))
        with patch("hummingbot.connector.exchange.backpack.backpack_messages.OrderStatus.from_ws",
                   wraps=__import__("hummingbot.connector.exchange.backpack.backpack_messages",
                                    fromlist=["OrderStatus"]).OrderStatus.from_ws) as parsed:
            await self.exchange._process_user_stream_message(accepted)  # the create's answer came first
            self.assertEqual(0, parsed.call_count)
            await self.exchange._process_user_stream_message(pending)  # still pending: the frame opens it
        self.assertEqual(1, parsed.call_count)
        self.assertEqual(("9002", OrderState.OPEN), (self.exchange.in_flight_orders["8"].exchange_order_id,
                                                     self.exchange.in_flight_orders["8"].current_state))
        self.assertEqual(["8"], [e.order_id for e in self.events[MarketEvent.BuyOrderCreated].event_log])

    async def test_fill_frame_has_completed_the_order_when_handled(self):
        self.track()
        self.exchange.in_flight_orders["7"].update_exchange_order_id("9001")
        frame = order_update_frame("orderFill", "Filled", "9001", 7, "SOL_USDC", Decimal("2"), Decimal("180"),
                                   executed=Decimal("2"), l="2", L="180", t=55, m=False, n="0.01", N="USDC")
        await self.exchange._process_user_stream_message(frame)
        self.assertEqual(["7"], [e.order_id for e in self.events[MarketEvent.OrderFilled].event_log])
        self.assertEqual(["7"], [e.order_id for e in self.events[MarketEvent.BuyOrderCompleted].event_log])


class EventReportingTests(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):
    """Hummingbot's EventReporter built a dict of every event even with its log level off; ours asks first."""

    def created_event(self):
        from hummingbot.core.event.events import BuyOrderCreatedEvent
        return BuyOrderCreatedEvent(1640780000, OrderType.LIMIT, "SOL-USDC", Decimal("2"), Decimal("180"), "7",
                                    1640780000, exchange_order_id="9001")

    async def test_no_event_dict_is_built_while_event_log_is_off(self):
        from unittest.mock import patch
        from hummingbot.core.event.event_reporter import EventReporter
        exchange = BackpackExchange(API_KEY, API_SECRET, trading_pairs=["SOL-USDC"])
        for tag in exchange.MARKET_EVENTS:
            self.assertFalse([l for l in exchange.get_listeners(tag) if isinstance(l, EventReporter)])
        with patch("dataclasses.asdict") as asdict:
            exchange.trigger_event(MarketEvent.BuyOrderCreated, self.created_event())
        asdict.assert_not_called()
        self.assertEqual(1, len(exchange.event_logs))  # Hummingbot's event logger still records it

    async def test_events_are_logged_while_event_log_is_on(self):
        import logging
        from hummingbot.core.event.event_reporter import EventReporter
        from hummingbot.logger.struct_logger import EVENT_LOG_LEVEL
        exchange = BackpackExchange(API_KEY, API_SECRET, trading_pairs=["SOL-USDC"])
        logger = EventReporter.logger()
        records = []
        handler = logging.Handler(level=EVENT_LOG_LEVEL)
        handler.emit = records.append
        previous = logger.level
        logger.setLevel(EVENT_LOG_LEVEL)
        logger.addHandler(handler)
        try:
            exchange.trigger_event(MarketEvent.BuyOrderCreated, self.created_event())
        finally:
            logger.removeHandler(handler)
            logger.setLevel(previous)
        (record,) = records
        self.assertEqual("BuyOrderCreatedEvent", record.dict_msg["event_name"])
        self.assertEqual(exchange.display_name, record.dict_msg["event_source"])
        self.assertEqual("7", record.dict_msg["order_id"])
        self.assertEqual(Decimal("180"), record.dict_msg["price"])
