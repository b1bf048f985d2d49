"""A small async client of the emulator's ``/_admin/`` API, for tests and demos."""
from typing import Any, Dict, List, Optional

import aiohttp


class AdminClient:
    def __init__(self, rest_url: str, session: Optional[aiohttp.ClientSession] = None) -> None:
        self.base = rest_url.rstrip("/") + "/_admin"
        self._session = session
        self._own_session = session is None

    async def __aenter__(self) -> "AdminClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None,
                    params: Optional[Dict[str, str]] = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.request(method, self.base + path, json=body, params=params) as response:
            payload = await response.json(content_type=None)
            if response.status >= 400:
                raise RuntimeError(f"admin {method} {path} failed: {response.status} {payload}")
            return payload

    # ----- accounts and state
    async def create_account(self, api_key: str, balances: Dict[str, str], auto_lend: Optional[bool] = None,
                             lend: Optional[Dict[str, str]] = None,
                             borrow: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        """Create or fund an account; optionally switch Auto Lend on/off and open lend/borrow positions."""
        body: Dict[str, Any] = {"apiKey": api_key, "balances": balances}
        for key, value in (("autoLend", auto_lend), ("lend", lend), ("borrow", borrow)):
            if value is not None:
                body[key] = value
        return await self._call("POST", "/accounts", body)

    async def set_fee_tier(self, api_key: str, **fees: str) -> Dict[str, str]:
        """Sets the account's fee tier in basis points, e.g. ``spotMakerFee="-1", futuresTakerFee="3"`` (the
        fields of ``GET /api/v1/account``; a negative maker fee is a rebate). Returns the account's four rates."""
        return (await self._call("POST", "/accounts", {"apiKey": api_key, "balances": {}, "fees": fees}))["fees"]

    async def set_market_state(self, symbol: str, state: str) -> Dict[str, Any]:
        """Sets a market's ``orderBookState`` (Open, PostOnly, LimitOnly, CancelOnly, Closed); returns the market."""
        return await self._call("POST", "/markets", {"symbol": symbol, "orderBookState": state})

    async def state(self, api_key: Optional[str] = None) -> Dict[str, Any]:
        return await self._call("GET", "/state", params={"apiKey": api_key} if api_key else None)

    async def requests(self, path: Optional[str] = None, method: Optional[str] = None) -> List[Dict[str, Any]]:
        params = {k: v for k, v in (("path", path), ("method", method)) if v}
        return await self._call("GET", "/requests", params=params or None)

    async def refusals(self) -> List[Dict[str, Any]]:
        return await self._call("GET", "/refusals")

    async def clear_requests(self) -> None:
        await self._call("DELETE", "/requests")

    # ----- faults
    async def faults(self) -> Dict[str, Any]:
        return await self._call("GET", "/faults")

    async def clear_faults(self) -> Dict[str, Any]:
        return await self._call("DELETE", "/faults")

    async def fail_next(self, path: str, status: int = 503, count: int = 1, method: Optional[str] = None,
                        code: Optional[str] = None, message: Optional[str] = None) -> Dict[str, Any]:
        """Answer the next ``count`` requests on ``path`` (and ``method``) with ``status`` (429/503/...)."""
        body = {"action": "fail", "path": path, "status": status, "count": count, "method": method,
                "code": code, "message": message}
        return await self._call("POST", "/faults", {k: v for k, v in body.items() if v is not None})

    async def no_content(self, path: str, count: int = 1, method: Optional[str] = None) -> Dict[str, Any]:
        """Answer the next ``count`` requests on ``path`` with ``204 No Content`` and no body (Backpack
        documents 204 for ``GET /api/v1/ticker``)."""
        body = {"action": "no_content", "path": path, "count": count, "method": method}
        return await self._call("POST", "/faults", {k: v for k, v in body.items() if v is not None})

    async def delay(self, path: str, seconds: float, method: Optional[str] = None) -> Dict[str, Any]:
        """Delay every response on ``path`` by ``seconds`` (0 removes the delay)."""
        return await self._call("POST", "/faults", {"action": "delay", "path": path, "seconds": seconds,
                                                    "method": method})

    async def hang_order_creates(self, count: int = 1, seconds: Optional[float] = None) -> Dict[str, Any]:
        """Accept the next ``count`` order creates but never answer them; after ``seconds`` (if given) the
        connection is dropped instead of being held until the server stops."""
        body: Dict[str, Any] = {"action": "hang_order_creates", "count": count}
        if seconds is not None:
            body["seconds"] = seconds
        return await self._call("POST", "/faults", body)

    async def late_order_creates(self, after: float, count: int = 1, answer: str = "503") -> Dict[str, Any]:
        """The next ``count`` order creates are accepted and answered ``503`` (or, ``hang``, never), and reach
        the matching engine ``after`` seconds later; one whose signature window has ended by then is refused
        there (no order)."""
        return await self._call("POST", "/faults", {"action": "late_order_creates", "after": after, "count": count,
                                                    "answer": answer})

    async def accept_cancels(self, path: str = "/api/v1/order", count: int = 1,
                             after: Optional[float] = 0.5) -> Dict[str, Any]:
        """Answer the next ``count`` cancels on ``path`` (``/api/v1/order`` or ``/api/v1/orders``) with 202 and no
        body ("accepted, not yet executed"); the cancel is executed ``after`` seconds later (None: never)."""
        return await self._call("POST", "/faults", {"action": "accept_cancels", "path": path, "count": count,
                                                    "after": after})

    async def private_ws_fault(self, mode: Optional[str], count: int = 1) -> Dict[str, Any]:
        """``duplicate`` or ``reorder`` the next ``count`` private WS events (None switches off)."""
        return await self._call("POST", "/faults", {"action": "private_ws", "mode": mode, "count": count})

    async def drop_private_events(self, count: int = 1, account: Optional[str] = None,
                                  events: Optional[List[str]] = None, symbol: Optional[str] = None) -> Dict[str, Any]:
        """Do not deliver the next ``count`` private events of ``account`` (any account when None) whose type
        (``e``, e.g. ``orderFill``) is in ``events`` (any when None), of ``symbol`` (any when None)."""
        return await self._call("POST", "/faults", {"action": "drop_private", "count": count, "account": account,
                                                    "events": events, "symbol": symbol})

    async def order_history_lag(self, seconds: float) -> Dict[str, Any]:
        """Order history leaves out the orders created less than ``seconds`` ago (0 switches it off)."""
        return await self._call("POST", "/faults", {"action": "order_history_lag", "seconds": seconds})

    async def drop_ws(self, scope: str = "all") -> int:
        """Close WS connections: ``all``, ``public`` (no private stream) or ``private``; returns how many."""
        return (await self._call("POST", "/faults", {"action": "drop_ws", "scope": scope}))["dropped"]

    async def skip_depth_sequence(self, symbol: str, count: int = 1) -> Dict[str, Any]:
        """Leave ``count`` update ids out before the next depth diff of ``symbol``."""
        return await self._call("POST", "/faults", {"action": "skip_depth", "symbol": symbol, "count": count})

    async def shift_clock(self, offset_ms: int) -> Dict[str, Any]:
        """Shift the server clock (``/time`` and the signature window check) by ``offset_ms``."""
        return await self._call("POST", "/faults", {"action": "clock_offset", "ms": offset_ms})
