"""Candles built from the emulator's own trades, for REST /api/v1/klines and WS kline streams."""
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Deque, Dict, Iterator, List, Optional, Set, Tuple

from backpack_emulator.clock import iso_seconds
from backpack_emulator.decimals import ZERO, fmt
from backpack_emulator.wire_scale import KLINE_PRICE_PLACES, KLINE_VOLUME_PLACES, fixed

INTERVAL_SECONDS: Dict[str, int] = {
    "1s": 1, "1m": 60, "3m": 180, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "2h": 7200,
    "4h": 14400, "6h": 21600, "8h": 28800, "12h": 43200, "1d": 86400, "3d": 259200, "1w": 604800,
    "1month": 0,  # calendar month, see bucket_bounds
}
MAX_BUCKETS = 1500  # per symbol and interval: older candles are forgotten
MAX_REST_ROWS = 5000  # per REST answer


def bucket_bounds(interval: str, seconds: int) -> Tuple[int, int]:
    """[start, end) in Unix seconds of the candle holding ``seconds``."""
    if interval == "1month":
        stamp = datetime.fromtimestamp(seconds, tz=timezone.utc)
        start = datetime(stamp.year, stamp.month, 1, tzinfo=timezone.utc)
        end = datetime(stamp.year + stamp.month // 12, stamp.month % 12 + 1, 1, tzinfo=timezone.utc)
        return int(start.timestamp()), int(end.timestamp())
    if interval == "1w":  # Backpack weeks, like most exchanges, start on Monday
        size = INTERVAL_SECONDS[interval]
        start = (seconds - 345600) // size * size + 345600
        return start, start + size
    size = INTERVAL_SECONDS[interval]
    start = seconds // size * size
    return start, start + size


@dataclass
class Candle:
    start: int
    end: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = ZERO
    quote_volume: Decimal = ZERO
    trades: int = 0

    def add(self, price: Decimal, quantity: Decimal) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += quantity
        self.quote_volume += price * quantity
        self.trades += 1

    def rest_json(self) -> Dict[str, Any]:
        return {"start": iso_seconds(self.start, " "), "end": iso_seconds(self.end, " "),
                "open": fmt(self.open), "high": fmt(self.high), "low": fmt(self.low),
                "close": fmt(self.close), "volume": fmt(self.volume),
                "quoteVolume": fmt(self.quote_volume), "trades": str(self.trades)}

    def ws_json(self, symbol: str, event_us: int, closed: bool) -> Dict[str, Any]:
        """Prices and volume at the stream's own scales ("3680.520000000", "62.2621000"), unlike REST rows."""
        def price(value: Decimal) -> str:
            return fixed(value, KLINE_PRICE_PLACES)
        return {"e": "kline", "E": event_us, "s": symbol, "t": iso_seconds(self.start),
                "T": iso_seconds(self.end), "o": price(self.open), "c": price(self.close),
                "h": price(self.high), "l": price(self.low), "v": fixed(self.volume, KLINE_VOLUME_PLACES),
                "n": self.trades, "X": closed}


def empty_rest_json(start: int, end: int) -> Dict[str, Any]:
    """A bucket without trades (official type: ``open``/``high``/``low``/``close`` are optional)."""
    return {"start": iso_seconds(start, " "), "end": iso_seconds(end, " "), "open": None, "high": None,
            "low": None, "close": None, "volume": "0", "quoteVolume": "0", "trades": "0"}


class KlineStore:
    def __init__(self) -> None:
        self._series: Dict[Tuple[str, str], "OrderedDict[int, Candle]"] = {}
        self.dirty: Set[Tuple[str, str]] = set()
        self.history = None  # a kline_history.KlineHistory: candles from before the server started

    def _candles_at(self, symbol: str, ms: int, price: Decimal) -> Iterator[Tuple[str, Candle]]:
        """(interval, candle holding `ms`) for every interval; a new candle opens at `price`."""
        seconds = ms // 1000
        for interval in INTERVAL_SECONDS:
            start, end = bucket_bounds(interval, seconds)
            series = self._series.setdefault((symbol, interval), OrderedDict())
            candle = series.get(start)
            if candle is None:
                candle = series[start] = Candle(start, end, price, price, price, price)
                while len(series) > MAX_BUCKETS:
                    series.popitem(last=False)
            yield interval, candle

    def add_trade(self, symbol: str, price: Decimal, quantity: Decimal, ms: int) -> None:
        for interval, candle in self._candles_at(symbol, ms, price):
            candle.add(price, quantity)
            self.dirty.add((symbol, interval))

    def candles(self, symbol: str, interval: str, start_s: int, end_s: int) -> List[Candle]:
        """REST klines: the history (when enabled) up to the start, then the candles of real trades."""
        series = self._series.get((symbol, interval), {})
        first = bucket_bounds(interval, start_s)[0]
        real = [c for s, c in series.items() if first <= s < end_s]
        if self.history is None:
            return real
        known = {c.start for c in real}
        older = [c for c in self.history.candles(symbol, interval, start_s, end_s) if c.start not in known]
        return sorted(older + real, key=lambda c: c.start)

    def rest_rows(self, symbol: str, interval: str, start_s: int, end_s: int, now_s: int) -> List[Dict[str, Any]]:
        """``GET /api/v1/klines`` rows: like Backpack, a bucket without trades inside the range (from the
        first candle on, up to now) is listed with null open/high/low/close and zero volume."""
        candles = {c.start: c for c in self.candles(symbol, interval, start_s, end_s)}
        if not candles:
            return []
        last_start = bucket_bounds(interval, min(end_s - 1, now_s))[0]
        rows: Deque[Dict[str, Any]] = deque(maxlen=MAX_REST_ROWS)  # the newest ones of a longer window
        start = min(candles)
        while start <= last_start:
            bucket_end = bucket_bounds(interval, start)[1]
            candle = candles.get(start)
            rows.append(candle.rest_json() if candle is not None else empty_rest_json(start, bucket_end))
            start = bucket_end
        return list(rows)

    def candle_at(self, symbol: str, interval: str, seconds: int) -> Optional[Candle]:
        series = self._series.get((symbol, interval))
        return series.get(bucket_bounds(interval, seconds)[0]) if series else None

    def candles_between(self, symbol: str, interval: str, first_start: int, before_start: int) -> List[Candle]:
        """The candles starting in [first_start, before_start), oldest first."""
        series = self._series.get((symbol, interval), {})
        return [c for s, c in series.items() if first_start <= s < before_start]

    def add_price(self, symbol: str, price: Decimal, ms: int) -> None:
        """A price sample (mark or index price klines): moves high/low/close, no volume or trades."""
        for _, candle in self._candles_at(symbol, ms, price):
            candle.high, candle.low, candle.close = max(candle.high, price), min(candle.low, price), price
