"""Behaviour shared by the spot and perpetual Backpack candles feeds (the wheel ships no candles test base).

A subclass sets `candles_class`, `exchange_symbol` and `feed_name` and mixes this into
`IsolatedAsyncioWrapperTestCase`.
"""
import asyncio
import json
import os
import re
from collections import deque
from typing import Any, Dict, List
from unittest.mock import AsyncMock, patch
from urllib.parse import parse_qs, urlparse

import numpy as np
from aioresponses import CallbackResult, aioresponses

from hummingbot.connector.test_support.network_mocking_assistant import NetworkMockingAssistant
from hummingbot.core.web_assistant.connections.connections_factory import ConnectionsFactory
from hummingbot.core.network_iterator import NetworkStatus
from hummingbot.data_feed.candles_feed.data_types import HistoricalCandlesConfig

TRADING_PAIR = "SOL-USDC"
DEFAULT_REST = "https://api.backpack.exchange/"
KLINES_URL = re.compile(r"^https://api\.backpack\.exchange/api/v1/klines\?.*")
START_S = 1757604780  # 2025-09-11 15:33:00 UTC, a whole minute


def iso(seconds: int, separator: str) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime(f"%Y-%m-%d{separator}%H:%M:%S")


def rest_row(start_s: int, close: str, interval_s: int = 60) -> Dict[str, Any]:
    return {"start": iso(start_s, " "), "end": iso(start_s + interval_s, " "), "open": "180", "high": "190",
            "low": "170", "close": close, "volume": "2", "quoteVolume": "361", "trades": "4"}


def ws_kline(symbol: str, start_s: int, close: str) -> Dict[str, Any]:
    return {"stream": f"kline.1m.{symbol}",
            "data": {"e": "kline", "E": (start_s + 5) * 1_000_000, "s": symbol, "t": iso(start_s, "T"),
                     "T": iso(start_s + 60, "T"), "o": "180", "c": close, "h": "190", "l": "170", "v": "2",
                     "n": 4, "X": False}}


def serve_klines(rows: List[Dict[str, Any]]):
    """aioresponses callback answering like the exchange: rows with startTime <= start < endTime."""
    def callback(url, **kwargs) -> CallbackResult:
        params = {k: int(v[0]) for k, v in parse_qs(urlparse(str(url)).query).items() if k.endswith("Time")}
        params.update({k: int(v) for k, v in (kwargs.get("params") or {}).items() if k.endswith("Time")})
        end = params.get("endTime", 2 ** 40)
        return CallbackResult(payload=[row for row in rows
                                       if params["startTime"] <= _row_start(row) < end])
    return callback


