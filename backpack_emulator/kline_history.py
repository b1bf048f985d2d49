"""Kline history from before the emulator started, so that candles feeds (and V2 controllers needing
100+ candles) fill at once instead of waiting `max_records` intervals.

The price path is a function of time alone: p(t) = P0 * exp(g(t) - g(t0)), where t0 is the moment the
history was anchored (the server's start), P0 the market's price then, and g a sum of slow sine waves
plus per-minute value noise, every parameter drawn from the seed. So the history is deterministic for a
seed, consistent between intervals (a 5m candle spans the same path as its five 1m candles), ends at the
price the live market starts from, and any window costs one step per bucket.
"""
import hashlib
import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Dict, List

from backpack_emulator.klines import Candle, bucket_bounds

MAX_HISTORY_CANDLES = 5000  # per request: the newest buckets of a longer window
# (period in seconds, amplitude in log-price): daily swing, 4-hourly and hourly waves
WAVES = ((86400, 0.02), (14400, 0.01), (3600, 0.004))
NOISE_STEP_S = 60
NOISE_AMPLITUDE = 0.0015
WICK_FRACTION = 0.0005


def _unit(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) from the seed and the parts (stable across runs and platforms)."""
    digest = hashlib.blake2b(":".join(map(str, (seed,) + parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2 ** 64


class KlineHistory:
    def __init__(self, seed: int, anchor_s: int, prices: Dict[str, Decimal], ticks: Dict[str, Decimal],
                 steps: Dict[str, Decimal]) -> None:
        self.seed = seed
        self.anchor_s = anchor_s
        self._prices = dict(prices)
        self._ticks = dict(ticks)
        self._steps = dict(steps)
        self._phases = {symbol: [2 * math.pi * _unit(seed, symbol, "phase", i) for i in range(len(WAVES))]
                        for symbol in prices}

    def covers(self, symbol: str) -> bool:
        return symbol in self._prices

    def _g(self, symbol: str, t: float) -> float:
        waves = sum(amplitude * math.sin(2 * math.pi * t / period + phase)
                    for (period, amplitude), phase in zip(WAVES, self._phases[symbol]))
        k, frac = divmod(t / NOISE_STEP_S, 1.0)
        a = _unit(self.seed, symbol, "noise", int(k)) * 2 - 1
        b = _unit(self.seed, symbol, "noise", int(k) + 1) * 2 - 1
        return waves + NOISE_AMPLITUDE * (a + (b - a) * frac)

    def price(self, symbol: str, t: float) -> Decimal:
        ratio = math.exp(self._g(symbol, t) - self._g(symbol, self.anchor_s))
        return self._round(symbol, self._prices[symbol] * Decimal(repr(ratio)), ROUND_HALF_EVEN)

    def _round(self, symbol: str, value: Decimal, rounding: str) -> Decimal:
        tick = self._ticks[symbol]
        return max(tick, (value / tick).to_integral_value(rounding=rounding) * tick)

    def candles(self, symbol: str, interval: str, start_s: int, end_s: int) -> List[Candle]:
        """The history candles starting in [start_s's bucket, end_s), all before the anchor's bucket."""
        if not self.covers(symbol):
            return []
        first = bucket_bounds(interval, start_s)[0]
        bucket = bucket_bounds(interval, self.anchor_s)[0]
        starts: List[int] = []
        while len(starts) < MAX_HISTORY_CANDLES:
            bucket = bucket_bounds(interval, bucket - 1)[0]  # the bucket before
            if bucket < first:
                break
            if bucket < end_s:
                starts.append(bucket)
        return [self._candle(symbol, interval, start) for start in reversed(starts)]

    def _candle(self, symbol: str, interval: str, start: int) -> Candle:
        end = bucket_bounds(interval, start)[1]
        open_, close = self.price(symbol, start), self.price(symbol, end)
        wick = Decimal(repr(WICK_FRACTION * _unit(self.seed, symbol, interval, start, "wick")))
        high = self._round(symbol, max(open_, close) * (1 + wick), ROUND_CEILING)
        low = self._round(symbol, min(open_, close) * (1 - wick), ROUND_FLOOR)
        trades = 1 + int(20 * _unit(self.seed, symbol, interval, start, "trades"))
        step = self._steps[symbol]
        volume = step * (trades * (1 + int(50 * _unit(self.seed, symbol, interval, start, "volume"))))
        candle = Candle(start, end, open_, high, low, close)
        candle.volume, candle.trades = volume, trades
        candle.quote_volume = (volume * (open_ + close) / 2).quantize(Decimal("0.000001"))
        return candle
