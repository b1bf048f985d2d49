"""startup at a real bot's scale: a spot and a perp connector of ONE account start together with N trading
pairs each (default 100) against the emulator CLI in a subprocess with N-2 synthetic markets
(`--extra-markets`), its generator running at the default rate. Counted from the emulator's request log
over the start and a settle window after both are ready:
- depth snapshots (`GET /api/v1/depth`) per book: the target is one per pair;
- "Order book gap ... rebuilding" warnings logged by the connectors: the target is none;
- every REST request of the account during the start, against its 2000/min budget."""
import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List

from backpack_emulator.admin_client import AdminClient
from backpack_emulator.keys import generate_keypair

from bench.emulator_env import (
    BIG_BALANCES,
    bench_pairs,
    closes_http_session,
    create_connector,
    running_connectors,
    spawn_emulator,
)
from bench.report import Row
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS

DEPTH_PATH = "/" + CONSTANTS.DEPTH_PATH_URL
GAP_WARNING = "Order book gap"


class _GapCounter(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord):
        if GAP_WARNING in record.getMessage():
            self.count += 1


@dataclass(frozen=True)
class ScaleStartupResult:
    pairs: int
    seconds_to_ready: float
    snapshots: Dict[str, int]  # "spot" / "perp" -> depth snapshots taken
    gap_warnings: int
    requests: int  # every REST request of the account, start + settle window
    window_s: float
    by_endpoint: Dict[str, int]

    def rows(self) -> List[Row]:
        rows = []
        for kind in ("spot", "perp"):
            per_pair = self.snapshots[kind] / self.pairs
            rows.append(Row("startup at scale", f"{self.pairs} {kind} pairs: depth snapshots",
                            f"{self.snapshots[kind]} = {per_pair:.2f} per pair", "1 per pair",
                            "ok" if self.snapshots[kind] == self.pairs else "MISSED"))
        rows.append(Row("startup at scale", f"{self.pairs} spot + {self.pairs} perp pairs: gap warnings",
                        str(self.gap_warnings), "0", "ok" if self.gap_warnings == 0 else "MISSED"))
        share = self.requests / CONSTANTS.GLOBAL_REQUESTS_PER_MINUTE
        top = ", ".join(f"{e} {n}" for e, n in sorted(self.by_endpoint.items(), key=lambda kv: -kv[1])[:5])
        rows.append(Row("startup at scale", f"REST requests, start -> ready + settle ({self.window_s:.0f} s), "
                                            f"both connectors ready in {self.seconds_to_ready:.1f} s",
                        f"{self.requests} = {share:.0%} of one minute's budget ({top})", "< 100%",
                        "ok" if share < 1 else "MISSED"))
        return rows


@closes_http_session
async def run(pairs: int = 100, settle_s: float = 5.0) -> ScaleStartupResult:
    api_key, api_secret = generate_keypair()
    counter = _GapCounter()
    logging.getLogger().addHandler(counter)
    try:
        async with spawn_emulator({api_key: BIG_BALANCES}, extra_markets=max(0, pairs - 2)) as (rest_url, ws_url, _):
            trading_pairs = bench_pairs(pairs)
            spot = create_connector(rest_url, ws_url, api_key, api_secret, trading_pairs)
            perp = create_connector(rest_url, ws_url, api_key, api_secret, trading_pairs, perp=True)
            async with AdminClient(rest_url) as admin:
                await admin.clear_requests()
                started = time.perf_counter()
                async with running_connectors([spot, perp]):
                    ready_s = time.perf_counter() - started
                    await asyncio.sleep(settle_s)
                    window_s = time.perf_counter() - started
                    logged = [e for e in await admin.requests() if e.get("apiKey") in (api_key, None)]
    finally:
        logging.getLogger().removeHandler(counter)
    depth = [e for e in logged if e["path"] == DEPTH_PATH]
    perp_snapshots = sum(1 for e in depth if str((e.get("params") or {}).get("symbol", "")).endswith("_PERP"))
    return ScaleStartupResult(
        pairs=pairs, seconds_to_ready=ready_s,
        snapshots={"spot": len(depth) - perp_snapshots, "perp": perp_snapshots},
        gap_warnings=counter.count, requests=len(logged), window_s=window_s,
        by_endpoint=dict(Counter(f"{e['method']} {e['path']}" for e in logged)))
