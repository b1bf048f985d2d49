"""Emulator and connector plumbing shared by the benches that talk to a local emulator on 127.0.0.1.

- `spawn_emulator(...)`: the emulator CLI in a subprocess (so its CPU and memory are not the connector's);
- `many_markets_exchange(n)`: an in-process emulator state with `n` extra spot markets and their perps;
- `running_connector(...)` / `running_connectors(...)`: a `BackpackExchange` (or several) pointed at an
  emulator, started, ticked like Hummingbot's
  clock (1 s) and ready; stopped on exit (`closes_http_session` closes the shared HTTP session after a bench);
- `OrderWaiter`: awaits a connector's order events by client order id; `place_resting_orders(...)` uses it.
"""
import asyncio
import contextlib
import functools
import os
import signal
import sys
import time
from decimal import Decimal
from typing import AsyncIterator, Callable, Dict, List, Optional, Tuple
from unittest.mock import patch

from backpack_emulator.exchange import Exchange
from backpack_emulator.keys import generate_keypair
from backpack_emulator.markets import SYNTHETIC_PREFIX, markets_with_extra
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.event.event_forwarder import EventForwarder
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import close_shared_http_session, wait_for

LOOPBACK = "127.0.0.1"
TICK_S = 1.0  # Hummingbot's clock ticks once a second
BIG_BALANCES = {"USDC": "100000000", "SOL": "1000000", "BTC": "1000"}


# ----- emulator in a subprocess -----

@contextlib.asynccontextmanager
async def spawn_emulator(accounts: Dict[str, Dict[str, str]], speed: float = 1.0,
                         market_data: bool = True, extra_markets: int = 0) -> AsyncIterator[Tuple[str, str, int]]:
    """Yields (rest_url, ws_url, pid) of `python -m backpack_emulator` bound to 127.0.0.1."""
    args = [sys.executable, "-m", "backpack_emulator", "--host", LOOPBACK, "--port", "0", "--seed", "1",
            "--speed", str(speed), "--extra-markets", str(extra_markets)]
    for api_key, balances in accounts.items():
        args += ["--account", api_key + ":" + ",".join(f"{k}={v}" for k, v in balances.items())]
    if not market_data:
        args.append("--no-market-data")
    process = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                   cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        urls: Dict[str, str] = {}
        while len(urls) < 2:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode().strip()
            if not line:
                raise RuntimeError("the emulator exited before printing its URLs")
            key, _, value = line.partition("=")
            urls[key] = value
        yield urls["REST_URL"], urls["WS_URL"], process.pid
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()


# ----- in-process emulator state with many markets -----

def many_markets_exchange(extra_markets: int) -> Exchange:
    """Default markets plus the emulator's `extra_markets` synthetic spot markets SYN000_USDC... and their
    perps SYN000_USDC_PERP... (its generator quotes and trades them all)."""
    return Exchange(markets=markets_with_extra(extra_markets))


def bench_pairs(count: int) -> List[str]:
    """`count` trading pairs of a `many_markets_exchange` (SOL-USDC and BTC-USDC first); each is both a spot
    market and a perp (SYN000-USDC is SYN000_USDC and SYN000_USDC_PERP)."""
    pairs = ["SOL-USDC", "BTC-USDC"] + [f"{SYNTHETIC_PREFIX}{i:03d}-USDC" for i in range(max(0, count - 2))]
    return pairs[:count]


# ----- the connector -----

def create_connector(rest_url: str, ws_url: str, api_key: str, api_secret: str,
                     trading_pairs: List[str], perp: bool = False) -> BackpackExchange:
    """`backpack` (or `backpack_perpetual` with `perp`) pointed at an emulator."""
    env = {CONSTANTS.REST_URL_ENV_VAR: rest_url, CONSTANTS.WS_URL_ENV_VAR: ws_url}
    with patch.dict(os.environ, env):  # the connector reads its URLs when created
        if perp:
            return BackpackPerpetualDerivative(api_key, api_secret, trading_pairs=trading_pairs)
        return BackpackExchange(api_key, api_secret, trading_pairs=trading_pairs)


async def _tick_forever(connector: BackpackExchange):
    while True:
        now = time.time()
        connector._set_current_timestamp(now)
        connector.tick(now)
        await asyncio.sleep(TICK_S)


@contextlib.asynccontextmanager
async def running_connector(connector: BackpackExchange, ready_timeout: float = 120.0
                            ) -> AsyncIterator[BackpackExchange]:
    async with running_connectors([connector], ready_timeout):
        yield connector


