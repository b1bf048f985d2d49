import os
from decimal import Decimal
from unittest.mock import patch

from aioresponses import aioresponses

from hummingbot.core.rate_oracle.rate_oracle import RateOracle
from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source import BackpackRateSource
from test.candles.candles_test_base import close_shared_http_session
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

REST = "http://127.0.0.1:9/"  # never contacted: aioresponses answers
MARKETS = [
    {"symbol": "SOL_USDC", "baseSymbol": "SOL", "quoteSymbol": "USDC", "marketType": "SPOT"},
    {"symbol": "BTC_USDC", "baseSymbol": "BTC", "quoteSymbol": "USDC", "marketType": "SPOT"},
    {"symbol": "JTO_SOL", "baseSymbol": "JTO", "quoteSymbol": "SOL", "marketType": "SPOT"},
    {"symbol": "SOL_USDC_PERP", "baseSymbol": "SOL", "quoteSymbol": "USDC", "marketType": "PERP"},
]
TICKERS = [
    {"symbol": "SOL_USDC", "lastPrice": "180.25"},
    {"symbol": "BTC_USDC", "lastPrice": "95000.1"},
    {"symbol": "JTO_SOL", "lastPrice": "0.0125"},
    {"symbol": "SOL_USDC_PERP", "lastPrice": "181"},
    {"symbol": "NEW_USDC", "lastPrice": "1"},  # not in markets
    {"symbol": "SOL_USDC", "lastPrice": None},  # no trade yet: ignored, keeps the earlier price
]


class BackpackRateSourceTests(IsolatedAsyncioWrapperTestCase):
    def setUp(self):
        super().setUp()
        env = patch.dict(os.environ, {"BACKPACK_REST_URL": REST})
        env.start()
        self.addCleanup(env.stop)
        self.source = BackpackRateSource()

    async def asyncTearDown(self):
        await close_shared_http_session()
        await super().asyncTearDown()

    def mock_exchange(self, mocked: aioresponses, markets=MARKETS, tickers=TICKERS):
        mocked.get(REST + "api/v1/markets", payload=markets)
        mocked.get(REST + "api/v1/tickers", payload=tickers)

    def test_name(self):
        self.assertEqual("backpack", self.source.name)

    async def test_spot_last_prices_as_decimals(self):
        with aioresponses() as mocked:
            self.mock_exchange(mocked)
            prices = await self.source.get_prices()
        self.assertEqual({"SOL-USDC": Decimal("180.25"), "BTC-USDC": Decimal("95000.1"),
                          "JTO-SOL": Decimal("0.0125")}, prices)

    async def test_quote_token_filter(self):
        with aioresponses() as mocked:
            self.mock_exchange(mocked)
            prices = await self.source.get_prices(quote_token="USDC")
        self.assertEqual({"SOL-USDC", "BTC-USDC"}, set(prices))

    async def test_prices_are_cached_between_oracle_polls(self):
        with aioresponses() as mocked:
            self.mock_exchange(mocked)
            first = await self.source.get_prices(quote_token="USDC")
            second = await self.source.get_prices(quote_token="USDC")  # no more responses queued
        self.assertEqual(first, second)

    async def test_exchange_error_gives_no_prices_and_is_logged(self):
        with aioresponses() as mocked:
            mocked.get(REST + "api/v1/markets", status=503, payload={"code": "SERVER_ERROR", "message": "x"})
            mocked.get(REST + "api/v1/tickers", payload=TICKERS)
            with self.assertLogs(level="ERROR") as logs:
                prices = await self.source.get_prices(quote_token="USDT")
        self.assertEqual({}, prices)
        self.assertIn("Backpack", "\n".join(logs.output))

    async def test_usable_from_a_script_through_rate_oracle(self):
        oracle = RateOracle(source=BackpackRateSource(), quote_token="USDC")
        with aioresponses() as mocked:
            self.mock_exchange(mocked)
            self.assertEqual(Decimal("180.25"), await oracle.rate_async("SOL-USDC"))
            self.assertEqual(Decimal("180.25") * 2, await oracle.get_value(Decimal("2"), "SOL"))
