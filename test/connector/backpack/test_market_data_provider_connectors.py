"""Backpack as a market-data-only source: Hummingbot's `MarketDataProvider.get_non_trading_connector`
builds the connector from the registry with EVERY config key set to "" (no keys, no settings)."""
import unittest

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.data_feed.market_data_provider import MarketDataProvider


class NonTradingConnectorTests(unittest.IsolatedAsyncioTestCase):

    async def test_empty_settings_mean_the_defaults(self):
        provider = MarketDataProvider({})
        for name in ("backpack", "backpack_perpetual"):
            with self.subTest(name=name):
                self.assertIn(f"{name}_self_trade_prevention", provider.get_connector_config_map(name))
                self.assertEqual("", provider.get_connector_config_map(name)[f"{name}_self_trade_prevention"])
                connector = provider.get_non_trading_connector(name)  # raised ValueError for "" before
                self.assertEqual(name, connector.name)
                self.assertEqual(CONSTANTS.DEFAULT_SELF_TRADE_PREVENTION, connector.self_trade_prevention)
                self.assertFalse(connector.is_trading_required)
                self.assertIsNone(connector.authenticator)  # nothing to sign with
                self.assertIs(connector, provider.get_non_trading_connector(name))
        provider.stop()