@contextlib.asynccontextmanager
async def running_connectors(connectors: List[BackpackExchange], ready_timeout: float = 120.0
                             ) -> AsyncIterator[List[BackpackExchange]]:
    """Started together (as Hummingbot starts a bot's connectors), yielded once all are ready.

    The clock starts ticking once `start_network()` has returned, as a tick right after the start: a tick
    before it would be lost (`start_network` resets the status poll), and ready would wait for the next
    one, a second later, whatever the connector does (the balances come from that poll)."""
    tickers: List[asyncio.Future] = []
    try:
        await asyncio.gather(*(connector.start_network() for connector in connectors))
        tickers = [asyncio.ensure_future(_tick_forever(connector)) for connector in connectors]
        await wait_for(lambda: all(connector.ready for connector in connectors), "the connectors to be ready",
                       timeout=ready_timeout, step=0.01)
        yield connectors
    finally:
        for ticker in tickers:
            ticker.cancel()
        await asyncio.gather(*tickers, return_exceptions=True)
        await asyncio.gather(*(connector.stop_network() for connector in connectors))


def closes_http_session(bench: Callable) -> Callable:
    """Hummingbot keeps ONE aiohttp session per process, shared by every connector and bound to the event
    loop that created it: a bench drops one left by an earlier loop, and closes its own once all its
    connectors have stopped."""
    @functools.wraps(bench)
    async def wrapper(*args, **kwargs):
        await close_shared_http_session()
        try:
            return await bench(*args, **kwargs)
        finally:
            await close_shared_http_session()
    return wrapper


class OrderWaiter:
    """Resolves futures when a connector reports an order created / completed / cancelled / failed."""

    EVENTS = (MarketEvent.BuyOrderCreated, MarketEvent.SellOrderCreated, MarketEvent.BuyOrderCompleted,
              MarketEvent.SellOrderCompleted, MarketEvent.OrderCancelled, MarketEvent.OrderFailure)

    def __init__(self, connector: BackpackExchange):
        self._futures: Dict[Tuple[MarketEvent, str], asyncio.Future] = {}
        self.cpu_seen: Dict[Tuple[MarketEvent, str], float] = {}  # process_time() when the event came
        self._forwarders = []  # listeners are held weakly by the connector: keep them alive here
        for event in self.EVENTS:
            forwarder = EventForwarder(lambda e, tag=event: self._on_event(tag, e))
            self._forwarders.append(forwarder)
            connector.add_listener(event, forwarder)

    def _future(self, event: MarketEvent, order_id: str) -> asyncio.Future:
        return self._futures.setdefault((event, order_id), asyncio.get_running_loop().create_future())

    def _on_event(self, event: MarketEvent, payload) -> None:
        future = self._future(event, payload.order_id)
        if not future.done():
            future.set_result(time.perf_counter())
            self.cpu_seen[(event, payload.order_id)] = time.process_time()
        if event is MarketEvent.OrderFailure:  # whoever waits for this order learns it failed
            for (other, order_id), waiting in list(self._futures.items()):
                if order_id == payload.order_id and other is not event and not waiting.done():
                    waiting.set_exception(RuntimeError(f"order {order_id} failed"))

    async def wait(self, event: MarketEvent, order_id: str, timeout: float = 10.0) -> float:
        """perf_counter() at which `event` was reported for `order_id`."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._future(event, order_id)), timeout)
        finally:
            self._futures.pop((event, order_id), None)

    def forget(self, order_id: str, keep: Optional[MarketEvent] = None) -> None:
        for key in [k for k in self._futures if k[1] == order_id and k[0] is not keep]:
            self._futures.pop(key, None)
            self.cpu_seen.pop(key, None)


async def place_resting_orders(connector: BackpackExchange, pairs: List[str], count: int,
                               below: Decimal = Decimal("0.9")) -> None:
    """`count` buys of 0.1 at `below` x the best bid, round-robin over `pairs`, each awaited until OPEN."""
    waiter = OrderWaiter(connector)
    for index in range(count):
        pair = pairs[index % len(pairs)]
        price = connector.quantize_order_price(pair, Decimal(str(connector.get_price(pair, False))) * below)
        order_id = connector.buy(pair, Decimal("0.1"), OrderType.LIMIT, price)
        await waiter.wait(MarketEvent.BuyOrderCreated, order_id)


@contextlib.asynccontextmanager
async def connector_with_orders(pair_count: int, orders: int, below: Decimal = Decimal("0.9"),
                                market_data_interval_s: float = 0.2
                                ) -> AsyncIterator[Tuple[EmulatorServer, BackpackExchange]]:
    """An in-process emulator with `pair_count` markets (`bench_pairs`) and a running connector on them with
    `orders` resting buys (`place_resting_orders`)."""
    server = EmulatorServer(host=LOOPBACK, port=0, seed=1, exchange=many_markets_exchange(max(0, pair_count - 2)),
                            market_data_interval_s=market_data_interval_s)
    api_key, api_secret = generate_keypair()
    server.add_account(api_key, BIG_BALANCES)
    await server.start()
    try:
        pairs = bench_pairs(pair_count)
        connector = create_connector(server.rest_url, server.ws_url, api_key, api_secret, pairs)
        async with running_connector(connector):
            await place_resting_orders(connector, pairs, orders, below)
            yield server, connector
    finally:
        await server.stop()
