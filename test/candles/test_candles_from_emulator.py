"""End to end: a script strategy gets SOL-USDC candles from the local emulator through CandlesFactory,
and the registered `backpack` rate-oracle source prices assets from it.

Real sockets on 127.0.0.1 only; the emulator trades by itself (its market-data generator), so its
klines come from its own trades. Bounded in time; the server and every task are stopped at the end.
"""
import asyncio
import os
import time
from decimal import Decimal
from typing import Dict, List, Optional
from unittest.mock import MagicMock, patch

import pandas as pd

import hummingbot.connector.exchange.backpack.backpack_utils  # noqa: F401  (the registry scan's import)
from hummingbot.client.config.client_config_map import ClientConfigMap
from hummingbot.client.config.config_helpers import ClientConfigAdapter
from hummingbot.client.hummingbot_application import HummingbotApplication
from hummingbot.client.settings import CLIENT_CONFIG_PATH
from backpack_emulator.server import EmulatorServer
from hummingbot.core.clock import Clock
from hummingbot.core.clock_mode import ClockMode
from hummingbot.core.rate_oracle.rate_oracle import RATE_ORACLE_SOURCES, RateOracle
from hummingbot.data_feed.candles_feed.candles_base import CandlesBase
from hummingbot.data_feed.candles_feed.candles_factory import CandlesFactory
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
from hummingbot.core.web_assistant.connections.connections_factory import ConnectionsFactory
from scripts.backpack_support.script_base import BackpackScriptBase
from test.candles.candles_test_base import close_shared_http_session
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

MAX_RECORDS = 4
INTERVAL = "1s"
TIMEOUT_S = 30


class CandlesScript(BackpackScriptBase):
    """What a user script does: build feeds from CandlesFactory, start them, read candles_df on ticks."""

    markets: Dict[str, set] = {}

    def __init__(self):
        super().__init__(connectors={})
        self.feeds: Dict[str, CandlesBase] = {
            connector: CandlesFactory.get_candle(CandlesConfig(connector=connector, trading_pair="SOL-USDC",
                                                               interval=INTERVAL, max_records=MAX_RECORDS))
            for connector in ("backpack", "backpack_perpetual")}
        for feed in self.feeds.values():
            feed.start()
        self.frames: Optional[Dict[str, pd.DataFrame]] = None
        self.done = asyncio.Event()

    def on_tick(self):
        if self.frames is None and all(feed.ready for feed in self.feeds.values()):
            self.frames = {name: feed.candles_df for name, feed in self.feeds.items()}
            self.done.set()

    async def on_stop(self):
        for feed in self.feeds.values():
            feed.stop()
            await feed.stop_network()


