"""EmulatorServer: the aiohttp application (REST, WS, admin) around an :class:`Exchange`.

    server = EmulatorServer(host="127.0.0.1", port=0, seed=1, accounts={api_key: {"USDC": "10000"}})
    await server.start()   # server.rest_url == "http://127.0.0.1:<port>/", server.ws_url == ".../ws"
    ...
    await server.stop()

Pass ``exchange=old_server.exchange`` to start a new server on the old state (orders survive), and
``extra_markets=N`` for N synthetic spot markets and their perps besides the default four.
"""
import asyncio
import ipaddress
import json
import time
from typing import Any, Dict, List, Optional

from aiohttp import web

from backpack_emulator.admin import AdminApi
from backpack_emulator.clock import Clock
from backpack_emulator.events import NullSink
from backpack_emulator.exchange import Exchange
from backpack_emulator.faults import Faults
from backpack_emulator.kline_history import KlineHistory
from backpack_emulator.market_data import MarketDataGenerator
from backpack_emulator.markets import markets_with_extra
from backpack_emulator.params import SORT_DIRECTIONS
from backpack_emulator.periodic import PeriodicTasks
from backpack_emulator.request_log import RequestLog
from backpack_emulator.rest import RestApi, make_middleware
from backpack_emulator.ws import Connection, WsHub

PERIODIC_INTERVAL_S = 0.1


def check_loopback(host: str) -> str:
    """The emulator listens on loopback only: its /_admin/ API (accounts, balances, faults) has no auth."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the emulator listens on a loopback address only (e.g. 127.0.0.1), not {host!r}")
    return host


class EmulatorServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, seed: int = 1, market_data: bool = True,
                 accounts: Optional[Dict[str, Dict[str, Any]]] = None, funding_interval_s: float = 3600.0,
                 market_data_interval_s: float = 0.2, speed: float = 1.0, exchange: Optional[Exchange] = None,
                 ping_interval_s: float = 60.0, pong_timeout_s: float = 120.0,
                 history_default_sort: Optional[str] = None, extra_markets: int = 0) -> None:
        if speed <= 0 or market_data_interval_s <= 0 or funding_interval_s <= 0:
            raise ValueError("speed, market_data_interval_s and funding_interval_s must be positive")
        self.host = check_loopback(host)
        self.port = port
        self.seed = seed
        self.market_data = market_data
        self.market_data_interval_s = market_data_interval_s / speed
        self.clock = Clock()
        if exchange is None:
            exchange = Exchange(markets=markets_with_extra(extra_markets),
                                funding_interval_ms=max(1, int(funding_interval_s * 1000)))
        elif extra_markets:
            raise ValueError("extra_markets applies to a new exchange state, not to one passed in")
        exchange.clock = self.clock
        if history_default_sort is not None:
            if history_default_sort not in SORT_DIRECTIONS:
                raise ValueError(f"history_default_sort must be one of {SORT_DIRECTIONS}")
            exchange.history_default_sort = history_default_sort
        self.exchange = exchange
        self.faults = Faults()
        self.request_log = RequestLog()
        self.hub = WsHub(self.clock, self.faults, exchange.has_account, self._on_private_subscribe,
                         list(exchange.markets), ping_interval_s, pong_timeout_s)
        self.periodic = PeriodicTasks(exchange, self.hub)
        self.generator: Optional[MarketDataGenerator] = None
        self.market_data_paused = False  # tests may freeze the generated market to compare states
        self.stopping = asyncio.Event()
        self._runner: Optional[web.AppRunner] = None
        self._tasks: List[asyncio.Task] = []
        for api_key, balances in (accounts or {}).items():
            self.add_account(api_key, balances)

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    def add_account(self, api_key: str, balances: Dict[str, Any]) -> None:
        self.exchange.add_account(api_key, balances)

    def refusals(self) -> List[Dict[str, Any]]:
        """Requests the strict decoder refused (REST, from the request log) and malformed WS requests:
        tests that drive real clients assert there are none."""
        rest = [{"method": e["method"], "path": e["path"], "params": e["params"], "refusal": e["refusal"]}
                for e in self.request_log.entries() if e.get("refusal")]
        return rest + [{"ws": r["request"], "refusal": r["message"]} for r in self.hub.refusals]

    async def start(self) -> None:
        self.stopping = asyncio.Event()
        app = web.Application(middlewares=[make_middleware(self)], client_max_size=1 << 20)
        app.router.add_get("/ws", self.hub.handle)
        app.router.add_get("/", self._root)
        AdminApi(self).add_routes(app)
        RestApi(self).add_routes(app)
        self.exchange.sink = self.hub
        if self.market_data:
            if self.exchange.klines.history is None:
                self.exchange.klines.history = self._kline_history()
            self.generator = MarketDataGenerator(self.exchange, self.seed)
            self.generator.step()  # books are populated before the first request
        self.exchange.refresh_marks()
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the real port when 0 was asked for
        self._tasks = [asyncio.create_task(self._periodic_loop())]
        if self.generator is not None:
            self._tasks.append(asyncio.create_task(self._market_data_loop()))

    def _kline_history(self) -> KlineHistory:
        """History anchored now, at the prices the generated market starts from."""
        markets = self.exchange.markets.values()
        prices = {m.symbol: self.exchange.books[m.symbol].mid() or m.initial_price for m in markets}
        return KlineHistory(self.seed, self.clock.now_ms() // 1000, prices,
                            {m.symbol: m.tick_size for m in markets}, {m.symbol: m.step_size for m in markets})

    async def stop(self) -> None:
        self.stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.exchange.sink = NullSink()

    async def __aenter__(self) -> "EmulatorServer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.stop()

    async def _root(self, request: web.Request) -> web.StreamResponse:
        """``wss://ws.backpack.exchange/`` has no path: a WS upgrade on / is served too."""
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.hub.handle(request)
        return web.json_response({"code": "RESOURCE_NOT_FOUND", "message": "Not Found"}, status=404)

    async def _periodic_loop(self) -> None:
        while True:
            self.periodic.tick(time.monotonic())
            await asyncio.sleep(PERIODIC_INTERVAL_S)

    async def _market_data_loop(self) -> None:
        """Every market moves once per interval, one market at a time, evenly spread over the interval: a live
        exchange's markets move independently, so an order is not held behind the requotes of every market
        at once (all four default markets in one go blocked the server 1.6 ms at p50, 5 ms at p99)."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            markets = self.generator.markets
            slot = self.market_data_interval_s / max(1, len(markets))
            for market in markets:
                due = max(due + slot, loop.time())  # behind schedule: the next slot starts now, no catch-up burst
                await asyncio.sleep(due - loop.time())
                if not self.market_data_paused:
                    self.generator.step_market(market)

    def _on_private_subscribe(self, account: str, stream: str, connection: Connection) -> None:
        """``account.positionUpdate`` starts with the open positions, without an ``e`` field."""
        if not stream.startswith("account.positionUpdate"):
            return
        for position in self.exchange.open_positions(account):
            if stream in ("account.positionUpdate", f"account.positionUpdate.{position.symbol}"):
                data = self.exchange.position_event(position, None)
                connection.send(json.dumps({"stream": stream, "data": data}, separators=(",", ":")))
