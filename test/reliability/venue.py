"""One in-process emulator on 127.0.0.1 plus the REAL Backpack connectors pointed at it.

`Venue` starts an `EmulatorServer`, creates the spot and/or perp connector through the environment
variables (BACKPACK_REST_URL / BACKPACK_WS_URL), drives them like Hummingbot's clock does, records every
event they emit, and offers a counterparty that trades in-process against the connectors' orders.

With a `clock` (real_timings.VirtualClock) the connectors keep Hummingbot's real poll intervals, cache TTL
and timeouts, and are ticked with the clock's virtual time, which the test moves; without one they are ticked
with wall time and poll every `FAST_POLL_S`.
"""
import asyncio
import os
import time
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple
from unittest.mock import patch

from backpack_emulator.admin_client import AdminClient
from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.exchange_py_base import ExchangePyBase
from hummingbot.core.event.event_forwarder import EventForwarder
from hummingbot.core.event.events import MarketEvent
from hummingbot.core.web_assistant.connections.connections_factory import ConnectionsFactory
from test.reliability.report import SECRETS_USED
from test.waiting import wait_for  # noqa: F401 (re-exported for the reliability tests)

if TYPE_CHECKING:
    from test.reliability.real_timings import VirtualClock

PAIR = "SOL-USDC"
SPOT_SYMBOL = "SOL_USDC"
PERP_SYMBOL = "SOL_USDC_PERP"
FAST_POLL_S = 1.0  # status / balance polls every second (Hummingbot: 5 s or 120 s) to keep the suite short
STARTING_BALANCES = {"USDC": "100000", "SOL": "1000"}


async def close_shared_http_session() -> None:
    """Hummingbot's one aiohttp session is bound to the loop that made it; every test has its own loop."""
    factory = ConnectionsFactory()
    try:
        await factory.close()
    except Exception:
        factory._shared_client = None


def assert_no_refusals(test, server: EmulatorServer) -> None:
    """No request in the emulator's log was refused by its strict decoder, and no WS request was malformed."""
    test.assertEqual([], server.refusals(), "requests the live server's typed decoder would refuse")


class EventRecorder:
    """Every event a connector emits, in order, as (tag, event)."""

    def __init__(self, connector: ExchangePyBase):
        self.log: List[Tuple[MarketEvent, object]] = []
        self._forwarders = []
        for tag in MarketEvent:
            forwarder = EventForwarder(lambda event, tag=tag: self.log.append((tag, event)))
            self._forwarders.append(forwarder)
            connector.add_listener(tag, forwarder)

    def of(self, *tags: MarketEvent) -> List[object]:
        return [event for tag, event in self.log if tag in tags]


class Venue:
    def __init__(self, spot: bool = True, perp: bool = False, market_data: bool = False,
                 server_kwargs: Optional[Dict] = None, clock: Optional["VirtualClock"] = None):
        self.clock = clock  # None: wall time and FAST_POLL_S; else Hummingbot's real timings in virtual time
        self.api_key, self.api_secret = generate_keypair()
        self.taker_key, _ = generate_keypair()
        SECRETS_USED.add(self.api_secret)
        self.want_spot, self.want_perp = spot, perp
        self.server = EmulatorServer(
            host="127.0.0.1", port=0, seed=1, market_data=market_data, market_data_interval_s=3600.0,
            accounts={self.api_key: dict(STARTING_BALANCES),
                      self.taker_key: {"USDC": "10000000", "SOL": "100000"}}, **(server_kwargs or {}))
        self.spot: Optional[BackpackExchange] = None
        self.perp: Optional[BackpackPerpetualDerivative] = None
        self.events: Dict[str, EventRecorder] = {}
        self.other_bots_orders: Set[str] = set()  # exchange ids of orders another bot placed on the account
        self.admin: Optional[AdminClient] = None
        self._clock_task: Optional[asyncio.Task] = None

    @property
    def connectors(self) -> List[ExchangePyBase]:
        return [c for c in (self.spot, self.perp) if c is not None]

    async def start(self, wait_ready: bool = True):
        await close_shared_http_session()
        await self.server.start()
        if self.clock is not None:
            self.clock.attach_server(self.server)
        await self.start_connectors(wait_ready)

    async def start_connectors(self, wait_ready: bool = True):
        self.admin = AdminClient(self.server.rest_url)
        env = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, env):
            if self.want_spot:
                self.spot = BackpackExchange(self.api_key, self.api_secret, trading_pairs=[PAIR])
            if self.want_perp:
                self.perp = BackpackPerpetualDerivative(self.api_key, self.api_secret, trading_pairs=[PAIR])
        for connector in self.connectors:
            if self.clock is None:
                connector.SHORT_POLL_INTERVAL = connector.LONG_POLL_INTERVAL = FAST_POLL_S
            else:
                self.clock.attach(connector)
            self.events[connector.name] = EventRecorder(connector)
        self._clock_task = asyncio.ensure_future(self._drive_clock())
        for connector in self.connectors:
            await connector.start_network()
        if wait_ready:
            await self.wait_ready()

    async def wait_ready(self):
        for connector in self.connectors:
            await wait_for(lambda: connector.ready, f"{connector.name} to be ready", timeout=15)
        await wait_for(lambda: len(self.server.hub.private_subs.get(self.api_key, ())) == len(self.connectors),
                       "the private subscriptions")

    async def stop(self):
        for connector in self.connectors:
            await asyncio.wait_for(connector.stop_network(), 10)
        if self._clock_task is not None:
            self._clock_task.cancel()
            await asyncio.gather(self._clock_task, return_exceptions=True)
        if self.admin is not None:
            await self.admin.close()
        await asyncio.wait_for(self.server.stop(), 10)
        await close_shared_http_session()

    async def _drive_clock(self, period_s: float = 0.1):
        """What Hummingbot's clock does: current timestamp + tick (which triggers the status polls). In virtual
        time the timestamp stands still between the clock's moves (which tick themselves): ticks at the same
        moment trigger nothing, except the first poll after a (re)start of a connector's network."""
        while True:
            now = time.time() if self.clock is None else self.clock.now
            for connector in self.connectors:
                connector._set_current_timestamp(now)
                connector.tick(now)
            await asyncio.sleep(period_s)

    # ----- the other side of the market

    def counterparty(self, symbol: str, side: str, quantity: str, price: str, tif: str = "IOC"):
        """Another account takes (IOC) or makes (GTC) liquidity, in-process on the emulator."""
        return self.server.exchange.execute_order(self.taker_key, {
            "symbol": symbol, "side": side, "orderType": "Limit", "quantity": quantity, "price": price,
            "timeInForce": tif})

    def emulator_orders(self, symbol: Optional[str] = None) -> list:
        return [o for o in self.server.exchange.order_history.get(self.api_key, ())
                if symbol is None or o.symbol == symbol]

    def emulator_fills(self) -> List[dict]:
        return [fill for _, fill in self.server.exchange.fills.get(self.api_key, ())]

    def order_requests(self) -> List[dict]:
        return self.server.request_log.entries(path="/api/v1/order", method="POST")
