"""steady-state REST usage: requests per minute by endpoint of a running connector with 1 and 10 pairs
and 5 open orders while its WS streams are healthy, against Backpack's 2000 requests/min budget.

Two in-process emulators (one per connector, so public requests are attributed too) run side by side;
the request logs are cleared once both connectors are ready and their orders open, then read after
`seconds`. Hummingbot polls balances and order status every 120 s while the private stream is healthy
(on the clock's 120 s boundaries), so the window should span at least one poll: 125 s by default."""
import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Tuple

from backpack_emulator.server import EmulatorServer

from bench.emulator_env import closes_http_session, connector_with_orders
from bench.report import Row
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS

OPEN_ORDERS = 5
BUDGET_PER_MIN = CONSTANTS.GLOBAL_REQUESTS_PER_MINUTE
TARGET_SHARE = 0.02


@dataclass(frozen=True)
class Usage:
    pairs: int
    seconds: float
    by_endpoint: Dict[str, int]

    @property
    def per_minute(self) -> float:
        return sum(self.by_endpoint.values()) * 60.0 / self.seconds

    def rows(self) -> List[Row]:
        share = self.per_minute / BUDGET_PER_MIN
        detail = ", ".join(f"{endpoint} {count * 60.0 / self.seconds:.1f}"
                           for endpoint, count in sorted(self.by_endpoint.items(), key=lambda kv: -kv[1]))
        return [Row("REST usage", f"{self.pairs} pair(s), {OPEN_ORDERS} open orders, {self.seconds:.0f} s window",
                    f"{self.per_minute:.1f} req/min = {share:.2%} of {BUDGET_PER_MIN}/min",
                    f"< {TARGET_SHARE:.0%}", "ok" if share < TARGET_SHARE else "MISSED"),
                Row("REST usage", f"{self.pairs} pair(s): req/min by endpoint", detail or "none")]


@dataclass(frozen=True)
class RestUsageResult:
    usages: List[Usage]

    def rows(self) -> List[Row]:
        return [row for usage in self.usages for row in usage.rows()]


def _count(server: EmulatorServer) -> Dict[str, int]:
    return dict(Counter(f"{e['method']} {e['path']}" for e in server.request_log.entries()))


async def _measure(pair_counts: Tuple[int, ...], seconds: float) -> List[Usage]:
    async with contextlib.AsyncExitStack() as stack:
        servers = [(await stack.enter_async_context(connector_with_orders(n, OPEN_ORDERS)))[0] for n in pair_counts]
        for server in servers:
            server.request_log.clear()
        await asyncio.sleep(seconds)
        return [Usage(n, seconds, _count(server)) for n, server in zip(pair_counts, servers)]


@closes_http_session
async def run(seconds: float = 60.0, pair_counts: Tuple[int, ...] = (1, 10)) -> RestUsageResult:
    return RestUsageResult(await _measure(pair_counts, seconds))
