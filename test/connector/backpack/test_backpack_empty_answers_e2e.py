"""No-content and empty answers against the emulator (issue 12, item 5), over real sockets on 127.0.0.1.

- `GET /api/v1/ticker` may answer `204 No Content` with no body (documented by Backpack; the emulator's
  `no_content` fault): the last-price poll of the spot and perp connectors falls back to the last public
  trade and never fails.
- `GET /api/v1/klines` lists buckets without trades with null open/high/low/close (the official Kline type
  makes them optional; the emulator does it by default): the spot and perp candles feeds read them as flat
  candles at the previous close instead of failing the history fetch.
"""
import math
import os
import time
from decimal import Decimal
from unittest.mock import patch

from backpack_emulator.admin_client import AdminClient
from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.data_feed.candles_feed.backpack_perpetual_candles.backpack_perpetual_candles import (
    BackpackPerpetualCandles,
)
from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_spot_candles import BackpackSpotCandles
from test.connector.backpack.helpers import close_shared_http_session
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

PAIR = "SOL-USDC"


class EmptyAnswersTests(IsolatedAsyncioWrapperTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()
        self.api_key, self.api_secret = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data=False,
                                     accounts={self.api_key: {"USDC": "10000", "SOL": "100"}})
        await self.server.start()
        self.admin = AdminClient(self.server.rest_url)
        self.env = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}

    async def asyncTearDown(self):
        await self.admin.close()
        await self.server.stop()
        await close_shared_http_session()
        await super().asyncTearDown()

    def trade(self, symbol: str, price: str, seconds_ago: int):
        """A public trade in the past (the emulator's trade tape and kline store, no account involved)."""
        ms = int((time.time() - seconds_ago) * 1000)
        self.server.exchange.public_trades[symbol].append(
            {"id": 1, "price": price, "quantity": "1", "quoteQuantity": price, "timestamp": ms, "isBuyerMaker": True})
        self.server.exchange.klines.add_trade(symbol, Decimal(price), Decimal("1"), ms)

    async def connectors(self):
        with patch.dict(os.environ, self.env):
            spot = BackpackExchange(self.api_key, self.api_secret, trading_pairs=[PAIR], trading_required=False)
            perp = BackpackPerpetualDerivative(self.api_key, self.api_secret, trading_pairs=[PAIR],
                                               trading_required=False)
        for connector in (spot, perp):
            await connector._initialize_trading_pair_symbol_map()
        return {"backpack": (spot, "SOL_USDC"), "backpack_perpetual": (perp, "SOL_USDC_PERP")}

    async def test_ticker_answered_204_gives_the_last_trade_price(self):
        for name, (connector, symbol) in (await self.connectors()).items():
            with self.subTest(connector=name):
                self.trade(symbol, "181.25", seconds_ago=5)
                await self.admin.no_content("/api/v1/ticker", count=1)
                self.assertEqual({PAIR: 181.25}, await connector.get_last_traded_prices([PAIR]))
                ticker_answers = [r["status"] for r in self.server.request_log.entries(path="/api/v1/ticker")]
                self.assertEqual(204, ticker_answers[-1])  # the fault was really served
                self.assertEqual(181.25, await connector._get_last_traded_price(PAIR))  # a normal ticker

    async def test_ticker_204_without_any_trade_is_nan_not_an_error(self):
        connector, _ = (await self.connectors())["backpack"]
        await self.admin.no_content("/api/v1/ticker", count=1)
        self.assertTrue(math.isnan(await connector._get_last_traded_price(PAIR)))

    async def test_candles_history_with_empty_buckets(self):
        for feed_class, symbol in ((BackpackSpotCandles, "SOL_USDC"), (BackpackPerpetualCandles, "SOL_USDC_PERP")):
            with self.subTest(feed=feed_class.__name__):
                now = int(time.time())
                self.trade(symbol, "180", seconds_ago=now % 60 + 240)  # four minutes back, then three empty ones
                self.trade(symbol, "182", seconds_ago=now % 60)  # the current minute
                raw = self.server.exchange.klines.rest_rows(symbol, "1m", now - 600, now + 1, now)
                self.assertEqual([False, True, True, True, False], [row["open"] is None for row in raw])
                with patch.dict(os.environ, self.env):
                    feed = feed_class(PAIR, interval="1m", max_records=10)
                try:
                    candles = await feed.fetch_candles(start_time=now - 600, end_time=now)
                finally:
                    await feed.stop_network()
                start = now - now % 60 - 240
                self.assertEqual([start + 60 * i for i in range(5)], [int(c[0]) for c in candles])
                self.assertEqual([180.0, 180.0, 180.0, 180.0, 182.0], [c[4] for c in candles])  # closes
                self.assertEqual([1.0, 0.0, 0.0, 0.0, 1.0], [c[5] for c in candles])  # volumes
