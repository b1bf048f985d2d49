"""The kline stream closes every candle, even when the once-a-second publisher runs late: a tick that
lands more than a second after the previous one must not skip the candle in between (a client
would otherwise fill that second with a flat candle although it had trades)."""
import unittest
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Dict, List, Tuple

from backpack_emulator.clock import Clock
from backpack_emulator.exchange import Exchange
from backpack_emulator.periodic import PeriodicTasks

STREAM = "kline.1s.SOL_USDC"


class SetClock(Clock):
    def __init__(self) -> None:
        super().__init__()
        self.ms = 1_700_000_000_000

    def now_ms(self) -> int:
        return self.ms

    def now_us(self) -> int:
        return self.ms * 1000


class RecordingSink:
    def __init__(self, streams: Tuple[str, ...]) -> None:
        self.streams = set(streams)
        self.frames: List[Tuple[str, Dict[str, Any]]] = []

    def wants(self, stream: str) -> bool:
        return stream in self.streams

    def wants_private(self, account: str) -> bool:
        return False

    def publish(self, stream: str, data: Dict[str, Any]) -> None:
        self.frames.append((stream, data))

    def publish_private(self, account: str, stream: str, symbol: str, data: Dict[str, Any]) -> None:
        pass


def start_of(frame: Dict[str, Any]) -> int:
    return int(datetime.strptime(frame["t"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


class PeriodicKlineTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = SetClock()
        self.exchange = Exchange(clock=self.clock)
        self.sink = RecordingSink((STREAM,))
        self.periodic = PeriodicTasks(self.exchange, self.sink)
        self.second = self.clock.ms // 1000

    def trade_at(self, second: int, price: str) -> None:
        self.clock.ms = second * 1000 + 500
        self.exchange.klines.add_trade("SOL_USDC", Decimal(price), Decimal("1"), self.clock.ms)

    def tick_at(self, seconds: float) -> None:
        self.clock.ms = int(seconds * 1000)
        self.periodic.tick(seconds)

    def closed(self) -> List[Tuple[int, str]]:
        """(start, open price) of the closed candles streamed; the stream pads prices ("180.000000000")."""
        return [(start_of(d), format(Decimal(d["o"]).normalize(), "f")) for s, d in self.sink.frames
                if s == STREAM and d["X"]]

    def test_a_late_tick_closes_every_candle_it_skipped(self):
        s = self.second
        self.trade_at(s, "180")
        self.tick_at(s + 0.9)
        self.trade_at(s + 1, "180.02")
        self.trade_at(s + 2, "180.05")
        self.tick_at(s + 3.1)  # 2.2 s later: candles s, s+1 and s+2 all closed meanwhile
        self.assertEqual([(s, "180"), (s + 1, "180.02"), (s + 2, "180.05")], self.closed())

    def test_a_new_subscriber_gets_no_backlog_of_old_candles(self):
        s = self.second
        self.trade_at(s, "180")
        self.tick_at(s + 0.9)
        self.sink.streams.clear()  # everybody unsubscribed
        self.trade_at(s + 1, "181")
        self.tick_at(s + 2.0)
        self.sink.streams.add(STREAM)
        self.trade_at(s + 5, "182")
        self.tick_at(s + 5.9)
        self.tick_at(s + 7.0)
        # Candle s closed while nobody listened; only what closed after subscribing is streamed.
        self.assertEqual([(s + 5, "182")], self.closed())


if __name__ == "__main__":
    unittest.main()
