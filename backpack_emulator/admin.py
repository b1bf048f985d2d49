"""Admin HTTP API under ``/_admin/``, kept apart from Backpack's paths: accounts, state, request log
and runtime fault switches. Bodies and answers are plain JSON; decimals as strings."""
from typing import Any, Dict

from aiohttp import web

from backpack_emulator import account_views, public_views
from backpack_emulator.accounts import AccountSettings
from backpack_emulator.decimals import fmt
from backpack_emulator.errors import ApiError
from backpack_emulator.faults import CANCEL_PATHS, LATE_ANSWERS
from backpack_emulator.fee_tiers import apply_fee_tier, fee_tier_json
from backpack_emulator.responses import json_response
from backpack_emulator.server_context import ServerContext


class AdminApi:
    def __init__(self, server: ServerContext) -> None:
        self.server = server

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_post("/_admin/accounts", self.create_account)
        router.add_get("/_admin/state", self.state)
        router.add_get("/_admin/requests", self.requests)
        router.add_get("/_admin/refusals", self.refusals)
        router.add_delete("/_admin/requests", self.clear_requests)
        router.add_post("/_admin/markets", self.set_market_state)
        router.add_get("/_admin/faults", self.get_faults)
        router.add_post("/_admin/faults", self.set_fault)
        router.add_delete("/_admin/faults", self.clear_faults)

    async def create_account(self, request: web.Request) -> web.Response:
        body = await _json(request)
        api_key, balances = body.get("apiKey"), body.get("balances", {})
        if not isinstance(api_key, str) or not api_key or not isinstance(balances, dict):
            return _bad("expected {\"apiKey\": str, \"balances\": {asset: amount}}")
        auto_lend, lend, borrow = body.get("autoLend"), body.get("lend") or {}, body.get("borrow") or {}
        if auto_lend not in (None, True, False) or not isinstance(lend, dict) or not isinstance(borrow, dict):
            return _bad("expected \"autoLend\": bool, \"lend\" / \"borrow\": {asset: amount}")
        ex = self.server.exchange
        try:
            if body.get("fees") is not None:  # checked first: a bad tier changes nothing
                apply_fee_tier(AccountSettings(user_id=0), body["fees"])
            self.server.add_account(api_key, balances)
            if body.get("fees") is not None:
                apply_fee_tier(ex.settings[api_key], body["fees"])
            for side, amounts in (("Borrow", borrow), ("Lend", lend)):
                for asset, amount in amounts.items():
                    ex.lending.execute(api_key, {"side": side, "symbol": asset, "quantity": str(amount)})
            if auto_lend is not None:
                ex.settings[api_key].auto_lend = auto_lend
                ex.lending.sweep()
        except (ValueError, ArithmeticError) as error:
            return _bad(str(error))
        except ApiError as error:
            return _bad(error.message)
        return json_response({"apiKey": api_key, "balances": account_views.capital(ex, api_key),
                              "fees": fee_tier_json(ex.settings[api_key])})

    async def set_market_state(self, request: web.Request) -> web.Response:
        """Body: {"symbol": "SOL_USDC", "orderBookState": "PostOnly"} (market_states.py says what each allows)."""
        body = await _json(request)
        ex = self.server.exchange
        market = ex.markets.get(body.get("symbol")) if isinstance(body.get("symbol"), str) else None
        if market is None:
            return _bad("unknown symbol")
        try:
            ex.market_states.set(market.symbol, body.get("orderBookState"))
        except ValueError as error:
            return _bad(str(error))
        return json_response(public_views.market(ex, market.symbol))

    async def state(self, request: web.Request) -> web.Response:
        ex = self.server.exchange
        accounts: Dict[str, Any] = {}
        wanted = request.query.get("apiKey")
        for account in ex.ledger.accounts():
            if wanted is not None and account != wanted:
                continue
            accounts[account] = {
                "balances": account_views.capital(ex, account),
                "borrowLend": {asset: fmt(net) for asset, net in ex.ledger.lend_positions(account).items()},
                "openOrders": account_views.open_orders(ex, account, {}),
                "positions": [{"symbol": p.symbol, "netQuantity": fmt(p.net_quantity), "netCost": fmt(p.net_cost),
                               "realizedPnl": fmt(p.realized_pnl)} for p in ex.open_positions(account)],
            }
        books = {s: {"lastUpdateId": b.update_id, "bestBid": fmt(b.best_bid()), "bestAsk": fmt(b.best_ask())}
                 for s, b in ex.books.items()}
        return json_response({"accounts": accounts, "books": books, "marks": {s: fmt(m) for s, m in ex.marks.items()},
                              "clockOffsetMs": self.server.clock.offset_ms,
                              "wsConnections": len(self.server.hub.connections)})

    async def refusals(self, request: web.Request) -> web.Response:
        """Requests the strict decoder refused and malformed WS requests (server.refusals())."""
        return json_response(self.server.refusals())

    async def requests(self, request: web.Request) -> web.Response:
        return json_response(self.server.request_log.entries(request.query.get("path"), request.query.get("method")))

    async def clear_requests(self, request: web.Request) -> web.Response:
        self.server.request_log.clear()
        return json_response({"cleared": True})

    async def get_faults(self, request: web.Request) -> web.Response:
        return json_response(self._faults_json())

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.server.faults.clear()
        self.server.clock.offset_ms = 0
        return json_response(self._faults_json())

    async def set_fault(self, request: web.Request) -> web.Response:
        """Body: {"action": ..., ...}; actions: fail, no_content, delay, hang_order_creates, late_order_creates,
        accept_cancels, private_ws, drop_private, order_history_lag, drop_ws, skip_depth, clock_offset, clear."""
        body = await _json(request)
        faults, action = self.server.faults, body.get("action")
        extra: Dict[str, Any] = {}
        try:
            if action == "fail":
                faults.add_failure(body["path"], int(body["status"]), int(body.get("count", 1)), body.get("method"),
                                   body.get("code"), body.get("message"))
            elif action == "no_content":
                faults.add_failure(body["path"], 204, int(body.get("count", 1)), body.get("method"))
            elif action == "delay":
                faults.set_delay(body["path"], float(body["seconds"]), body.get("method"))
            elif action == "hang_order_creates":
                faults.hang_order_creates = int(body.get("count", 1))
                seconds = body.get("seconds")
                faults.hang_seconds = None if seconds is None else float(seconds)
            elif action == "late_order_creates":
                answer = str(body.get("answer", "503"))
                if answer not in LATE_ANSWERS:
                    return _bad("answer must be 503 or hang")
                faults.late_order_creates, faults.late_after_s = int(body.get("count", 1)), float(body["after"])
                faults.late_answer = answer
            elif action == "accept_cancels":
                path = body.get("path", "/api/v1/order")
                if path not in CANCEL_PATHS:
                    return _bad(f"path must be one of {', '.join(CANCEL_PATHS)}")
                faults.accepted_cancels[path] = int(body.get("count", 1))
                after = body.get("after", 0.5)  # null: accepted, never executed
                faults.accepted_cancel_delay_s = None if after is None else float(after)
            elif action == "private_ws":
                mode = body.get("mode")
                if mode not in ("duplicate", "reorder", None):
                    return _bad("mode must be duplicate, reorder or null")
                faults.private_ws_mode, faults.private_ws_remaining = mode, int(body.get("count", 1))
            elif action == "drop_private":
                events = body.get("events")
                if events is not None and not (isinstance(events, list) and all(isinstance(e, str) for e in events)):
                    return _bad("events must be a list of event types")
                faults.drop_private_events(int(body.get("count", 1)), body.get("account"), events, body.get("symbol"))
            elif action == "order_history_lag":
                faults.order_history_lag_s = float(body["seconds"])
            elif action == "drop_ws":
                scope = body.get("scope", "all")
                if scope not in ("all", "public", "private"):
                    return _bad("scope must be all, public or private")
                extra["dropped"] = await self.server.hub.drop(scope)
            elif action == "skip_depth":
                book = self.server.exchange.books.get(body.get("symbol"))
                if book is None:
                    return _bad("unknown symbol")
                book.skip_pending += int(body.get("count", 1))
            elif action == "clock_offset":
                self.server.clock.offset_ms = int(body["ms"])
            elif action == "clear":
                faults.clear()
                self.server.clock.offset_ms = 0
            else:
                return _bad(f"unknown action {action!r}")
        except (KeyError, TypeError, ValueError) as error:
            return _bad(f"bad fault spec: {error}")
        return json_response({**self._faults_json(), **extra})

    def _faults_json(self) -> Dict[str, Any]:
        return {**self.server.faults.to_json(), "clockOffsetMs": self.server.clock.offset_ms}


async def _json(request: web.Request) -> Dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _bad(message: str) -> web.Response:
    return json_response({"error": message}, status=400)
