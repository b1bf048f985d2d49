"""Hummingbot's `rate_limits_share_pct` (issue 22, item 9): every bot used Backpack's whole 2000/min, so two
bots on one key sharing the budget at 50 % each got 429s. The share now applies to the key's request pool,
from the constructor or, as Hummingbot never passes it to our connectors, from the client config."""
import unittest
from decimal import Decimal
from types import SimpleNamespace
from unittest.mock import patch

from hummingbot.client.config.client_config_map import ClientConfigMap
from hummingbot.client.config.config_helpers import ClientConfigAdapter
from hummingbot.client.hummingbot_application import HummingbotApplication
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.exchange.backpack.backpack_rate_limits import _POOLS, rate_share_pct
from hummingbot.core.connector_manager import ConnectorManager
from test.connector.backpack.helpers import API_KEY, API_SECRET, ClosesSharedHttpSession


def limits(connector):
    by_id = {limit.limit_id: limit.limit for limit in connector._throttler._rate_limits}
    return by_id[CONSTANTS.GLOBAL_LIMIT_ID], by_id[CONSTANTS.HISTORICAL_LIMIT_ID]


def admitted_in_one_window(connector, limit_id: str, attempts: int) -> int:
    """How many of `attempts` requests the connector's throttler lets through at once (no time passes)."""
    context = connector._throttler.execute_task(limit_id)
    return sum(1 for _ in range(attempts) if context._try_take())


def client_config(share_pct: str) -> ClientConfigAdapter:
    config = ClientConfigAdapter(ClientConfigMap())
    config.rate_limits_share_pct = Decimal(share_pct)
    return config


class RateShareTests(ClosesSharedHttpSession, unittest.IsolatedAsyncioTestCase):

    def setUp(self):
        super().setUp()
        _POOLS.clear()  # each test is a fresh bot process
        self.addCleanup(_POOLS.clear)
        app = patch.object(HummingbotApplication, "_main_app", None)  # no running application unless a test says
        app.start()
        self.addCleanup(app.stop)

    async def test_default_is_the_whole_budget(self):
        connector = BackpackExchange(API_KEY, API_SECRET, trading_pairs=[])
        self.assertEqual((2000, 30), limits(connector))

    async def test_share_from_the_constructor_limits_what_goes_through(self):
        connector = BackpackExchange(API_KEY, API_SECRET, trading_pairs=[], rate_limits_share_pct=Decimal("50"))
        self.assertEqual((1000, 15), limits(connector))
        self.assertEqual(1000, admitted_in_one_window(connector, CONSTANTS.DEPTH_PATH_URL, 1100))
        self.assertEqual(0, admitted_in_one_window(connector, CONSTANTS.KLINES_PATH_URL, 5))  # global budget spent

    async def test_hummingbots_connector_creation_honours_the_client_setting(self):
        """Hummingbot's own path: the application's trading core creates the connectors (ConnectorManager, as
        `start` does); `conn_init_parameters` leaves the share out for a connector that is not a sub-domain, so
        it is read from the running application's client config."""
        app = HummingbotApplication.main_application(client_config_map=client_config("50"))
        manager: ConnectorManager = app.trading_core.connector_manager
        spot = manager.create_connector("backpack", ["SOL-USDC"], True, {
            "backpack_api_key": API_KEY, "backpack_api_secret": API_SECRET})
        perp = manager.create_connector("backpack_perpetual", ["SOL-USDC"], True, {
            "backpack_perpetual_api_key": API_KEY, "backpack_perpetual_api_secret": API_SECRET})
        self.assertIsInstance(spot, BackpackExchange)
        self.assertEqual((1000, 15), limits(spot))
        self.assertIs(spot._throttler, perp._throttler)  # one budget for the key in the process: the bot's share
        self.assertEqual(1000, admitted_in_one_window(perp, CONSTANTS.ORDER_PATH_URL, 1500))

    async def test_two_bots_on_one_key_stay_within_the_keys_budget_together(self):
        """Each bot process has its own pool: at 50 % each, together they never exceed Backpack's 2000/min."""
        first = BackpackExchange(API_KEY, API_SECRET, trading_pairs=[], rate_limits_share_pct=Decimal("50"))
        _POOLS.clear()  # the second bot is another process
        second = BackpackPerpetualDerivative(API_KEY, API_SECRET, trading_pairs=[], rate_limits_share_pct=Decimal("50"))
        self.assertIsNot(first._throttler, second._throttler)
        together = sum(admitted_in_one_window(bot, CONSTANTS.ORDERS_PATH_URL, 3000) for bot in (first, second))
        self.assertEqual(2000, together)

    async def test_connectors_of_one_process_asking_different_shares_use_the_smallest(self):
        spot = BackpackExchange(API_KEY, API_SECRET, trading_pairs=[], rate_limits_share_pct=Decimal("100"))
        admitted_in_one_window(spot, CONSTANTS.DEPTH_PATH_URL, 300)  # booked before the share changes
        with self.assertLogs("hummingbot.connector.exchange.backpack.backpack_rate_limits", "INFO") as logs:
            perp = BackpackPerpetualDerivative(API_KEY, API_SECRET, trading_pairs=[],
                                               rate_limits_share_pct=Decimal("25"))
        self.assertIs(spot._throttler, perp._throttler)
        self.assertEqual((500, 7), limits(spot))
        self.assertEqual(200, admitted_in_one_window(spot, CONSTANTS.DEPTH_PATH_URL, 1000))  # 500 less the 300
        self.assertIn("limited to 500/min (7/min for historical market data) of the API key's 2000/min", logs.output[0])
        BackpackExchange(API_KEY, API_SECRET, trading_pairs=[], rate_limits_share_pct=Decimal("100"))
        self.assertEqual((500, 7), limits(spot))

    async def test_an_invalid_share_is_refused_with_a_clear_message(self):
        for value in (Decimal("0"), Decimal("150"), Decimal("-5"), "abc"):
            with self.subTest(value=value), self.assertRaises(ValueError) as refused:
                BackpackExchange(API_KEY, API_SECRET, trading_pairs=[], rate_limits_share_pct=value)
            self.assertIn("Invalid rate_limits_share_pct", str(refused.exception))
            self.assertIn("above 0 and at most 100", str(refused.exception))
        self.assertEqual({}, _POOLS)

    def test_share_resolution(self):
        self.assertEqual(Decimal("100"), rate_share_pct(None))
        self.assertEqual(Decimal("12.5"), rate_share_pct("12.5"))
        with patch.object(HummingbotApplication, "_main_app", SimpleNamespace(client_config_map=client_config("40"))):
            self.assertEqual(Decimal("40"), rate_share_pct(None))
            self.assertEqual(Decimal("70"), rate_share_pct(Decimal("70")))  # the constructor's value wins
