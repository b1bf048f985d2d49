"""Emulator throughput: orders matched per second (in-process engine and over signed REST) and WS
messages published per second. Run: ``.venv/bin/python -m bench.emulator_bench [--seconds 3]``.

Figures only; no pass/fail here (speed targets live in bench/, never in timed tests)."""
import argparse
import asyncio
import base64
import json
import random
import time
from decimal import Decimal
from typing import Dict, List, Tuple

import aiohttp
from nacl.signing import SigningKey

from backpack_emulator.exchange import Exchange
from backpack_emulator.keys import generate_keypair
from backpack_emulator.market_data import MarketDataGenerator
from backpack_emulator.server import EmulatorServer

BALANCES = {"USDC": "1000000000", "SOL": "10000000", "BTC": "100000"}


def crossing_order(rng: random.Random) -> Dict[str, str]:
    """A small SOL_USDC order a few ticks through the touch: it matches, sometimes rests."""
    side = rng.choice(("Bid", "Ask"))
    ticks = rng.randint(-3, 8)
    price = Decimal("180") + (ticks if side == "Bid" else -ticks) * Decimal("0.01")
    return {"symbol": "SOL_USDC", "side": side, "orderType": "Limit", "price": str(price),
            "quantity": str(rng.randint(1, 200) * Decimal("0.01")), "timeInForce": rng.choice(("GTC", "IOC"))}


def bench_engine(seconds: float) -> Tuple[int, int, float]:
    """(orders, trades, elapsed) for the matching engine alone, refreshing the maker's book as it goes."""
    exchange = Exchange()
    generator = MarketDataGenerator(exchange, seed=7)
    generator.step()
    exchange.add_account("taker", BALANCES)
    rng = random.Random(1)
    orders = 0
    trades_at_start = exchange.trades_executed()
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(100):
            exchange.execute_order("taker", crossing_order(rng))
            orders += 1
        exchange.cancel_all("taker", "SOL_USDC")
        generator.step()
    return orders, exchange.trades_executed() - trades_at_start, time.perf_counter() - started


def signed_headers(api_key: str, signing_key: SigningKey, instruction: str, body: Dict[str, str]) -> Dict[str, str]:
    timestamp = int(time.time() * 1000)
    pairs = "&".join(f"{k}={body[k]}" for k in sorted(body))
    message = f"instruction={instruction}&{pairs}&timestamp={timestamp}&window=5000"
    signature = base64.b64encode(signing_key.sign(message.encode()).signature).decode()
    return {"X-API-Key": api_key, "X-Signature": signature, "X-Timestamp": str(timestamp), "X-Window": "5000",
            "Content-Type": "application/json; charset=utf-8"}


async def bench_rest(server: EmulatorServer, seconds: float, concurrency: int) -> Tuple[int, float, float]:
    """(orders, elapsed, mean emulator processing µs) of signed POST /api/v1/order over HTTP."""
    api_key, secret = generate_keypair()
    server.add_account(api_key, BALANCES)
    signing_key = SigningKey(base64.b64decode(secret))
    url = server.rest_url + "api/v1/order"
    processing: List[int] = []
    deadline = time.perf_counter() + seconds

    async def worker(seed: int) -> int:
        rng, done = random.Random(seed), 0
        async with aiohttp.ClientSession() as session:
            while time.perf_counter() < deadline:
                body = crossing_order(rng)
                body["timeInForce"] = "IOC"
                headers = signed_headers(api_key, signing_key, "orderExecute", body)
                async with session.post(url, data=json.dumps(body), headers=headers) as response:
                    await response.read()
                    processing.append(int(response.headers["X-Emulator-Processing-Us"]))
                    done += response.status == 200
        return done

    started = time.perf_counter()
    counts = await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return sum(counts), time.perf_counter() - started, sum(processing) / max(1, len(processing))


async def bench_ws(server: EmulatorServer, seconds: float, clients: int) -> Tuple[int, int, float]:
    """(messages published, messages received, elapsed) with ``clients`` sockets on every public
    depth/trade/bookTicker stream while the generator runs flat out."""
    streams = [f"{kind}.{symbol}" for symbol in server.exchange.markets for kind in ("depth", "trade", "bookTicker")]
    received = 0
    async with aiohttp.ClientSession() as session:
        sockets = [await session.ws_connect(server.ws_url) for _ in range(clients)]
        for ws in sockets:  # the documented SUBSCRIBE has no answer: the in-process hub shows it registered
            await ws.send_json({"method": "SUBSCRIBE", "params": streams})
        deadline = time.monotonic() + 10
        while not all(len(server.hub.public_subs.get(stream, ())) == clients for stream in streams):
            if time.monotonic() > deadline or server.hub.refusals:
                raise RuntimeError(f"the subscriptions did not register: {list(server.hub.refusals)[-1:]}")
            await asyncio.sleep(0.01)
        sent_before = server.hub.messages_sent
        started = time.perf_counter()

        async def reader(ws: aiohttp.ClientWebSocketResponse) -> int:
            count = 0
            while time.perf_counter() - started < seconds:
                try:
                    await ws.receive(timeout=0.5)
                    count += 1
                except asyncio.TimeoutError:
                    pass
            return count

        async def driver() -> None:
            while time.perf_counter() - started < seconds:
                for _ in range(20):
                    server.generator.step()
                await asyncio.sleep(0)

        results = await asyncio.gather(driver(), *(reader(ws) for ws in sockets))
        elapsed = time.perf_counter() - started
        received = sum(results[1:])
        published = server.hub.messages_sent - sent_before
        for ws in sockets:
            await ws.close()
    return published, received, elapsed


async def main_async(seconds: float, concurrency: int, clients: int) -> None:
    orders, trades, elapsed = bench_engine(seconds)
    rows = [("engine: orders matched /s (in-process)", f"{orders / elapsed:,.0f}",
             f"{orders} orders in {elapsed:.1f} s, with the maker requoting"),
            ("engine: trades (fills) /s", f"{trades / elapsed:,.0f}", "")]
    server = EmulatorServer(port=0, seed=1, market_data=True, market_data_interval_s=3600)
    await server.start()
    try:
        count, elapsed, mean_us = await bench_rest(server, seconds, concurrency)
        rows.append((f"REST: signed orders /s ({concurrency} clients)", f"{count / elapsed:,.0f}",
                     f"mean X-Emulator-Processing-Us {mean_us:,.0f}"))
        published, received, elapsed = await bench_ws(server, seconds, clients)
        rows.append((f"WS: messages published /s ({clients} sockets)", f"{published / elapsed:,.0f}",
                     f"received {received / elapsed:,.0f}/s by the clients"))
    finally:
        await server.stop()
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>10}  notes")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 30}")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>10}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measure (default 3)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent REST clients (default 8)")
    parser.add_argument("--clients", type=int, default=4, help="WS client sockets (default 4)")
    args = parser.parse_args()
    asyncio.run(main_async(args.seconds, args.concurrency, args.clients))


if __name__ == "__main__":
    main()
