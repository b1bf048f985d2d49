"""WS frames decoded with ujson (shared by spot and perp, public and private streams; the assistants that use
this connection are built in backpack_web_assistants).

Decoding the JSON text is most of the cost of a depth update (bench/depth_bench.py): ujson, which
Hummingbot already depends on, decodes Backpack's frames in about three quarters of the time of
`json.loads`. Anything ujson refuses (e.g. an integer beyond 64 bits) is handed to `json.loads`, and a
frame that is not JSON at all stays the raw text, as with Hummingbot's own `WSConnection`.
"""
import json
from typing import Any

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

    @staticmethod
    def _build_resp(msg: aiohttp.WSMessage) -> WSResponse:
        if msg.type == aiohttp.WSMsgType.BINARY:
            return WSResponse(msg.data)
        return WSResponse(decode_frame(msg.data))
