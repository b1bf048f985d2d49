"""WebSocket streams: SUBSCRIBE/UNSUBSCRIBE, the ``{"stream","data"}`` envelope, signed ``account.*``
subscriptions, protocol pings from the server, and the private-event faults (duplicate / reorder).

A request is ``{"method", "params"}`` plus ``signature`` for ``account.*`` streams, as Backpack's
docs (Streams, "Usage") and official client (``bpx-api-client`` ``client/src/ws/mod.rs``) send it.
Neither documents an ``id`` or an answer to a subscription, so none is sent, and a request with an
``id`` is refused like any unknown field (4006, in ``refusals``): the doubtful form fails here, not on live.
Errors are ``{"id": null, "error": {"code", "message"}}`` with code 4006 for an invalid request or
stream and 4007 for a refused signature.
"""
import asyncio
import json
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional, Set

from aiohttp import WSCloseCode, WSMsgType, web

from backpack_emulator import signing
from backpack_emulator.clock import Clock
from backpack_emulator.errors import ApiError
from backpack_emulator.exchange import DEPTH_AGGREGATIONS
from backpack_emulator.faults import Faults
from backpack_emulator.klines import INTERVAL_SECONDS

PUBLIC_KINDS = ("depth", "trade", "bookTicker", "markPrice", "ticker", "kline", "openInterest")
PRIVATE_KINDS = ("account.orderUpdate", "account.positionUpdate", "account.rfqUpdate")
REQUEST_KEYS = frozenset({"method", "params", "signature"})
INVALID_STREAM = 4006
INVALID_SIGNATURE = 4007
REORDER_FLUSH_S = 0.5
MAX_QUEUED_FRAMES = 50_000


class Connection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: "asyncio.Queue[Optional[str]]" = asyncio.Queue()
        self.public: Set[str] = set()
        self.private: Set[str] = set()
        self.account: Optional[str] = None
        self.last_pong = time.monotonic()
        self.held: Optional[str] = None  # a private frame kept back by the reorder fault
        self.slow = False

    def send(self, text: str) -> None:
        if self.queue.qsize() >= MAX_QUEUED_FRAMES:  # a client that stopped reading gets disconnected
            if not self.slow:
                self.slow = True
                asyncio.get_running_loop().create_task(
                    self.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"client too slow"))
            return
        self.queue.put_nowait(text)


