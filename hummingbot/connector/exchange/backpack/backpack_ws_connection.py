"""WS frames decoded with ujson and read with one await (shared by spot and perp, public and private streams; the
assistants that use this connection are built in backpack_web_assistants).

Decoding the JSON text is most of the cost of a depth update (bench/depth_bench.py): ujson, which
Hummingbot already depends on, decodes Backpack's frames in about three quarters of the time of
`json.loads`. Anything ujson refuses (e.g. an integer beyond 64 bits) is handed to `json.loads`, and a
frame that is not JSON at all stays the raw text, as with Hummingbot's own `WSConnection`.

Hummingbot's `receive` passes every frame through seven coroutines (read, process, four type checks) before it
is built; a text frame, nearly every frame, needs none of those checks: it is built at once. Every other kind
(ping, pong, close, error) still takes Hummingbot's checks, so closing and errors behave as before.
"""
import asyncio
import json
from typing import Any, Optional

import aiohttp
import ujson

from hummingbot.core.web_assistant.connections.data_types import WSResponse
from hummingbot.core.web_assistant.connections.ws_connection import WSConnection

_ujson_loads = ujson.loads


def decode_frame(text: Any) -> Any:
    try:
        return _ujson_loads(text)
    except (ValueError, TypeError):
        pass
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text


class BackpackWSConnection(WSConnection):

    async def receive(self) -> Optional[WSResponse]:
        self._ensure_connected()
        while self._connected:
            try:
                msg = await self._connection.receive(self._message_timeout)
            except asyncio.TimeoutError:
                raise asyncio.TimeoutError("Message receive timed out.")
            if msg.type is aiohttp.WSMsgType.TEXT:
                self._update_last_recv_time(msg)
                return self._build_resp(msg)
            msg = await self._process_message(msg)
            if msg is not None:
                return self._build_resp(msg)
        return None

    @staticmethod
    def _build_resp(msg: aiohttp.WSMessage) -> WSResponse:
        if msg.type == aiohttp.WSMsgType.BINARY:
            return WSResponse(msg.data)
        return WSResponse(decode_frame(msg.data))
