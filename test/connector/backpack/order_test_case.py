"""The harness of the spot connector's order tests (test_backpack_exchange_orders.py,
test_backpack_exchange_batch_cancel.py): a connector with SOL-USDC and BTC-USDC rules, aioresponses,
event loggers and request helpers."""
import asyncio
import json
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from typing import List

from aioresponses import aioresponses
from bidict import bidict

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import API_KEY, API_SECRET, ClosesSharedHttpSession, rest_order, url_regex

NOT_FOUND = json.dumps({"code": "RESOURCE_NOT_FOUND", "message": "Not Found"})
EXPIRED = json.dumps({"code": "INVALID_CLIENT_REQUEST", "message": "Request has expired"})



class BackpackOrderTestCase(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange = self.make_exchange()
        self.mock_api = aioresponses()
        self.mock_api.start()
        self.events = {event: EventLogger() for event in (
            MarketEvent.OrderFailure, MarketEvent.OrderFilled, MarketEvent.OrderCancelled,
            MarketEvent.BuyOrderCreated, MarketEvent.BuyOrderCompleted)}
        for event, logger in self.events.items():
            self.exchange.add_listener(event, logger)

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()

    def make_exchange(self, **kwargs) -> BackpackExchange:
        exchange = BackpackExchange(API_KEY, API_SECRET, trading_pairs=["SOL-USDC"], **kwargs)
        exchange._set_trading_pair_symbol_map(bidict({"SOL_USDC": "SOL-USDC", "BTC_USDC": "BTC-USDC"}))
        exchange._trading_rules = {pair: TradingRule(pair, min_order_size=Decimal("0.01"),
                                                     min_price_increment=Decimal("0.01"),
                                                     min_base_amount_increment=Decimal("0.01"))
                                   for pair in ("SOL-USDC", "BTC-USDC")}
        exchange._time_synchronizer.add_time_offset_ms_sample(0)
        exchange._set_current_timestamp(1640780000)
        exchange.ORDER_LOOKUP_RETRY_DELAYS_S = (0.01, 0.01)  # the unanswered-create lookups, kept short
        exchange.UNKNOWN_OUTCOME_RECHECK_S = (0.01,)
        return exchange

    def url(self, path: str) -> str:
        return web_utils.rest_url(path, self.exchange.rest_base_url)

    def sent(self, method: str, path: str) -> List:
        target = self.url(path)
        return [call for key, calls in self.mock_api.requests.items() for call in calls
                if key[0] == method and str(key[1]).split("?")[0] == target]

    def bodies(self, method: str, path: str) -> List:
        return [json.loads(call.kwargs["data"]) for call in self.sent(method, path)]

    def track(self, client_order_id="501", exchange_order_id="9001", amount="2", price="180",
              trading_pair="SOL-USDC") -> InFlightOrder:
        self.exchange.start_tracking_order(order_id=client_order_id, exchange_order_id=exchange_order_id,
                                           trading_pair=trading_pair, trade_type=TradeType.BUY,
                                           price=Decimal(price), amount=Decimal(amount), order_type=OrderType.LIMIT)
        return self.exchange.in_flight_orders[client_order_id]

    async def create(self, order_id="700", order_type=OrderType.LIMIT, amount="1", price="180", pair="SOL-USDC",
                     **kwargs):
        await self.exchange._create_order(trade_type=TradeType.BUY, order_id=order_id, trading_pair=pair,
                                          amount=Decimal(amount), order_type=order_type,
                                          price=Decimal(price) if price is not None else None, **kwargs)
        await asyncio.sleep(0)

    def order_created_response(self, order_id="9001", client_id=700, status="New"):
        return json.dumps(rest_order(order_id, client_id, "SOL_USDC", status, Decimal("1"), Decimal("180")))

    def failure_messages(self):
        return [event.error_message if hasattr(event, "error_message") else event
                for event in self.events[MarketEvent.OrderFailure].event_log]

    def history(self, rows):
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_HISTORY_PATH_URL)), body=json.dumps(rows))

    def fills(self, rows):
        self.mock_api.get(url_regex(self.url(CONSTANTS.FILL_HISTORY_PATH_URL)), body=json.dumps(rows))

    def server_times(self, *times_ms: int):
        for time_ms in times_ms:
            self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body=str(time_ms))

    def nowhere(self):
        """The order is neither resting nor in order or fill history, however often it is looked up."""
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND, repeat=True)
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_HISTORY_PATH_URL)), body="[]", repeat=True)
        self.mock_api.get(url_regex(self.url(CONSTANTS.FILL_HISTORY_PATH_URL)), body="[]", repeat=True)

    async def wait_until(self, condition, timeout=2.0):
        for _ in range(int(timeout / 0.01)):
            if condition():
                return
            await asyncio.sleep(0.01)
        self.fail("condition not met in time")
