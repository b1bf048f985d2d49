"""The floor of the order round trip: the least a Python client must do to place, cancel and see fills of
an order on Backpack. aiohttp + pynacl only (no Hummingbot, nothing from the connector): one HTTP
session, one private WS connection subscribed to `account.orderUpdate`, each request signed as Backpack
asks (`instruction=...&<sorted params>&timestamp=...&window=...`, ED25519, base64).

It knows an order's state as early as any client can: OPEN at the first of the `POST /api/v1/order`
answer and the `orderAccepted` event, CANCELLED at the first of the `DELETE /api/v1/order` answer and
the `orderCancelled` event, FILLED at the `orderFill` event that completes it (only the stream carries
the fill: price, quantity, fee, trade id) - the same moments at which the connector may report them.
"""
import asyncio
import base64
import json
import time
from typing import Any, Dict, Optional, Tuple

import aiohttp
from nacl.signing import SigningKey

WINDOW_MS = 5000
INSTRUCTIONS = {("POST", "api/v1/order"): "orderExecute", ("DELETE", "api/v1/order"): "orderCancel"}


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class FloorClient:
    def __init__(self, rest_url: str, ws_url: str, api_key: str, api_secret: str):
        self._rest_url = rest_url.rstrip("/") + "/"
        self._ws_url = ws_url
        self._api_key = api_key
        self._key = SigningKey(base64.b64decode(api_secret))
        self._session: Optional[aiohttp.ClientSession] = None
        self._ws: Optional[aiohttp.ClientWebSocketResponse] = None
        self._reader: Optional[asyncio.Task] = None
        self._waiting: Dict[Tuple[str, str], asyncio.Future] = {}  # (event, clientId) -> perf_counter() seen
        self.cpu_seen: Dict[Tuple[str, str], float] = {}  # (event, clientId) -> process_time() seen

    def _signed(self, instruction: str, params: Dict[str, Any]) -> Dict[str, str]:
        timestamp = int(time.time() * 1000)
        pairs = "".join(f"&{k}={_text(v)}" for k, v in sorted(params.items()))
        message = f"instruction={instruction}{pairs}&timestamp={timestamp}&window={WINDOW_MS}"
        signature = base64.b64encode(self._key.sign(message.encode()).signature).decode()
        return {"X-API-Key": self._api_key, "X-Signature": signature, "X-Timestamp": str(timestamp),
                "X-Window": str(WINDOW_MS), "Content-Type": "application/json; charset=utf-8"}

    async def __aenter__(self) -> "FloorClient":
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(self._ws_url)
        timestamp = int(time.time() * 1000)
        message = f"instruction=subscribe&timestamp={timestamp}&window={WINDOW_MS}"
        signature = base64.b64encode(self._key.sign(message.encode()).signature).decode()
        await self._ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["account.orderUpdate"],
                                            "signature": [self._api_key, signature, str(timestamp),
                                                          str(WINDOW_MS)]}))
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self._ws.close()
        await self._session.close()

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data).get("data") or {}
            event, client_id = data.get("e"), data.get("c")
            if event == "orderFill" and data.get("X") != "Filled":
                continue  # a partial fill: the order is not complete yet
            self._seen(event, str(client_id))

    def _future(self, event: str, client_id: str) -> asyncio.Future:
        return self._waiting.setdefault((event, client_id), asyncio.get_running_loop().create_future())

    def _seen(self, event: str, client_id: str) -> None:
        future = self._future(event, client_id)
        if not future.done():
            future.set_result(time.perf_counter())
            self.cpu_seen[(event, client_id)] = time.process_time()

    async def _request(self, method: str, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        headers = self._signed(INSTRUCTIONS[(method, path)], body)
        async with self._session.request(method, self._rest_url + path, data=json.dumps(body),
                                         headers=headers) as response:
            answer = await response.json(content_type=None)
            if response.status >= 400:
                raise IOError(f"{method} {path} failed: {response.status} {answer}")
            return answer

    async def _until_first(self, request, event: str, client_id: str, timeout: float = 10.0) -> float:
        """perf_counter() at the first of: the REST answer, the stream `event`."""
        seen = self._future(event, client_id)

        async def answered() -> None:
            await request
            self._seen(event, client_id)
        answering = asyncio.ensure_future(answered())
        try:
            return await asyncio.wait_for(asyncio.shield(seen), timeout)
        finally:
            await answering  # the order's REST answer is in before the next order goes out
            self._waiting.pop((event, client_id), None)
            self.cpu_seen.pop((event, client_id), None)

    async def open(self, order: Dict[str, Any]) -> float:
        """Places a resting limit order; perf_counter() when it is known OPEN."""
        return await self._until_first(self._request("POST", "api/v1/order", order), "orderAccepted",
                                       str(order["clientId"]))

    async def cancel(self, symbol: str, client_id: int) -> float:
        return await self._until_first(self._request("DELETE", "api/v1/order", {"symbol": symbol,
                                                                                 "clientId": client_id}),
                                       "orderCancelled", str(client_id))

    async def fill(self, order: Dict[str, Any], timeout: float = 10.0) -> float:
        """Places a crossing order; perf_counter() at the `orderFill` event that completes it."""
        client_id = str(order["clientId"])
        filled = self._future("orderFill", client_id)
        await self._request("POST", "api/v1/order", order)
        try:
            return await asyncio.wait_for(filled, timeout)
        finally:
            self._waiting.pop(("orderFill", client_id), None)
