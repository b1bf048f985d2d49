"""REST routes under /api/v1 and /wapi/v1, plus the middleware that applies per-request faults,
writes the request log and adds ``X-Emulator-Processing-Us`` (time spent inside the emulator,
injected delays excluded) to every response. Every request is decoded strictly first
(request_schema.py): what the live server's typed decoder refuses is refused here too."""
import asyncio
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from aiohttp import web

from backpack_emulator import account_views, market_views, public_views, signing
from backpack_emulator.errors import UNKNOWN_ERROR_MESSAGE, ApiError, bad_request, not_found
from backpack_emulator.order_request import order_selector
from backpack_emulator.request_schema import check_request, refusal
from backpack_emulator.responses import error_response, json_response, text_response
from backpack_emulator.server_context import ServerContext

LOGGER = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PROCESSING_HEADER = "X-Emulator-Processing-Us"
BODY_METHODS = ("POST", "DELETE", "PATCH")
NO_CONTENT = 204


def _loggable(params: Any) -> Any:
    if params is None:
        return None
    if hasattr(params, "items") and not isinstance(params, dict):  # query MultiDict
        params = dict(params.items())
    return json.loads(json.dumps(params, default=str))


class RestApi:
    def __init__(self, server: ServerContext) -> None:
        self.server = server

    @property
    def exchange(self):
        return self.server.exchange

    def add_routes(self, app: web.Application) -> None:
        get, post, delete, patch = app.router.add_get, app.router.add_post, app.router.add_delete, app.router.add_patch
        public: Dict[str, Callable[[web.Request], Any]] = {
            "/api/v1/status": lambda r: {"status": "Ok", "message": None},
            "/api/v1/markets": lambda r: public_views.markets(self.exchange, r.query),
            "/api/v1/market": lambda r: public_views.market(self.exchange, r.query.get("symbol")),
            "/api/v1/assets": lambda r: public_views.assets(self.exchange),
            "/api/v1/securities": lambda r: public_views.securities(self.exchange),
            "/api/v1/collateral": lambda r: public_views.collateral_parameters(self.exchange),
            "/api/v1/ticker": lambda r: market_views.ticker(self.exchange, self.exchange.market(r.query.get("symbol")).symbol,
                                                     market_views.ticker_interval(r.query)),
            "/api/v1/tickers": lambda r: [market_views.ticker(self.exchange, s, market_views.ticker_interval(r.query))
                                          for s in self.exchange.markets],
            "/api/v1/depth": lambda r: market_views.depth(self.exchange, r.query),
            "/api/v1/trades": lambda r: market_views.trades(self.exchange, r.query),
            "/api/v1/trades/history": lambda r: market_views.trades(self.exchange, r.query),
            "/api/v1/klines": lambda r: market_views.klines(self.exchange, r.query),
            "/api/v1/markPrices": lambda r: market_views.mark_prices(self.exchange, r.query),
            "/api/v1/fundingRates": lambda r: market_views.funding_rates(self.exchange, r.query),
            "/api/v1/openInterest": lambda r: market_views.open_interest(self.exchange, r.query),
        }
        for path, build in public.items():
            get(path, self._public(build))
        get("/api/v1/ping", self._public(lambda r: "pong", text=True))
        get("/api/v1/time", self._public(lambda r: str(self.server.clock.now_ms()), text=True))
        private = {
            ("GET", "/api/v1/account"): lambda r, a, p: account_views.account_info(self.exchange, a),
            ("PATCH", "/api/v1/account"): self.update_account,
            ("GET", "/api/v1/capital"): lambda r, a, p: account_views.capital(self.exchange, a),
            ("GET", "/api/v1/capital/collateral"): lambda r, a, p: account_views.collateral(self.exchange, a),
            ("GET", "/api/v1/borrowLend/positions"): lambda r, a, p: self.exchange.lending.positions_json(a),
            ("POST", "/api/v1/borrowLend"): lambda r, a, p: self.exchange.lending.execute(a, p),
            ("GET", "/api/v1/order"): self.get_order,
            ("POST", "/api/v1/order"): lambda r, a, p: self.exchange.execute_order(a, p).rest_json(),
            ("DELETE", "/api/v1/order"): self.cancel_order,
            ("GET", "/api/v1/orders"): lambda r, a, p: account_views.open_orders(self.exchange, a, p),
            ("POST", "/api/v1/orders"): lambda r, a, p: self.exchange.execute_batch(a, p),
            ("DELETE", "/api/v1/orders"): self.cancel_all,
            ("GET", "/api/v1/position"): lambda r, a, p: account_views.positions(self.exchange, a, p),
            ("GET", "/wapi/v1/history/fills"): lambda r, a, p: account_views.fill_history(self.exchange, a, p),
            ("GET", "/wapi/v1/history/orders"): lambda r, a, p: account_views.order_history(
                self.exchange, a, p, lag_ms=int(self.server.faults.order_history_lag_s * 1000)),
            ("GET", "/wapi/v1/history/funding"): lambda r, a, p: account_views.funding_history(self.exchange, a, p),
        }
        adders = {"GET": get, "POST": post, "DELETE": delete, "PATCH": patch}
        for (method, path), build in private.items():
            adders[method](path, self._private(signing.INSTRUCTIONS[(method, path)], build))

    # ----- wrappers
    @staticmethod
    def _public(build: Callable[[web.Request], Any], text: bool = False) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            request["params"] = request.query
            check_request(request.method, request.path, request.query, None)
            result = build(request)
            return text_response(result) if text else json_response(result)
        return handler

    def _private(self, instruction: str, build: Callable[[web.Request, str, Any], Any]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            account, params = await self._authenticate(request, instruction)
            faults = self.server.faults
            if faults.take_late_create(request.method, request.path):
                return await self._register_late(request, build, account, params)
            if faults.take_accepted_cancel(request.method, request.path):
                if faults.accepted_cancel_delay_s is not None:  # None: accepted, but never executed
                    self._later(faults.accepted_cancel_delay_s, lambda: build(request, account, params))
                return web.Response(status=202)  # "accepted, not yet executed": no body
            result = build(request, account, params)
            if request.method == "POST" and self.server.faults.take_hang(request.method, request.path):
                return await self._never_answer(request, result)
            if result is None:
                return web.Response(status=200)
            return json_response(result)
        return handler

    async def _authenticate(self, request: web.Request, instruction: str) -> Tuple[str, Any]:
        request["instruction"] = instruction
        params: Any = request.query
        body: Any = None
        if request.method in BODY_METHODS:
            raw = await request.read() if request.can_read_body else b""
            try:
                body = signing.parse_json_body(raw) if raw.strip() else {}
            except ValueError as error:
                raise refusal(f"parse request payload error: {error}")
            params = body
        request["params"] = params
        check_request(request.method, request.path, request.query, body, self.exchange.markets)
        headers = request.headers
        api_key = headers.get("X-API-Key")
        request["api_key"] = api_key
        signed = list(params.items()) if body is None else params
        signing.verify(api_key, headers.get("X-Signature"), headers.get("X-Timestamp"), headers.get("X-Window"),
                       instruction, signed, self.server.clock.now_ms())
        if not self.exchange.has_account(api_key):
            raise ApiError(401, "UNAUTHORIZED", "Unknown API key")
        return api_key, params

    def _later(self, delay_s: float, command: Callable[[], Any]) -> None:
        """Runs an accepted command in the engine later; its refusal (an ApiError) changes nothing."""
        def run() -> None:
            try:
                command()
            except ApiError:
                pass
        asyncio.get_running_loop().call_later(delay_s, run)

    async def _register_late(self, request: web.Request, build: Callable[[web.Request, str, Any], Any],
                             account: str, params: Any) -> web.StreamResponse:
        """Fault: the create is accepted but reaches the matching engine late; the client gets a 503 (or no
        answer). The engine refuses a command whose signature window (X-Timestamp + X-Window) has ended."""
        faults, clock = self.server.faults, self.server.clock
        expires_ms = int(request.headers["X-Timestamp"]) + int(request.headers.get("X-Window") or
                                                                signing.DEFAULT_WINDOW_MS)

        def register() -> None:
            if clock.now_ms() > expires_ms:
                faults.late_refused += 1
                return
            faults.late_registered += 1
            build(request, account, params)
        self._later(faults.late_after_s, register)
        if faults.late_answer == "hang":
            return await self._never_answer(request, None, faults.late_after_s)
        return error_response(ApiError(503, "SERVICE_UNAVAILABLE", UNKNOWN_ERROR_MESSAGE))

    async def _never_answer(self, request: web.Request, result: Any,
                            seconds: Optional[float] = None) -> web.StreamResponse:
        """Fault: the order exists (or will) but the client never hears back; the connection is held open
        (until the server stops, or for `seconds` / the hang fault's seconds, then dropped)."""
        request["hung"] = True
        log_request(self.server, request, None, 0, response=result)
        try:
            await asyncio.wait_for(self.server.stopping.wait(),
                                   seconds if seconds is not None else self.server.faults.hang_seconds)
        except asyncio.TimeoutError:
            pass  # the connection drops without an answer
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=503)

    # ----- handlers with logic of their own
    def get_order(self, request: web.Request, account: str, params: Any) -> Any:
        market = self.exchange.market(params.get("symbol"))
        order_id, client_id = order_selector(params)
        order = self.exchange.find_open(account, market.symbol, order_id, client_id)
        if order is None:
            raise not_found()
        return order.rest_json()

    def cancel_order(self, request: web.Request, account: str, params: Any) -> Any:
        if not isinstance(params, dict):
            raise bad_request("Invalid cancel payload: expected a JSON object")
        order_id, client_id = order_selector(params)
        return self.exchange.cancel_order(account, params.get("symbol"), order_id, client_id).rest_json()

    def cancel_all(self, request: web.Request, account: str, params: Any) -> Any:
        if not isinstance(params, dict):
            raise bad_request("Invalid cancel payload: expected a JSON object")
        # RestingLimitOrder: resting orders only; ConditionalOrder: pending trigger orders only; neither: both.
        kind, symbol = params.get("orderType"), params.get("symbol")
        resting = self.exchange.cancel_all(account, symbol) if kind != "ConditionalOrder" else []
        market = self.exchange.market(symbol)
        conditional = self.exchange.triggers.cancel_all(account, market.symbol) if kind != "RestingLimitOrder" else []
        return [o.rest_json() for o in resting + conditional]

    def update_account(self, request: web.Request, account: str, params: Any) -> Optional[Any]:
        account_views.update_account(self.exchange, account, params)
        return None


