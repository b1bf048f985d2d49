"""Kline history from before the emulator started: any window is served at once, deterministic from the
seed, consistent between intervals, ending at the price the live market starts from."""
import asyncio
import time
import unittest
from datetime import datetime, timezone
from decimal import Decimal

import aiohttp

from backpack_emulator.kline_history import MAX_HISTORY_CANDLES, KlineHistory
from backpack_emulator.server import EmulatorServer

ANCHOR_S = 1_760_000_000  # a fixed start time for the pure tests
PRICES = {"SOL_USDC": Decimal("180"), "BTC_USDC": Decimal("95000")}
TICKS = {"SOL_USDC": Decimal("0.01"), "BTC_USDC": Decimal("0.1")}
STEPS = {"SOL_USDC": Decimal("0.01"), "BTC_USDC": Decimal("0.00001")}


def history(seed: int = 1) -> KlineHistory:
    return KlineHistory(seed, ANCHOR_S, PRICES, TICKS, STEPS)


def rows(candles):
    return [(c.start, c.open, c.high, c.low, c.close, c.volume, c.trades) for c in candles]


class KlineHistoryTests(unittest.TestCase):

    def test_any_window_is_contiguous_and_ends_at_the_start_price(self):
        candles = history().candles("SOL_USDC", "1m", ANCHOR_S - 300 * 60, ANCHOR_S + 1)
        self.assertEqual(300, len(candles))
        self.assertEqual([60] * 299, [b.start - a.start for a, b in zip(candles, candles[1:])])
        self.assertEqual(ANCHOR_S // 60 * 60, candles[-1].end)  # the bucket before the start's bucket
        self.assertEqual([c.close for c in candles[:-1]], [c.open for c in candles[1:]])
        self.assertLessEqual(abs(candles[-1].close - PRICES["SOL_USDC"]), Decimal("0.5"))
        for c in candles:
            self.assertTrue(Decimal(0) < c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high)
            self.assertGreater(c.volume, 0)
            self.assertGreater(c.trades, 0)
        self.assertGreater(len({c.close for c in candles}), 50)  # it moves
        old = history().candles("BTC_USDC", "1h", ANCHOR_S - 90 * 86400, ANCHOR_S - 89 * 86400)
        self.assertEqual(25, len(old))  # the bucket holding startTime, then 24 more
        self.assertTrue(all(Decimal("80000") < c.close < Decimal("110000") for c in old))

    def test_deterministic_from_the_seed(self):
        window = ("SOL_USDC", "5m", ANCHOR_S - 86400, ANCHOR_S)
        self.assertEqual(rows(history(1).candles(*window)), rows(history(1).candles(*window)))
        self.assertNotEqual(rows(history(1).candles(*window)), rows(history(2).candles(*window)))

    def test_intervals_follow_the_same_path(self):
        five = history().candles("SOL_USDC", "5m", ANCHOR_S - 3600, ANCHOR_S - 1800)
        ones = history().candles("SOL_USDC", "1m", five[0].start, five[0].end)
        self.assertEqual(5, len(ones))
        self.assertEqual((five[0].open, five[0].close), (ones[0].open, ones[-1].close))

    def test_calendar_months_and_the_request_cap(self):
        months = history().candles("SOL_USDC", "1month", ANCHOR_S - 400 * 86400, ANCHOR_S)
        starts = [datetime.fromtimestamp(c.start, tz=timezone.utc) for c in months]
        self.assertTrue(all(s.day == 1 and s.hour == 0 for s in starts))
        self.assertGreaterEqual(len(months), 12)
        seconds = history().candles("SOL_USDC", "1s", 0, ANCHOR_S)
        self.assertEqual(MAX_HISTORY_CANDLES, len(seconds))
        self.assertEqual(ANCHOR_S - 1, seconds[-1].start)  # the newest buckets of the window

    def test_unknown_symbol_has_no_history(self):
        self.assertEqual([], history().candles("DOGE_USDC", "1m", ANCHOR_S - 600, ANCHOR_S))


class KlineHistoryOverRestTests(unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=7, market_data=True, market_data_interval_s=0.05)
        await self.server.start()
        self.session = aiohttp.ClientSession()

    async def asyncTearDown(self):
        await self.session.close()
        await self.server.stop()

    async def klines(self, **params):
        async with self.session.get(self.server.rest_url + "api/v1/klines", params=params) as response:
            self.assertEqual(200, response.status)
            return await response.json()

    async def test_a_fresh_emulator_serves_200_minutes_then_its_live_candles(self):
        for _ in range(100):  # the generator's first trade makes the live candle
            if self.server.exchange.public_trades["SOL_USDC"]:
                break
            await asyncio.sleep(0.05)
        first_trade_s = self.server.exchange.public_trades["SOL_USDC"][0]["timestamp"] // 1000
        now = int(time.time())
        rows_ = await self.klines(symbol="SOL_USDC", interval="1m", startTime=now - 200 * 60)
        self.assertGreaterEqual(len(rows_), 200)
        starts = [datetime.strptime(r["start"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
                  for r in rows_]
        self.assertEqual([60.0] * (len(starts) - 1), [b - a for a, b in zip(starts, starts[1:])])
        self.assertEqual(first_trade_s // 60 * 60, starts[-1])  # the live candle comes last
        for row in rows_:
            self.assertEqual({"start", "end", "open", "high", "low", "close", "volume", "quoteVolume", "trades"},
                             set(row))
            self.assertTrue(all(isinstance(v, str) for v in row.values()))
        live_open = Decimal(rows_[-1]["open"])
        self.assertLess(abs(Decimal(rows_[-2]["close"]) - live_open), Decimal("1"))
        perp = await self.klines(symbol="SOL_USDC_PERP", interval="15m", startTime=now - 100 * 900,
                                 endTime=now - 50 * 900)
        first, end = (now - 100 * 900) // 900 * 900, now - 50 * 900
        self.assertEqual(len(range(first, end, 900)), len(perp))

    async def test_history_without_market_data_is_off(self):
        quiet = EmulatorServer(host="127.0.0.1", port=0, seed=7, market_data=False)
        await quiet.start()
        try:
            async with self.session.get(quiet.rest_url + "api/v1/klines", params={
                    "symbol": "SOL_USDC", "interval": "1m", "startTime": int(time.time()) - 6000}) as response:
                self.assertEqual([], await response.json())
        finally:
            await quiet.stop()
