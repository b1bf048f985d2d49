"""memory: the connector process's RSS over a soak while the emulator (a subprocess, so its memory is not
counted) streams market data at a high rate. RSS is sampled every second; after a warm-up the
least-squares slope is reported (MB per minute) with the growth it projects over 10 minutes.
"No upward trend" is read as: projected 10-minute growth under 2% of the RSS."""
import asyncio
import time
from dataclasses import dataclass
from typing import List, Tuple

import psutil

from backpack_emulator.keys import generate_keypair

from bench.emulator_env import BIG_BALANCES, closes_http_session, create_connector, running_connector, spawn_emulator
from bench.report import Row, linear_slope

PAIRS = ["SOL-USDC", "BTC-USDC"]
SPEED = 25.0  # generator steps 25x faster than the emulator's default (0.2 s -> 8 ms)
WARMUP_FRACTION = 0.2
TARGET_GROWTH = 0.02
MB = 1024 * 1024


@dataclass(frozen=True)
class MemoryResult:
    seconds: float
    samples: List[Tuple[float, float]]  # (seconds since start, RSS MB) after the warm-up
    diffs_per_second: float

    @property
    def slope_mb_per_min(self) -> float:
        return (linear_slope([t for t, _ in self.samples], [m for _, m in self.samples]) or 0.0) * 60.0

    @property
    def mean_rss_mb(self) -> float:
        return sum(m for _, m in self.samples) / len(self.samples)

    def rows(self) -> List[Row]:
        first, last = self.samples[0][1], self.samples[-1][1]
        growth_10min = self.slope_mb_per_min * 10
        share = growth_10min / self.mean_rss_mb
        return [Row("memory", f"{self.seconds:.0f} s soak, {self.diffs_per_second:,.0f} depth diffs/s applied",
                    f"RSS {first:.1f} -> {last:.1f} MB (mean {self.mean_rss_mb:.1f})"),
                Row("memory", "RSS slope after warm-up",
                    f"{self.slope_mb_per_min * 1024:+.1f} KB/min ({growth_10min:+.2f} MB per 10 min = {share:+.2%})",
                    f"< {TARGET_GROWTH:.0%} per 10 min", "ok" if share < TARGET_GROWTH else "MISSED")]


def _applied_diffs(connector) -> int:
    return sum(max(0, book.last_diff_uid) for book in connector.order_book_tracker.order_books.values())


@closes_http_session
async def run(seconds: float = 60.0, sample_every_s: float = 1.0, speed: float = SPEED) -> MemoryResult:
    api_key, api_secret = generate_keypair()
    process = psutil.Process()
    async with spawn_emulator({api_key: BIG_BALANCES}, speed=speed) as (rest_url, ws_url, _):
        connector = create_connector(rest_url, ws_url, api_key, api_secret, PAIRS)
        async with running_connector(connector):
            samples: List[Tuple[float, float]] = []
            diffs_at_start, started = _applied_diffs(connector), time.monotonic()
            while (elapsed := time.monotonic() - started) < seconds:
                samples.append((elapsed, process.memory_info().rss / MB))
                await asyncio.sleep(sample_every_s)
            diffs_per_second = (_applied_diffs(connector) - diffs_at_start) / (time.monotonic() - started)
    kept = [s for s in samples if s[0] >= seconds * WARMUP_FRACTION]
    return MemoryResult(seconds, kept if len(kept) >= 2 else samples, diffs_per_second)
