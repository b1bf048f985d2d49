"""(d) Backpack as a market-data-only source of Hummingbot's MarketDataProvider (what V2 controllers read), against
an in-process emulator over 127.0.0.1: non-trading `backpack` and `backpack_perpetual` connectors built from the
registry with every setting "" (no keys), prices pushed to the rate oracle, order books, and 100+ candles at once
from the kline history of a fresh emulator."""
import asyncio
import os
import time
from decimal import Decimal
from unittest.mock import patch

from backpack_emulator.server import EmulatorServer
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.common import PriceType
from hummingbot.core.rate_oracle.rate_oracle import RateOracle
from hummingbot.core.web_assistant.connections.connections_factory import ConnectionsFactory
from hummingbot.data_feed.market_data_provider import MarketDataProvider
from hummingbot.strategy_v2.executors.data_types import ConnectorPair
from test.candles.candles_test_base import close_shared_http_session
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

PAIR = "SOL-USDC"
CANDLES = 150
TIMEOUT_S = 20


class MarketDataProviderOnEmulatorTests(IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        ConnectionsFactory()._shared_client = None
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=5, market_data=True, market_data_interval_s=0.05)
        await self.server.start()
        env = patch.dict(os.environ, {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url,
                                      CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url})
        env.start()
        self.addCleanup(env.stop)
        self.provider = MarketDataProvider({}, rates_update_interval=1)
        self.started = []

    async def asyncTearDown(self):
        self.provider.stop()
        for connector in self.started:
            await connector.stop_network()
        await close_shared_http_session()
        await self.server.stop()
        await ConnectionsFactory().close()
        await super().asyncTearDown()
        self.assertEqual([], self.server.refusals(), "requests the strict decoder refused")

    @staticmethod
    async def until(condition, what: str):
        deadline = time.monotonic() + TIMEOUT_S
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)

    async def test_prices_order_books_and_candles_without_keys(self):
        oracle = RateOracle.get_instance()
        oracle._prices.pop(PAIR, None)
        # What a controller does for its fee/PnL conversions: prices of its pairs into the rate oracle.
        self.provider.initialize_rate_sources([ConnectorPair(connector_name="backpack", trading_pair=PAIR),
                                               ConnectorPair(connector_name="backpack_perpetual", trading_pair=PAIR)])
        await self.until(lambda: oracle.get_pair_rate(PAIR) is not None, "the rate oracle to get SOL-USDC")
        last_spot = Decimal(self.server.exchange.public_trades["SOL_USDC"][-1]["price"])
        self.assertLess(abs(oracle.get_pair_rate(PAIR) - last_spot), Decimal("2"))

        for name, symbol in (("backpack", "SOL_USDC"), ("backpack_perpetual", "SOL_USDC_PERP")):
            with self.subTest(connector=name):
                connector = self.provider.get_non_trading_connector(name)
                self.assertIsNone(connector.authenticator)
                self.started.append(connector)
                await connector.start_network()  # public streams only: no keys, no private stream
                self.assertTrue(await connector.add_trading_pair(PAIR))
                await self.until(lambda: PAIR in connector.order_books, f"the {name} order book")
                bids, asks = self.provider.get_order_book_snapshot(name, PAIR)
                self.assertTrue(len(bids) > 0 and len(asks) > 0)
                best_bid, best_ask = Decimal(str(bids["price"].iloc[0])), Decimal(str(asks["price"].iloc[0]))
                book = self.server.exchange.books[symbol]
                self.assertLess(abs(best_bid - book.best_bid()), Decimal("0.5"))
                self.assertLess(best_bid, best_ask)
                mid = self.provider.get_price_by_type(name, PAIR, PriceType.MidPrice)
                self.assertTrue(best_bid <= Decimal(str(mid)) <= best_ask)

                started = time.monotonic()
                feed = self.provider.get_candles_feed(self.candles_config(name))
                await self.until(lambda: feed.ready, f"{CANDLES} {name} candles")
                warm_up_s = time.monotonic() - started
                frame = self.provider.get_candles_df(name, PAIR, "1m", CANDLES)
                self.assertEqual(CANDLES, len(frame))
                steps = frame["timestamp"].diff().dropna().unique().tolist()
                self.assertEqual([60.0], steps)
                self.assertLess(warm_up_s, 10)  # a fresh emulator serves the history: no max_records-minute wait
                print(f"\n[v2 market data] {name}: rate {oracle.get_pair_rate(PAIR)}, book {best_bid}/{best_ask}, "
                      f"{len(frame)} candles in {warm_up_s:.1f} s")

    def candles_config(self, connector: str):
        from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
        return CandlesConfig(connector=connector, trading_pair=PAIR, interval="1m", max_records=CANDLES)
