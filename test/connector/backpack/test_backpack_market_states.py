"""Market states at run time (`orderBookState` of `/api/v1/markets`): trading rules, refusals before sending,
readiness and log lines (aioresponses)."""
import json
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_market_states import state_error
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import market
from test.connector.backpack.order_test_case import BackpackOrderTestCase


class MarketStateTests(BackpackOrderTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.log_records = []
        self.exchange.logger().setLevel(1)
        self.exchange.logger().addHandler(self)

    level = 0

    def handle(self, record):
        self.log_records.append(record)

    def logged(self, level: str):
        return [r.getMessage() for r in self.log_records if r.levelname == level]

    async def poll_markets(self, sol_state: str, btc_state: str = "Open"):
        self.mock_api.get(self.url(CONSTANTS.MARKETS_PATH_URL), body=json.dumps([
            {**market("SOL_USDC", "SOL", "USDC"), "orderBookState": sol_state},
            {**market("BTC_USDC", "BTC", "USDC", tick="0.1", step="0.00001", min_qty="0.00001"),
             "orderBookState": btc_state}]))
        await self.exchange._update_trading_rules()  # what Hummingbot's trading-rules loop does every 30 s

    async def test_rules_follow_the_state_and_a_closed_pair_stays_known(self):
        await self.poll_markets("Closed")
        rule = self.exchange.trading_rules["SOL-USDC"]
        self.assertEqual((False, False), (rule.supports_limit_orders, rule.supports_market_orders))
        self.assertEqual("SOL_USDC", await self.exchange.exchange_symbol_associated_to_pair("SOL-USDC"))
        self.assertEqual(("Closed", False), (self.exchange.market_state("SOL-USDC"),
                                             self.exchange.is_trading_open("SOL-USDC")))
        await self.poll_markets("PostOnly")
        rule = self.exchange.trading_rules["SOL-USDC"]
        self.assertEqual((True, False), (rule.supports_limit_orders, rule.supports_market_orders))
        self.assertTrue(self.exchange.is_trading_open("SOL-USDC"))
        await self.poll_markets("Open")
        rule = self.exchange.trading_rules["SOL-USDC"]
        self.assertEqual((True, True), (rule.supports_limit_orders, rule.supports_market_orders))
        self.assertEqual(30, self.exchange.TRADING_RULES_INTERVAL)  # the markets are re-read every 30 s

    async def test_each_change_is_logged_once_for_the_bots_pairs(self):
        for state in ("Open", "PostOnly", "PostOnly", "Closed", "Open"):
            await self.poll_markets(state, btc_state="Closed")  # BTC-USDC is not a pair of this connector
        self.assertEqual(["SOL-USDC is PostOnly on Backpack: only post-only (maker) limit orders rest; market and "
                          "IOC/FOK orders are refused.",
                          "SOL-USDC is Closed on Backpack: no new orders, cancels only."], self.logged("WARNING"))
        self.assertIn("SOL-USDC is Open again on Backpack: every order type is accepted.", self.logged("INFO"))

    async def test_not_ready_while_a_pair_is_closed(self):
        await self.poll_markets("CancelOnly")
        self.assertFalse(self.exchange.status_dict["trading_pairs_open"])
        await self.poll_markets("LimitOnly")
        self.assertTrue(self.exchange.status_dict["trading_pairs_open"])
        market_data_only = self.make_exchange(trading_required=False)
        market_data_only._market_states = {"SOL-USDC": "Closed"}
        self.assertTrue(market_data_only.status_dict["trading_pairs_open"])  # candles/market data need no trading

    async def assert_refused(self, fragment: str, **kwargs):
        failures = len(self.events[MarketEvent.OrderFailure].event_log)
        await self.create(order_id=str(900 + failures), **kwargs)
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(failures + 1, len(self.events[MarketEvent.OrderFailure].event_log))
        self.assertIn(fragment, self.logged("ERROR")[-1])

    async def test_orders_the_state_forbids_fail_before_sending(self):
        await self.poll_markets("Closed")
        await self.assert_refused("SOL-USDC is Closed on Backpack: it takes no new orders (cancels only)")
        await self.poll_markets("LimitOnly")
        await self.assert_refused("market orders are not accepted", order_type=OrderType.MARKET, price=None)
        await self.poll_markets("PostOnly")
        await self.assert_refused("market orders are not accepted", order_type=OrderType.MARKET, price=None)
        await self.assert_refused("an IOC order could only take liquidity", time_in_force="IOC")
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response())
        await self.create(order_id="700", order_type=OrderType.LIMIT_MAKER)  # a maker order goes
        self.assertEqual(1, len(self.sent("POST", CONSTANTS.ORDER_PATH_URL)))

    async def test_cancels_are_sent_whatever_the_state(self):
        order = self.track()
        await self.poll_markets("Closed")
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps({
            **json.loads(self.order_created_response(status="Cancelled")), "clientId": 501}))
        await self.exchange._execute_cancel(order.trading_pair, order.client_order_id)
        self.assertEqual(1, len(self.sent("DELETE", CONSTANTS.ORDER_PATH_URL)))

    def test_state_errors(self):
        self.assertIsNone(state_error("X-USDC", "Open", OrderType.MARKET, "IOC"))
        self.assertIsNone(state_error("X-USDC", "PostOnly", OrderType.LIMIT, "GTC"))
        self.assertIn("unknown state 'Halted'", state_error("X-USDC", "Halted", OrderType.LIMIT))
        self.assertIsNone(state_error("X-USDC", "LimitOnly", OrderType.LIMIT, "FOK"))
        self.assertEqual(Decimal("0.01"), self.exchange.trading_rules["SOL-USDC"].min_order_size)
