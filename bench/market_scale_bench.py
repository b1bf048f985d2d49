"""memory and CPU per market: a spot connector with 1, 10 and 100 trading pairs (books, public streams,
trackers) against the emulator CLI with that many markets (`--extra-markets`), its generator at its
default rate (every market's book moves 5 times a second, a trade in 30% of the steps). Each size runs
in a fresh worker process (`python -m bench.market_scale_bench --markets N --seconds S`: RSS does not
shrink after a connector stops) whose RSS and CPU time are the connector's alone (the emulator is a
subprocess of its own). The 1-market run is the baseline: cost per added market = (n - 1 markets) / (n - 1).
The emulator's own rate falls behind on a loaded machine at 100 markets (200 with the perps): the
depth update rate actually received is reported with each size, and the CPU per update. The largest
size also soaks: RSS sampled every second, least-squares slope after a 20% warm-up."""
import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MB = 1024 * 1024
WARMUP_S = 5.0
WARMUP_FRACTION = 0.2
TARGET_GROWTH = 0.02


@dataclass(frozen=True)
class SizeSample:
    markets: int
    seconds: float
    rss_before_mb: float  # worker with its imports, before the connector exists
    rss_mb: float  # mean over the window
    cpu_percent: float  # of one core, over the window
    diffs_per_second: float
    samples: List[Tuple[float, float]]

    @property
    def slope_mb_per_min(self) -> float:
        from bench.report import linear_slope
        kept = [s for s in self.samples if s[0] >= self.seconds * WARMUP_FRACTION] or self.samples
        return (linear_slope([t for t, _ in kept], [m for _, m in kept]) or 0.0) * 60.0


@dataclass(frozen=True)
class MarketScaleResult:
    sizes: List[SizeSample]

    def rows(self):
        from bench.report import Row
        base = self.sizes[0]
        rows = []
        for size in self.sizes:
            per_diff_us = size.cpu_percent / 100 / size.diffs_per_second * 1e6 if size.diffs_per_second else 0.0
            row = (f"RSS {size.rss_mb:.1f} MB (+{size.rss_mb - size.rss_before_mb:.1f} over the bare process), "
                   f"CPU {size.cpu_percent:.1f}% of a core, {size.diffs_per_second:,.0f} depth updates/s "
                   f"({per_diff_us:.0f} µs of CPU each)")
            if size is not base:
                added = size.markets - base.markets
                row += (f"; per added market: {(size.rss_mb - base.rss_mb) * 1024 / added:+.0f} KB, "
                        f"{(size.cpu_percent - base.cpu_percent) / added:+.2f}% CPU")
            rows.append(Row("markets", f"{size.markets} market(s), {size.seconds:.0f} s", row))
        soak = self.sizes[-1]
        growth_10min = soak.slope_mb_per_min * 10
        share = growth_10min / soak.rss_mb
        rows.append(Row("markets", f"soak at {soak.markets} markets: RSS slope after warm-up",
                        f"{soak.slope_mb_per_min * 1024:+.1f} KB/min "
                        f"({growth_10min:+.2f} MB per 10 min = {share:+.2%})",
                        f"< {TARGET_GROWTH:.0%} per 10 min", "ok" if share < TARGET_GROWTH else "MISSED"))
        return rows


async def _measure(markets: int, seconds: float) -> Dict:
    import psutil

    from backpack_emulator.keys import generate_keypair
    from bench.memory_bench import _applied_diffs
    from bench.emulator_env import (
        BIG_BALANCES,
        bench_pairs,
        close_shared_http_session,
        create_connector,
        running_connector,
        spawn_emulator,
        wait_for,
    )
    process = psutil.Process()
    api_key, api_secret = generate_keypair()
    await close_shared_http_session()
    async with spawn_emulator({api_key: BIG_BALANCES}, extra_markets=max(0, markets - 2)) as (rest_url, ws_url, _):
        rss_before = process.memory_info().rss / MB
        pairs = bench_pairs(markets)
        connector = create_connector(rest_url, ws_url, api_key, api_secret, pairs)
        async with running_connector(connector):
            books = connector.order_book_tracker.order_books
            await wait_for(lambda: all(books[p].last_diff_uid > 0 for p in pairs), "a diff on every book", 60)
            await asyncio.sleep(WARMUP_S)
            cpu_start, started = sum(process.cpu_times()[:2]), time.monotonic()
            diffs_start = _applied_diffs(connector)
            samples: List[Tuple[float, float]] = []
            while (elapsed := time.monotonic() - started) < seconds:
                samples.append((elapsed, process.memory_info().rss / MB))
                await asyncio.sleep(1.0)
            wall = time.monotonic() - started
            cpu = sum(process.cpu_times()[:2]) - cpu_start
            diffs = _applied_diffs(connector) - diffs_start
    await close_shared_http_session()
    return {"markets": markets, "seconds": seconds, "rss_before_mb": rss_before,
            "rss_mb": sum(m for _, m in samples) / len(samples), "cpu_percent": 100.0 * cpu / wall,
            "diffs_per_second": diffs / wall, "samples": samples}


async def _worker(markets: int, seconds: float) -> SizeSample:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.market_scale_bench", "--markets", str(markets), "--seconds", str(seconds),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"market scale worker ({markets} markets) exited with {process.returncode}")
    values = json.loads(out.decode().strip().splitlines()[-1])
    values["samples"] = [tuple(s) for s in values["samples"]]
    return SizeSample(**values)


async def run(sizes: Sequence[int] = (1, 10, 100), seconds: float = 20.0, soak_seconds: float = 60.0
              ) -> MarketScaleResult:
    samples = [await _worker(n, seconds) for n in sizes[:-1]]
    samples.append(await _worker(sizes[-1], max(seconds, soak_seconds)))
    return MarketScaleResult(samples)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.market_scale_bench", description="one size (a worker)")
    parser.add_argument("--markets", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)
    import conftest  # noqa: F401  (this working tree's connector, as in bench/__main__.py)
    result = asyncio.run(_measure(args.markets, args.seconds))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
