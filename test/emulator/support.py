"""Test-side Backpack client: its own signer (independent of the emulator's verifier), signed REST
calls and a WS helper. Used by the emulator tests only."""
import asyncio
import base64
import json
import time
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
from nacl.signing import SigningKey

from backpack_emulator.admin_client import AdminClient
from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer
from test.waiting import wait_for  # noqa: F401 (the emulator tests' bounded wait)

INSTRUCTION = {
    ("GET", "/api/v1/account"): "accountQuery", ("PATCH", "/api/v1/account"): "accountUpdate",
    ("GET", "/api/v1/capital"): "balanceQuery", ("GET", "/api/v1/capital/collateral"): "collateralQuery",
    ("GET", "/api/v1/borrowLend/positions"): "borrowLendPositionQuery",
    ("POST", "/api/v1/borrowLend"): "borrowLendExecute",
    ("GET", "/api/v1/order"): "orderQuery", ("POST", "/api/v1/order"): "orderExecute",
    ("DELETE", "/api/v1/order"): "orderCancel", ("GET", "/api/v1/orders"): "orderQueryAll",
    ("POST", "/api/v1/orders"): "orderExecute", ("DELETE", "/api/v1/orders"): "orderCancelAll",
    ("GET", "/api/v1/position"): "positionQuery", ("GET", "/wapi/v1/history/fills"): "fillHistoryQueryAll",
    ("GET", "/wapi/v1/history/orders"): "orderHistoryQueryAll",
    ("GET", "/wapi/v1/history/funding"): "fundingHistoryQueryAll",
}


def text_of(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def sign(secret: str, instruction: str, params: Any, timestamp: int, window: int = 5000) -> str:
    def chunk(p: Dict[str, Any]) -> str:
        return "&".join([f"instruction={instruction}"] + [f"{k}={text_of(p[k])}" for k in sorted(p)])
    chunks = [chunk(p) for p in params] if isinstance(params, list) else [chunk(params or {})]
    message = "&".join(chunks) + f"&timestamp={timestamp}&window={window}"
    signature = SigningKey(base64.b64decode(secret)).sign(message.encode()).signature
    return base64.b64encode(signature).decode()


class Client:
    def __init__(self, server: EmulatorServer, api_key: str, secret: str, session: aiohttp.ClientSession) -> None:
        self.server, self.api_key, self.secret, self.session = server, api_key, secret, session

    def headers(self, instruction: str, params: Any, timestamp: Optional[int] = None, window: int = 5000) -> Dict[str, str]:
        timestamp = timestamp if timestamp is not None else int(time.time() * 1000)
        return {"X-API-Key": self.api_key, "X-Signature": sign(self.secret, instruction, params, timestamp, window),
                "X-Timestamp": str(timestamp), "X-Window": str(window),
                "Content-Type": "application/json; charset=utf-8"}

    async def call(self, method: str, path: str, params: Any = None, signed: Optional[bool] = None,
                   headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any, Dict[str, str]]:
        instruction = INSTRUCTION.get((method, path))
        signed = instruction is not None if signed is None else signed
        if headers is None:
            headers = self.headers(instruction, params) if signed else {}
        url = self.server.rest_url.rstrip("/") + path
        kwargs: Dict[str, Any] = {"headers": headers}
        if method == "GET":
            kwargs["params"] = {k: text_of(v) for k, v in (params or {}).items()}
        elif params is not None:
            kwargs["data"] = json.dumps(params)
        async with self.session.request(method, url, **kwargs) as response:
            raw = await response.text()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            return response.status, body, dict(response.headers)

    async def ok(self, method: str, path: str, params: Any = None) -> Any:
        status, body, _ = await self.call(method, path, params)
        assert status == 200, (status, body)
        return body

    async def order(self, **fields: Any) -> Any:
        return await self.ok("POST", "/api/v1/order", fields)

    def subscribe_message(self, streams: List[str], timestamp: Optional[int] = None, window: int = 5000) -> Dict[str, Any]:
        timestamp = timestamp if timestamp is not None else int(time.time() * 1000)
        return {"method": "SUBSCRIBE", "params": streams,
                "signature": [self.api_key, sign(self.secret, "subscribe", {}, timestamp, window), str(timestamp),
                              str(window)]}


def new_account(server: EmulatorServer, session: aiohttp.ClientSession, **balances: str) -> Client:
    api_key, secret = generate_keypair()
    server.add_account(api_key, balances or {"USDC": "100000", "SOL": "1000", "BTC": "10"})
    return Client(server, api_key, secret, session)


async def next_frame(ws: aiohttp.ClientWebSocketResponse, stream_prefix: str, timeout: float = 5.0) -> Dict[str, Any]:
    """Next ``{"stream","data"}`` frame whose stream starts with ``stream_prefix``."""
    async def wait() -> Dict[str, Any]:
        while True:
            message = await ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"socket ended: {message.type}")
            frame = json.loads(message.data)
            if str(frame.get("stream", "")).startswith(stream_prefix):
                return frame
    return await asyncio.wait_for(wait(), timeout)


async def settle() -> None:
    """Let queued WS frames reach the socket."""
    for _ in range(5):
        await asyncio.sleep(0.01)


class EmulatorTestCase(__import__("unittest").IsolatedAsyncioTestCase):
    """Starts an emulator on a free 127.0.0.1 port (no market data unless asked) and a client session."""
    market_data = False
    server_options: Dict[str, Any] = {}

    async def asyncSetUp(self) -> None:
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data=self.market_data,
                                     **self.server_options)
        await self.server.start()
        self.session = aiohttp.ClientSession()
        self.alice = new_account(self.server, self.session)
        self.bob = new_account(self.server, self.session)
        self.admin = AdminClient(self.server.rest_url)  # its session is opened on first use

    async def asyncTearDown(self) -> None:
        await self.admin.close()
        await self.session.close()
        await self.server.stop()

    async def ws(self, *streams: str, client: Optional[Client] = None) -> aiohttp.ClientWebSocketResponse:
        ws = await self.session.ws_connect(self.server.ws_url)
        public = [s for s in streams if not s.startswith("account.")]
        private = [s for s in streams if s.startswith("account.")]
        if public:
            await self.subscribe(ws, {"method": "SUBSCRIBE", "params": public})
        if private:
            await self.subscribe(ws, (client or self.alice).subscribe_message(private))
        return ws

    async def subscribe(self, ws: aiohttp.ClientWebSocketResponse, request: Dict[str, Any]) -> None:
        """Sends the documented SUBSCRIBE (Backpack answers none) and waits until the emulator has one more
        subscriber on each of its streams; a refused request fails with the emulator's refusal."""
        def subscribers(stream: str) -> int:
            return sum(stream in c.public or stream in c.private for c in self.server.hub.connections)
        before = {stream: subscribers(stream) for stream in request["params"]}
        refusals = len(self.server.hub.refusals)
        await ws.send_json(request)
        await wait_for(lambda: len(self.server.hub.refusals) > refusals
                       or all(subscribers(s) > n for s, n in before.items()), f"the subscription to {request['params']}",
                       timeout=5)
        if len(self.server.hub.refusals) > refusals:
            raise AssertionError(self.server.hub.refusals[-1])