class CandlesFromEmulatorTests(IsolatedAsyncioWrapperTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        # A session left by an earlier test belongs to a closed event loop: start with a new one.
        ConnectionsFactory()._shared_client = None
        # Fast market data so that every second has trades.
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data=True,
                                     market_data_interval_s=0.05)
        await self.server.start()
        env = patch.dict(os.environ, {"BACKPACK_REST_URL": self.server.rest_url,
                                      "BACKPACK_WS_URL": self.server.ws_url})
        env.start()
        self.addCleanup(env.stop)

    async def asyncTearDown(self):
        await close_shared_http_session()
        await self.server.stop()
        await super().asyncTearDown()
        self.assertEqual([], self.server.refusals(), "requests the strict decoder refused")

    def emulator_candles(self, symbol: str) -> List:
        now = int(time.time())
        return self.server.exchange.klines.candles(symbol, INTERVAL, now - 600, now + 1)

    async def wait_for_history(self, seconds: int):
        """Let the emulator trade long enough that REST history can fill the feeds."""
        async def enough():
            while len(self.emulator_candles("SOL_USDC")) < seconds or \
                    len(self.emulator_candles("SOL_USDC_PERP")) < seconds:
                await asyncio.sleep(0.1)
        await asyncio.wait_for(enough(), TIMEOUT_S)

    async def test_script_gets_sol_usdc_candles_through_candles_factory(self):
        await self.wait_for_history(MAX_RECORDS + 1)
        # StrategyV2Base (20260922's script base) reads past executors from the trade recorder at creation;
        # the launcher creates that recorder, this test has none: an empty one.
        recorder = MagicMock(**{"get_all_executors.return_value": [], "get_all_positions.return_value": []})
        with patch("hummingbot.connector.markets_recorder.MarketsRecorder.get_instance", return_value=recorder):
            script = CandlesScript()
        # StrategyV2Base.start asks the main application whether MQTT is on; built from defaults here, it neither
        # reads nor writes the user's conf/conf_client.yml (a file each Hummingbot line writes in its own format).
        HummingbotApplication.main_application(client_config_map=ClientConfigAdapter(ClientConfigMap()))
        client_config = CLIENT_CONFIG_PATH.exists() and CLIENT_CONFIG_PATH.stat().st_mtime_ns
        clock = Clock(ClockMode.REALTIME, tick_size=0.2)
        clock.add_iterator(script)
        deadline = time.time() + TIMEOUT_S
        with clock:
            try:
                while not script.done.is_set() and time.time() < deadline:
                    await clock.run_til(time.time() + 0.5)
            finally:
                await script.on_stop()
        self.assertTrue(script.done.is_set(), "the feeds did not become ready in time")
        self.assertEqual(client_config, CLIENT_CONFIG_PATH.exists() and CLIENT_CONFIG_PATH.stat().st_mtime_ns)
        for connector, symbol in (("backpack", "SOL_USDC"), ("backpack_perpetual", "SOL_USDC_PERP")):
            with self.subTest(connector=connector):
                self.assert_candles_match_emulator(script.frames[connector], symbol)
        self.assert_history_requested_in_seconds()

    async def test_rate_oracle_prices_assets_from_the_emulator(self):
        await self.wait_for_history(1)
        oracle = RateOracle(source=RATE_ORACLE_SOURCES["backpack"](), quote_token="USDC")
        prices = await oracle.source.get_prices(quote_token="USDC")
        self.assertEqual({"SOL-USDC", "BTC-USDC"}, set(prices))  # spot markets only
        last_sol = Decimal(self.server.exchange.public_trades["SOL_USDC"][-1]["price"])
        self.assertLess(abs(prices["SOL-USDC"] - last_sol), Decimal("5"))
        self.assertTrue(Decimal("80000") < prices["BTC-USDC"] < Decimal("110000"))
        self.assertEqual(prices["SOL-USDC"] * 3, await oracle.get_value(Decimal("3"), "SOL"))

    def assert_history_requested_in_seconds(self):
        # The emulator rejects a klines request without startTime; times in another unit than seconds
        # would have selected none of the recent candles asserted above.
        requests = self.server.request_log.entries(path="/api/v1/klines")
        self.assertGreaterEqual(len(requests), 2)  # one history page per feed at least
        self.assertEqual({200}, {request["status"] for request in requests})

    def assert_candles_match_emulator(self, frame: pd.DataFrame, symbol: str):
        self.assertEqual(MAX_RECORDS, len(frame))
        timestamps = frame["timestamp"].tolist()
        self.assertEqual([1.0] * (MAX_RECORDS - 1), [b - a for a, b in zip(timestamps, timestamps[1:])])
        self.assertLess(abs(time.time() - timestamps[-1]), 5)  # seconds, not ms or µs
        exchange_candles = {c.start: c for c in self.emulator_candles(symbol)}
        for row in frame.itertuples():
            candle = exchange_candles.get(int(row.timestamp))
            if candle is None:  # no trade in that second: a flat candle at the previous close
                self.assertEqual((row.open, row.close, row.volume), (row.close, row.close, 0.0))
                continue
            self.assertEqual(float(candle.open), row.open)
            self.assertGreaterEqual(float(candle.high), row.high)
            self.assertLessEqual(float(candle.low), row.low)
            self.assertEqual(float(candle.trades) > 0, row.n_trades > 0)
            self.assertTrue(Decimal("150") < Decimal(str(row.close)) < Decimal("210"), row.close)
        # The closed candles match the exchange's close and volume exactly. Their quote volume is exact
        # when the row came from REST history, and volume x close when it was built from the WS stream
        # (which carries no quote volume), so it only has to lie within the candle's price range.
        for row in frame.iloc[:-1].itertuples():
            candle = exchange_candles.get(int(row.timestamp))
            if candle is not None:
                self.assertEqual((float(candle.close), float(candle.volume)), (row.close, row.volume))
                volume = Decimal(candle.volume)
                quote_volume = Decimal(str(row.quote_asset_volume))
                self.assertGreaterEqual(quote_volume, Decimal(candle.low) * volume * Decimal("0.9999"))
                self.assertLessEqual(quote_volume, Decimal(candle.high) * volume * Decimal("1.0001"))
