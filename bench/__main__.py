"""`make bench` (= `.venv/bin/python -m bench`): runs every benchmark of issue 7 in one process, prints
the table and writes bench/RESULTS.md with the machine description.

Every speed figure is a ratio against a floor measured in the same run, or a latency split into the
connector's and the emulator's share; nothing here is a pass/fail test. Everything runs on 127.0.0.1.
Quick by default (~8 minutes); `--soak-seconds 600 --rest-seconds 600` gives the full figures."""
import argparse
import asyncio
import datetime
import os
import sys
import time
from typing import Awaitable, Callable, Dict, List

import conftest  # noqa: F401  (measure this working tree's connector, exactly as the tests do)

from bench import (
    depth_bench,
    info_logging_bench,
    machine,
    market_scale_bench,
    memory_bench,
    order_polling_bench,
    rest_usage_bench,
    round_trip_bench,
    scale_startup_bench,
    sign_bench,
    startup_bench,
)
from bench.report import Row, markdown_table, text_table

RESULTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
BENCHES = ("depth", "sign", "round_trip", "info_logging", "startup", "scale_startup", "rest_usage", "order_polling", "memory",
           "markets")


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--diffs", type=int, default=20_000, help="depth diffs per pass (default 20000)")
    parser.add_argument("--signs", type=int, default=5_000, help="orders signed per pass (default 5000)")
    parser.add_argument("--orders", type=int, default=500, help="orders per round-trip kind (default 500)")
    parser.add_argument("--pairs", default="1,10,50", help="trading pair counts for startup (default 1,10,50)")
    parser.add_argument("--scale-pairs", type=int, default=100,
                        help="pairs of the spot and of the perp connector at startup at scale (default 100)")
    parser.add_argument("--rest-seconds", type=float, default=125.0,
                        help="steady-state REST window (default 125: one of Hummingbot's 120 s status polls)")
    parser.add_argument("--soak-seconds", type=float, default=60.0,
                        help="memory soaks' length (default 60; the issue's figure is 600)")
    parser.add_argument("--polling-seconds", type=float, default=30.0,
                        help="window of the order polling bench (default 30: six 5 s polls)")
    parser.add_argument("--market-sizes", default="1,10,100",
                        help="markets per run of the memory/CPU per market bench (default 1,10,100; the last soaks)")
    parser.add_argument("--market-seconds", type=float, default=20.0,
                        help="measuring window of each market size but the last (default 20)")
    parser.add_argument("--market-soak-seconds", type=float, default=None,
                        help="soak of the largest market size (default: --soak-seconds)")
    parser.add_argument("--only", default=",".join(BENCHES), help=f"comma-separated subset of {','.join(BENCHES)}")
    parser.add_argument("--no-write", action="store_true", help="print only; do not rewrite bench/RESULTS.md")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(BENCHES)
    if unknown:
        parser.error(f"unknown bench(es): {', '.join(sorted(unknown))}")
    if min(args.diffs, args.signs, args.orders, args.scale_pairs) < 1 or \
            min(args.rest_seconds, args.soak_seconds, args.polling_seconds, args.market_seconds) <= 0:
        parser.error("sizes and durations must be positive")
    return args


def bench_calls(args: argparse.Namespace) -> Dict[str, Callable[[], Awaitable]]:
    pair_counts = tuple(int(n) for n in args.pairs.split(","))
    return {
        "depth": lambda: depth_bench.run(args.diffs),
        "sign": lambda: sign_bench.run(args.signs),
        "round_trip": lambda: round_trip_bench.run(args.orders),
        "info_logging": lambda: info_logging_bench.run(),
        "startup": lambda: startup_bench.run(pair_counts),
        "scale_startup": lambda: scale_startup_bench.run(args.scale_pairs),
        "rest_usage": lambda: rest_usage_bench.run(args.rest_seconds),
        "order_polling": lambda: order_polling_bench.run(args.polling_seconds),
        "memory": lambda: memory_bench.run(args.soak_seconds),
        "markets": lambda: market_scale_bench.run(tuple(int(n) for n in args.market_sizes.split(",")),
                                                  args.market_seconds,
                                                  args.market_soak_seconds or args.soak_seconds),
    }


async def run_all(args: argparse.Namespace) -> List[Row]:
    rows: List[Row] = []
    calls = bench_calls(args)
    for name in args.only.split(","):
        started = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        result = await calls[name]()
        rows += result.rows()
        print(f"[bench] {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return rows


def results_markdown(rows: List[Row], argv: List[str], seconds: float) -> str:
    described = machine.describe()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Benchmark results", "",
             f"Written by `{' '.join(['python -m bench'] + argv)}` on {when} in {seconds:.0f} s.",
             "Ratios compare the connector with a floor measured in the same run (see the module docstrings",
             "in bench/ for what each floor is). Quick mode shortens the REST window and the memory soak.", "",
             "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in described.items()]
    lines += ["", "## Results", "", markdown_table(rows), ""]
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    rows = asyncio.run(run_all(args))
    elapsed = time.perf_counter() - started
    described = machine.describe()
    print(f"\n{described['cpu']}, {described['cores']} cores, Python {described['python']}, "
          f"hummingbot {described['hummingbot']}\n")
    print(text_table(rows))
    if not args.no_write:
        with open(RESULTS_PATH, "w") as results:
            results.write(results_markdown(rows, argv, elapsed))
        print(f"\nwritten to {os.path.relpath(RESULTS_PATH)} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
