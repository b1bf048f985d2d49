import json
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

from aioresponses import aioresponses
from bidict import bidict

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from test.connector.backpack.helpers import ClosesSharedHttpSession, url_regex


class LastTradedPricesTests(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):
    """Hummingbot's tracker asks for the last price of every book without a recent trade every 5 s: with one
    request per pair, 100 quiet pairs would take 1,200 of the 2,000 requests a minute."""

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange = BackpackExchange(trading_required=False, trading_pairs=["SOL-USDC", "BTC-USDC"])
        self.exchange._set_trading_pair_symbol_map(bidict({"SOL_USDC": "SOL-USDC", "BTC_USDC": "BTC-USDC",
                                                           "ETH_USDC": "ETH-USDC"}))
        self.mock_api = aioresponses()
        self.mock_api.start()

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()

    def url(self, path: str) -> str:
        return url_regex(web_utils.rest_url(path, self.exchange.rest_base_url))

    async def test_all_pairs_come_from_one_tickers_request(self):
        rows = [{"symbol": "SOL_USDC", "lastPrice": "180.5"}, {"symbol": "BTC_USDC", "lastPrice": "95000.1"},
                {"symbol": "SOL_USDC_PERP", "lastPrice": "181"}, {"symbol": "ETH_USDC", "lastPrice": None}]
        self.mock_api.get(self.url(CONSTANTS.TICKERS_PATH_URL), body=json.dumps(rows))
        prices = await self.exchange.get_last_traded_prices(["SOL-USDC", "BTC-USDC", "ETH-USDC"])
        self.assertEqual({"SOL-USDC": 180.5, "BTC-USDC": 95000.1}, prices)  # no price: left out
        requested = [str(url) for (_, url) in self.mock_api.requests if "ticker" in str(url)]
        self.assertEqual(1, len(requested), requested)
        self.assertTrue(requested[0].endswith(CONSTANTS.TICKERS_PATH_URL), requested)

    async def test_one_pair_uses_its_own_ticker(self):
        self.mock_api.get(self.url(CONSTANTS.TICKER_PATH_URL), body=json.dumps({"symbol": "SOL_USDC",
                                                                                  "lastPrice": "180.5"}))
        self.assertEqual({"SOL-USDC": 180.5}, await self.exchange.get_last_traded_prices(["SOL-USDC"]))
