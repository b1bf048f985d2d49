"""Time-driven work: mark/index refresh, the trigger orders' price watch and funding payments (every tick), the
once-a-second streams markPrice, ticker and kline (kline: current candle when it changed, then X=true on close for
every candle that closed since the last publish, so a late tick never skips one),
and openInterest once a minute."""
from typing import Dict, Optional, Tuple

from backpack_emulator import market_views
from backpack_emulator.decimals import fmt
from backpack_emulator.events import EventSink
from backpack_emulator.exchange import Exchange
from backpack_emulator.klines import INTERVAL_SECONDS, bucket_bounds


class PeriodicTasks:
    def __init__(self, exchange: Exchange, sink: EventSink) -> None:
        self.exchange = exchange
        self.sink = sink
        self._last_stream_s: Optional[float] = None
        self._last_open_interest_s: Optional[float] = None
        self._open_start: Dict[Tuple[str, str], int] = {}

    def tick(self, now_s: float) -> None:
        self.exchange.refresh_marks()
        self.exchange.triggers.check_all()  # mark and index prices moved: pending trigger orders may fire
        self.exchange.run_funding()
        if self._last_stream_s is None or now_s - self._last_stream_s >= 1.0:
            self._last_stream_s = now_s
            self._mark_prices()
            self._tickers()
            self._klines()
        if self._last_open_interest_s is None or now_s - self._last_open_interest_s >= 60.0:
            self._last_open_interest_s = now_s
            self._open_interest()

    def _mark_prices(self) -> None:
        ex = self.exchange
        for symbol, market in ex.markets.items():
            stream = f"markPrice.{symbol}"
            if market.is_perp and self.sink.wants(stream):
                now_us = ex.clock.now_us()
                self.sink.publish(stream, {"e": "markPrice", "E": now_us, "s": symbol, "p": fmt(ex.marks[symbol]),
                                           "f": fmt(ex.funding_rate(symbol)), "i": fmt(ex.indexes[symbol]),
                                           "n": ex.next_funding(symbol), "T": now_us})

    def _open_interest(self) -> None:
        ex = self.exchange
        for row in market_views.open_interest(ex, {}):
            stream = f"openInterest.{row['symbol']}"
            if self.sink.wants(stream):
                self.sink.publish(stream, {"e": "openInterest", "E": ex.clock.now_us(), "s": row["symbol"],
                                           "o": row["openInterest"]})

    def _tickers(self) -> None:
        ex = self.exchange
        for symbol in ex.markets:
            stream = f"ticker.{symbol}"
            if self.sink.wants(stream):
                stats = market_views.ticker(ex, symbol)
                now_us = ex.clock.now_us()
                self.sink.publish(stream, {"e": "ticker", "E": now_us, "s": symbol, "o": stats["firstPrice"],
                                           "c": stats["lastPrice"], "h": stats["high"], "l": stats["low"],
                                           "v": stats["volume"], "V": stats["quoteVolume"],
                                           "n": int(stats["trades"])})

    def _klines(self) -> None:
        ex = self.exchange
        now_s = ex.clock.now_ms() // 1000
        dirty = ex.klines.dirty
        for symbol in ex.markets:
            for interval in INTERVAL_SECONDS:
                stream = f"kline.{interval}.{symbol}"
                key = (symbol, interval)
                if not self.sink.wants(stream):
                    self._open_start.pop(key, None)  # a later subscriber starts fresh, without a backlog
                    continue
                current = bucket_bounds(interval, now_s)[0]
                previous = self._open_start.get(key)
                if previous is not None and previous < current:
                    for closed in ex.klines.candles_between(symbol, interval, previous, current):
                        self.sink.publish(stream, closed.ws_json(symbol, ex.clock.now_us(), True))
                self._open_start[key] = current
                candle = ex.klines.candle_at(symbol, interval, now_s)
                if key in dirty and candle is not None:
                    self.sink.publish(stream, candle.ws_json(symbol, ex.clock.now_us(), False))
        dirty.clear()