class WsHub:
    """Routes exchange events to subscribed connections (implements events.EventSink)."""

    def __init__(self, clock: Clock, faults: Faults, known_account: Callable[[str], bool],
                 on_private_subscribe: Callable[[str, str, Connection], None], markets: List[str],
                 ping_interval_s: float = 60.0, pong_timeout_s: float = 120.0) -> None:
        self.clock = clock
        self.faults = faults
        self.known_account = known_account
        self.on_private_subscribe = on_private_subscribe
        self.markets = set(markets)
        self.ping_interval_s = ping_interval_s
        self.pong_timeout_s = pong_timeout_s
        self.connections: Set[Connection] = set()
        self.public_subs: Dict[str, Set[Connection]] = {}
        self.private_subs: Dict[str, Set[Connection]] = {}
        self.messages_sent = 0
        self.refusals: Deque[Dict[str, Any]] = deque(maxlen=1000)  # malformed WS requests (connectors send none)

    # ----- EventSink
    def wants(self, stream: str) -> bool:
        return bool(self.public_subs.get(stream))

    def wants_private(self, account: str) -> bool:
        return bool(self.private_subs.get(account))

    def publish(self, stream: str, data: Dict[str, Any]) -> None:
        subscribers = self.public_subs.get(stream)
        if not subscribers:
            return
        text = json.dumps({"stream": stream, "data": data}, separators=(",", ":"))
        for connection in subscribers:
            connection.send(text)
        self.messages_sent += len(subscribers)

    def publish_private(self, account: str, stream: str, symbol: str, data: Dict[str, Any]) -> None:
        if self.private_subs.get(account) and self.faults.take_private_drop(account, symbol, data.get("e")):
            return  # lost in a reconnect gap: no connection of the account gets it
        for connection in list(self.private_subs.get(account, ())):
            for name in (stream, f"{stream}.{symbol}"):
                if name in connection.private:
                    self._send_private(connection, json.dumps({"stream": name, "data": data}, separators=(",", ":")))

    def _send_private(self, connection: Connection, text: str) -> None:
        fault = self.faults.take_private_ws_fault()
        held, connection.held = connection.held, None
        if fault == "reorder" and held is None:
            connection.held = text
            asyncio.get_running_loop().call_later(REORDER_FLUSH_S, self._flush_held, connection)
            return
        connection.send(text)
        if fault == "duplicate":
            connection.send(text)
        if held is not None:
            connection.send(held)
        self.messages_sent += 1

    def _flush_held(self, connection: Connection) -> None:
        if connection.held is not None:
            connection.send(connection.held)
            connection.held = None

    # ----- connections
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        connection = Connection(ws)
        self.connections.add(connection)
        writer = asyncio.create_task(self._writer(connection))
        pinger = asyncio.create_task(self._pinger(connection))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(connection, message.data)
                elif message.type == WSMsgType.PING:
                    await ws.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    connection.last_pong = time.monotonic()
                elif message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self._forget(connection)
            connection.queue.put_nowait(None)
            pinger.cancel()
            await asyncio.gather(writer, pinger, return_exceptions=True)
            if not ws.closed:
                await ws.close()
        return ws

    async def _writer(self, connection: Connection) -> None:
        while True:
            text = await connection.queue.get()
            if text is None or connection.ws.closed:
                return
            try:
                await connection.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def _pinger(self, connection: Connection) -> None:
        while not connection.ws.closed:
            await asyncio.sleep(self.ping_interval_s)
            if time.monotonic() - connection.last_pong > self.pong_timeout_s:
                await connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"pong timeout")
                return
            try:
                await connection.ws.ping()
            except (ConnectionError, RuntimeError):
                return

    def _forget(self, connection: Connection) -> None:
        self.connections.discard(connection)
        for stream in connection.public:
            self.public_subs.get(stream, set()).discard(connection)
        if connection.account is not None:
            self.private_subs.get(connection.account, set()).discard(connection)

    async def drop(self, scope: str = "all") -> int:
        """Fault: close connections (``all``, ``public`` = no private stream, ``private``)."""
        victims = [c for c in self.connections
                   if scope == "all" or (scope == "private") == bool(c.private)]
        for connection in victims:
            await connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"dropped by fault injection")
        return len(victims)

    async def close_all(self) -> None:
        for connection in list(self.connections):
            await connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    # ----- requests
    def _on_text(self, connection: Connection, text: str) -> None:
        try:
            request = json.loads(text)
        except ValueError:
            request = None
        if not isinstance(request, dict) or request.get("method") not in ("SUBSCRIBE", "UNSUBSCRIBE"):
            self._error(connection, request, INVALID_STREAM, "Invalid request: expected SUBSCRIBE or UNSUBSCRIBE")
            return
        unknown = sorted(set(request) - REQUEST_KEYS)
        if unknown:
            self._error(connection, request, INVALID_STREAM, f"Invalid request: unknown field `{unknown[0]}`")
            return
        streams = request.get("params")
        if not isinstance(streams, list) or not streams or not all(isinstance(s, str) for s in streams):
            self._error(connection, request, INVALID_STREAM, "Invalid stream")
            return
        bad = [s for s in streams if not self._valid_stream(s)]
        if bad:
            self._error(connection, request, INVALID_STREAM, "Invalid stream")  # live names no stream (ccxt.pro)
            return
        account = None
        if request["method"] == "SUBSCRIBE" and any(s.startswith("account.") for s in streams):
            account = self._verify(connection, request)
            if account is None:
                return
        if request["method"] == "SUBSCRIBE":
            self._subscribe(connection, streams, account)
        else:
            self._unsubscribe(connection, streams)

    def _valid_stream(self, stream: str) -> bool:
        for private in PRIVATE_KINDS:
            if stream == private or (stream.startswith(private + ".") and stream[len(private) + 1:] in self.markets):
                return True
        parts = stream.split(".")
        if parts[0] not in PUBLIC_KINDS or parts[-1] not in self.markets:
            return False
        if parts[0] == "kline":
            return len(parts) == 3 and parts[1] in INTERVAL_SECONDS
        if parts[0] == "depth" and len(parts) == 3:
            return parts[1] in DEPTH_AGGREGATIONS
        return len(parts) == 2

    def _subscribe(self, connection: Connection, streams: List[str], account: Optional[str]) -> None:
        private = [s for s in streams if s.startswith("account.")]
        if private and account is not None:
            if connection.account not in (None, account):  # another key on this socket replaces the first
                self.private_subs.get(connection.account, set()).discard(connection)
                connection.private.clear()
            connection.account = account
            self.private_subs.setdefault(account, set()).add(connection)
            for stream in private:
                connection.private.add(stream)
                self.on_private_subscribe(account, stream, connection)
        for stream in streams:
            if not stream.startswith("account."):
                connection.public.add(stream)
                self.public_subs.setdefault(stream, set()).add(connection)

    def _unsubscribe(self, connection: Connection, streams: List[str]) -> None:
        for stream in streams:
            if stream.startswith("account."):
                connection.private.discard(stream)
            else:
                connection.public.discard(stream)
                self.public_subs.get(stream, set()).discard(connection)
        if not connection.private and connection.account is not None:
            self.private_subs.get(connection.account, set()).discard(connection)

    def _verify(self, connection: Connection, request: Dict[str, Any]) -> Optional[str]:
        signature = request.get("signature")
        if not isinstance(signature, list) or len(signature) != 4:
            self._error(connection, request, INVALID_SIGNATURE, "Private streams need a signature")
            return None
        if not all(isinstance(item, str) for item in signature):  # every client sends strings (API ref. §2.8)
            self._error(connection, request, INVALID_SIGNATURE,
                        "Invalid signature: expected [api key, signature, timestamp, window] as strings")
            return None
        api_key, sig, timestamp, window = signature
        try:
            signing.verify(api_key, sig, timestamp, window, "subscribe", {}, self.clock.now_ms())
        except ApiError as error:
            self._error(connection, request, INVALID_SIGNATURE, error.message, malformed=False)
            return None
        if not self.known_account(api_key):
            self._error(connection, request, INVALID_SIGNATURE, "Unknown API key", malformed=False)
            return None
        return api_key

    def _error(self, connection: Connection, request: Any, code: int, message: str, malformed: bool = True) -> None:
        """`malformed`: the request itself is wrong (logged in `refusals`), not a signature that expired.
        `id` is always null: no accepted request carries one."""
        if malformed:
            self.refusals.append({"request": request, "code": code, "message": message})
        connection.send(json.dumps({"id": None, "error": {"code": code, "message": message}}))

