"""startup: `start_network()` -> `ready` (books, rules, balances, private stream) for 1, 10 and 50 trading
pairs against an in-process emulator with enough spot markets. Also checks that the public streams of
all pairs travel on ONE WS connection subscribed with ONE batched SUBSCRIBE, and reports how the time
grows with pairs: exponent k of t(n) ~ n^k between the smallest and largest count (1 = linear;
the target asks for k < 0.8, clearly below linear, not just measurement noise under 1).

Ready against a floor measured in the same run (bench/startup_floor.py: a bare aiohttp client that
subscribes, awaits the first stream frame and takes every snapshot), twice per count: with the generator
running (diffs stream) and on a quiet market (generator paused: no stream frame at all, so the connector
and the floor both wait the documented SUBSCRIBE's 1 s before they trust the streams)."""
import math
import time
from dataclasses import dataclass
from typing import Dict, List, Sequence

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from bench.emulator_env import (
    BIG_BALANCES,
    LOOPBACK,
    bench_pairs,
    create_connector,
    many_markets_exchange,
    closes_http_session,
    running_connector,
)
from bench.report import Row
from bench.startup_floor import ready_floor_s

READY_FLOOR_LIMIT = 15.0  # Hummingbot's start (time sync, rules, balances, private stream) on top of the floor


class SubscribeCounter:
    """Counts SUBSCRIBE requests per WS connection of an in-process emulator (wraps its hub)."""

    def __init__(self, server: EmulatorServer):
        self.by_connection: Dict[int, int] = {}
        hub = server.hub
        original = hub._on_text

        def counting(connection, text: str):
            if '"SUBSCRIBE"' in text:
                self.by_connection[id(connection)] = self.by_connection.get(id(connection), 0) + 1
            original(connection, text)
        hub._on_text = counting


@dataclass(frozen=True)
class StartupSample:
    pairs: int
    seconds: float
    public_connections: int
    public_subscribes: int
    public_streams: int
    quiet_seconds: float  # the same start on a quiet market
    floor_seconds: float  # the floor client, streaming
    quiet_floor_seconds: float  # the floor client, quiet market


@dataclass(frozen=True)
class StartupResult:
    samples: List[StartupSample]

    @property
    def growth_exponent(self) -> float:
        first, last = self.samples[0], self.samples[-1]
        return math.log(last.seconds / first.seconds) / math.log(last.pairs / first.pairs)

    def rows(self) -> List[Row]:
        rows = [Row("startup", f"{s.pairs} pairs: start_network -> ready",
                    f"{s.seconds:.2f} s ({s.public_connections} public WS, {s.public_subscribes} SUBSCRIBE, "
                    f"{s.public_streams} streams)",
                    "1 WS, 1 SUBSCRIBE",
                    "ok" if (s.public_connections, s.public_subscribes) == (1, 1) else "MISSED")
                for s in self.samples]
        for s in self.samples:
            busy, quiet = s.seconds / s.floor_seconds, s.quiet_seconds / s.quiet_floor_seconds
            rows.append(Row("startup", f"{s.pairs} pairs: ready / floor (aiohttp: markets, SUBSCRIBE live, "
                                       f"{s.pairs} snapshots: {s.floor_seconds * 1000:.1f} ms streaming, "
                                       f"{s.quiet_floor_seconds * 1000:.1f} ms quiet)",
                            f"{busy:.1f}x streaming, {quiet:.1f}x quiet market (ready in {s.quiet_seconds:.2f} s)",
                            f"<= {READY_FLOOR_LIMIT:.0f}x",
                            "ok" if max(busy, quiet) <= READY_FLOOR_LIMIT else "MISSED"))
        k = self.growth_exponent
        rows.append(Row("startup", f"growth t(n) ~ n^k, {self.samples[0].pairs}->{self.samples[-1].pairs} pairs",
                        f"k = {k:.2f}", "k < 0.8 (clearly sub-linear)", "ok" if k < 0.8 else "MISSED"))
        return rows


@closes_http_session
async def run(pair_counts: Sequence[int] = (1, 10, 50)) -> StartupResult:
    exchange = many_markets_exchange(max(pair_counts))
    server = EmulatorServer(host=LOOPBACK, port=0, seed=1, exchange=exchange, market_data_interval_s=0.2)
    counter = SubscribeCounter(server)
    samples = []
    await server.start()
    try:
        for count in pair_counts:
            pairs = bench_pairs(count)
            counter.by_connection.clear()
            symbols = [p.replace("-", "_") for p in pairs]
            elapsed, public = await _start(server, pairs)
            public_subscribes = sum(counter.by_connection.get(id(c), 0) for c in public)
            floor = await ready_floor_s(server.rest_url, server.ws_url, symbols)
            server.market_data_paused = True
            try:
                quiet_elapsed, _ = await _start(server, pairs)
                quiet_floor = await ready_floor_s(server.rest_url, server.ws_url, symbols, runs=1)
            finally:
                server.market_data_paused = False
            samples.append(StartupSample(count, elapsed, len(public), public_subscribes,
                                         sum(len(c.public) for c in public), quiet_elapsed, floor, quiet_floor))
    finally:
        await server.stop()
    return StartupResult(samples)


async def _start(server: EmulatorServer, pairs: List[str]):
    """Seconds from `start_network()` to ready of a fresh account's connector, and the public WS connections
    seen while it was ready."""
    api_key, api_secret = generate_keypair()
    server.add_account(api_key, BIG_BALANCES)
    connector = create_connector(server.rest_url, server.ws_url, api_key, api_secret, pairs)
    started = time.perf_counter()
    async with running_connector(connector):
        elapsed = time.perf_counter() - started
        public = [c for c in server.hub.connections if c.public]
    return elapsed, public