def log_request(server: ServerContext, request: web.Request, status: Optional[int], elapsed_us: int,
                response: Any = None) -> None:
    server.request_log.add({
        "method": request.method, "path": request.path,
        "apiKey": request.get("api_key") or request.headers.get("X-API-Key"),
        "instruction": request.get("instruction"), "params": _loggable(request.get("params", dict(request.query) or None)),
        "status": status, "hung": bool(request.get("hung")), "response": _loggable(response),
        "refusal": request.get("refusal"),
        "time": server.clock.now_ms(), "processingUs": elapsed_us})


def make_middleware(server: ServerContext) -> Callable:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_admin/") or request.headers.get("Upgrade", "").lower() == "websocket":
            return await handler(request)
        started = time.perf_counter_ns()
        method, path = request.method, request.path
        failure = server.faults.take_failure(method, path)
        try:
            if failure is None:
                response = await handler(request)
            elif failure.status == NO_CONTENT:  # an answer without a body, e.g. GET /api/v1/ticker
                response = web.Response(status=NO_CONTENT)
            else:
                response = error_response(failure)
        except ApiError as error:
            if error.malformed:  # the typed decoder refused the request (tests assert there are none)
                request["refusal"] = error.message
            response = error_response(error)
        except web.HTTPException as http_error:
            if http_error.status == 404:
                response = error_response(not_found())
            elif http_error.status == 405:
                response = error_response(ApiError(405, "INVALID_CLIENT_REQUEST", "Method not allowed"))
            else:
                raise
        except Exception:  # an emulator bug still answers in Backpack's error format
            LOGGER.exception("unexpected error on %s %s", method, path)
            response = error_response(ApiError(500, "SERVER_ERROR", "Internal server error"))
        elapsed_us = (time.perf_counter_ns() - started) // 1000
        if not request.get("hung"):
            response.headers[PROCESSING_HEADER] = str(elapsed_us)
        if not request.get("hung"):
            log_request(server, request, response.status, elapsed_us)
        delay = server.faults.delay_for(method, path)
        if delay > 0:
            await asyncio.sleep(delay)
        return response
    return middleware