def _row_start(row: Dict[str, Any]) -> int:
    from datetime import datetime, timezone
    return int(datetime.strptime(row["start"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


def query_of(mocked: aioresponses) -> List[Dict[str, str]]:
    queries = []
    for (method, url), calls in mocked.requests.items():
        for call in calls:
            params = {k: v[0] for k, v in parse_qs(urlparse(str(url)).query).items()}
            params.update({k: str(v) for k, v in (call.kwargs.get("params") or {}).items()})
            queries.append(params)
    return queries


async def close_shared_http_session():
    """Hummingbot shares one aiohttp session per process; close it while its event loop (this test's) is
    alive, so the next test, on a new loop, gets a new one."""
    await ConnectionsFactory().close()


class BackpackCandlesTestBase:
    candles_class: type
    exchange_symbol: str
    feed_name: str

    def setUp(self):
        super().setUp()
        env = patch.dict(os.environ, {}, clear=False)
        env.start()
        self.addCleanup(env.stop)
        os.environ.pop("BACKPACK_REST_URL", None)
        os.environ.pop("BACKPACK_WS_URL", None)
        self.candles = self.candles_class(TRADING_PAIR, "1m", max_records=3)

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.mocking_assistant = NetworkMockingAssistant()
        await self.mocking_assistant.async_init()

    async def asyncTearDown(self):
        await self.candles.stop_network()
        await close_shared_http_session()
        await super().asyncTearDown()

    # --- naming, urls, intervals ---

    def test_name_and_exchange_symbol(self):
        self.assertEqual(f"{self.feed_name}_{TRADING_PAIR}", self.candles.name)
        self.assertEqual(self.exchange_symbol, self.candles._ex_trading_pair)

    def test_default_urls(self):
        self.assertEqual(DEFAULT_REST + "api/v1/klines", self.candles.candles_url)
        self.assertEqual(DEFAULT_REST + "api/v1/ping", self.candles.health_check_url)
        self.assertEqual("wss://ws.backpack.exchange/", self.candles.wss_url)

    def test_urls_come_from_environment_at_creation(self):
        os.environ["BACKPACK_REST_URL"] = "http://127.0.0.1:8123"
        os.environ["BACKPACK_WS_URL"] = "ws://127.0.0.1:8123/ws"
        candles = self.candles_class(TRADING_PAIR, "1m")
        self.assertEqual("http://127.0.0.1:8123/api/v1/klines", candles.candles_url)
        self.assertEqual("ws://127.0.0.1:8123/ws", candles.wss_url)
        self.assertEqual(DEFAULT_REST + "api/v1/klines", self.candles.candles_url)  # created before

    def test_every_hummingbot_interval_is_supported(self):
        self.assertEqual(set(self.candles.interval_to_seconds.keys()), set(self.candles.intervals.keys()))
        self.assertEqual(f"kline.1month.{self.exchange_symbol}",
                         self.candles_class(TRADING_PAIR, "1M").kline_stream)

    def test_bad_interval_or_pair_is_a_clear_error(self):
        with self.assertRaisesRegex(ValueError, "Interval '2m' is not supported by Backpack"):
            self.candles_class(TRADING_PAIR, "2m")
        for pair in ("SOLUSDC", "SOL-", "SOL-USDC-X"):
            with self.assertRaisesRegex(ValueError, "not of the form BASE-QUOTE"):
                self.candles_class(pair, "1m")

    def test_klines_are_throttled_at_30_per_minute(self):
        limits = {limit.limit_id: limit for limit in self.candles.rate_limits}
        klines = limits[self.candles.candles_endpoint]
        self.assertEqual((30, 60), (klines.limit, klines.time_interval))

    # --- REST ---

    async def test_check_network_accepts_plain_text_pong(self):
        with aioresponses() as mocked:
            mocked.get(DEFAULT_REST + "api/v1/ping", body="pong", content_type="text/plain")
            self.assertEqual(NetworkStatus.CONNECTED, await self.candles.check_network())

    async def test_check_network_fails_on_error_status(self):
        with aioresponses() as mocked:
            mocked.get(DEFAULT_REST + "api/v1/ping", status=503, body="down", content_type="text/plain")
            with self.assertRaises(IOError):
                await self.candles.check_network()

    async def test_fetch_candles_sends_seconds_and_parses_rows(self):
        with aioresponses() as mocked:
            mocked.get(KLINES_URL, callback=serve_klines([rest_row(START_S, "181"), rest_row(START_S + 60, "182")]))
            candles = await self.candles.fetch_candles(end_time=START_S + 120, limit=2)
            params = query_of(mocked)[0]
        # endTime one bucket further: the candle starting at end_time is wanted whether or not
        # Backpack treats endTime as inclusive.
        self.assertEqual({"symbol": self.exchange_symbol, "interval": "1m",
                          "startTime": str(START_S), "endTime": str(START_S + 180)}, params)
        self.assertEqual([START_S, START_S + 60, START_S + 120], candles[:, 0].tolist())
        self.assertEqual([181.0, 182.0, 182.0], candles[:, 4].tolist())  # last bucket: no trades yet
        self.assertEqual([361.0, 361.0, 0.0], candles[:, 6].tolist())

    async def test_empty_page_is_an_empty_two_dimensional_array(self):
        with aioresponses() as mocked:
            mocked.get(KLINES_URL, payload=[])
            candles = await self.candles.fetch_candles(end_time=START_S, limit=3)
        self.assertEqual((0, 10), candles.shape)

    async def test_historical_candles_are_equidistant_in_the_requested_range(self):
        rows = [rest_row(START_S + i * 60, str(180 + i)) for i in (0, 1, 4)]  # minutes 2 and 3 empty
        with aioresponses() as mocked:
            mocked.get(KLINES_URL, callback=serve_klines(rows), repeat=True)
            frame = await self.candles.get_historical_candles(HistoricalCandlesConfig(
                connector_name=self.feed_name, trading_pair=TRADING_PAIR, interval="1m",
                start_time=START_S, end_time=START_S + 240))
        self.assertEqual([START_S + i * 60 for i in range(5)], frame["timestamp"].tolist())
        self.assertEqual([180.0, 181.0, 181.0, 181.0, 184.0], frame["close"].tolist())

    # --- WS ---

    @patch("aiohttp.ClientSession.ws_connect", new_callable=AsyncMock)
    async def test_ws_subscribes_and_appends_live_candles_then_fills_history(self, ws_connect_mock):
        ws = self.mocking_assistant.create_websocket_mock()
        ws_connect_mock.return_value = ws
        other = dict(ws_kline("ETH_USDC", START_S + 120, "999"), stream="kline.1m.ETH_USDC")
        for message in ({"result": None, "id": 1}, other, ws_kline(self.exchange_symbol, START_S + 120, "183"),
                        ws_kline(self.exchange_symbol, START_S + 120, "184")):
            self.mocking_assistant.add_websocket_aiohttp_message(ws, json.dumps(message))
        with aioresponses() as mocked:
            mocked.get(KLINES_URL, repeat=True,
                       callback=serve_klines([rest_row(START_S, "181"), rest_row(START_S + 60, "182")]))
            await self.candles.start_network()
            await self.mocking_assistant.run_until_all_aiohttp_messages_delivered(ws)
            await self._wait_for(lambda: self.candles.ready)
            history_query = query_of(mocked)[0]

        self.assertEqual("wss://ws.backpack.exchange/", ws_connect_mock.call_args.args[0])
        self.assertEqual([{"method": "SUBSCRIBE", "params": [f"kline.1m.{self.exchange_symbol}"]}],
                         self.mocking_assistant.json_messages_sent_through_websocket(ws))
        frame = self.candles.candles_df
        self.assertEqual([START_S, START_S + 60, START_S + 120], frame["timestamp"].tolist())
        self.assertEqual([181.0, 182.0, 184.0], frame["close"].tolist())  # live candle updated in place
        self.assertEqual(str(START_S + 180), history_query["endTime"])

    @patch("aiohttp.ClientSession.ws_connect", new_callable=AsyncMock)
    async def test_live_buckets_without_trades_become_flat_candles(self, ws_connect_mock):
        ws = self.mocking_assistant.create_websocket_mock()
        ws_connect_mock.return_value = ws
        for start, close in ((START_S, "181"), (START_S + 180, "184")):  # nothing streamed for 2 minutes
            self.mocking_assistant.add_websocket_aiohttp_message(
                ws, json.dumps(ws_kline(self.exchange_symbol, start, close)))
        self.candles._candles = deque(maxlen=10)  # large enough: no history needed
        with aioresponses() as mocked:
            mocked.get(KLINES_URL, payload=[], repeat=True)
            await self.candles.start_network()
            await self.mocking_assistant.run_until_all_aiohttp_messages_delivered(ws)
            await self._wait_for(lambda: len(self.candles._candles) == 4)
        frame = self.candles.candles_df
        self.assertEqual([START_S + i * 60 for i in range(4)], frame["timestamp"].tolist())
        self.assertEqual([181.0, 181.0, 181.0, 184.0], frame["close"].tolist())
        self.assertEqual([2.0, 0.0, 0.0, 2.0], frame["volume"].tolist())

    @patch("aiohttp.ClientSession.ws_connect", new_callable=AsyncMock)
    async def test_history_stops_when_backpack_has_nothing_older(self, ws_connect_mock):
        ws = self.mocking_assistant.create_websocket_mock()
        ws_connect_mock.return_value = ws
        self.mocking_assistant.add_websocket_aiohttp_message(
            ws, json.dumps(ws_kline(self.exchange_symbol, START_S, "183")))
        with aioresponses() as mocked:
            mocked.get(KLINES_URL, payload=[], repeat=True)
            await self.candles.start_network()
            await self.mocking_assistant.run_until_all_aiohttp_messages_delivered(ws)
            await self._wait_for(lambda: len(query_of(mocked)) >= 1)
            await asyncio.sleep(0.05)
            requests = len(query_of(mocked))
        self.assertEqual(1, requests)
        self.assertEqual([START_S], self.candles.candles_df["timestamp"].tolist())
        self.assertFalse(self.candles.ready)

    def test_monthly_candles_are_not_reset_for_unequal_months(self):
        candles = self.candles_class(TRADING_PAIR, "1M", max_records=3)
        feb, mar, apr = 1738368000, 1740787200, 1743465600  # 2025-02-01, 03-01, 04-01 UTC
        candles._candles.extend([[feb] + [1.0] * 9, [mar] + [1.0] * 9, [apr] + [1.0] * 9])
        candles.check_candles_sorted_and_equidistant(np.array(candles._candles))
        self.assertEqual(3, len(candles._candles))
        candles._candles.rotate(1)  # out of order
        candles.check_candles_sorted_and_equidistant(np.array(candles._candles))
        self.assertEqual(0, len(candles._candles))

    def test_minute_candles_with_a_gap_are_reset(self):
        self.candles._candles.extend([[START_S] + [1.0] * 9, [START_S + 120] + [1.0] * 9])
        self.candles.check_candles_sorted_and_equidistant(np.array(self.candles._candles))
        self.assertEqual(0, len(self.candles._candles))

    async def _wait_for(self, condition, timeout: float = 2.0):
        async def poll():
            while not condition():
                await asyncio.sleep(0.01)
        await asyncio.wait_for(poll(), timeout)
