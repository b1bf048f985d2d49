"""The floor of `start_network()` -> ready: the least a Python client must do before it can trust its books
on Backpack. aiohttp only (no Hummingbot, nothing from the connector), one HTTP session already open:
`GET /api/v1/markets`, and at the same time one public WS connection with ONE `SUBSCRIBE` (the official
client's: no `id`, and Backpack documents no answer) for the depth and trade streams of every pair, its
first stream frame awaited (the subscription is live) or, on a quiet market that sends none, the same
`QUIET_MARKET_WAIT_S` as the connectors, then every pair's depth snapshot at once. A snapshot asked for
before that could miss diffs."""
import asyncio
import json
import time
from typing import List

import aiohttp

QUIET_MARKET_WAIT_S = 1.0  # what any client that sends the documented SUBSCRIBE must wait for a quiet market


async def _books(session: aiohttp.ClientSession, rest_url: str, ws_url: str, symbols: List[str]) -> None:
    streams = [f"{kind}.{symbol}" for symbol in symbols for kind in ("depth", "trade")]
    async with session.ws_connect(ws_url) as ws:
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": streams}))
        try:
            first = await ws.receive(timeout=QUIET_MARKET_WAIT_S)
        except asyncio.TimeoutError:
            first = None  # a quiet market: taken as live after the wait
        if first is not None and first.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"the public WS answered {first.type!r} to the SUBSCRIBE")

        async def snapshot(symbol: str) -> None:
            async with session.get(rest_url + "api/v1/depth", params={"symbol": symbol, "limit": "1000"}) as answer:
                book = await answer.json(content_type=None)
                int(book["lastUpdateId"])
        await asyncio.gather(*(snapshot(symbol) for symbol in symbols))


async def _markets(session: aiohttp.ClientSession, rest_url: str) -> None:
    async with session.get(rest_url + "api/v1/markets") as answer:
        await answer.json(content_type=None)


async def ready_floor_s(rest_url: str, ws_url: str, symbols: List[str], runs: int = 5) -> float:
    """Median over `runs` of the seconds until every book of `symbols` is known consistent."""
    rest_url = rest_url.rstrip("/") + "/"
    seconds = []
    async with aiohttp.ClientSession() as session:
        for _ in range(runs):
            started = time.perf_counter()
            await asyncio.gather(_books(session, rest_url, ws_url, symbols), _markets(session, rest_url))
            seconds.append(time.perf_counter() - started)
    return sorted(seconds)[len(seconds) // 2]
