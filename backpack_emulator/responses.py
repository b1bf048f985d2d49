"""HTTP answers in Backpack's formats: JSON bodies, ``{code, message}`` errors, and the plain-text
refusals of requests that the typed decoder could not read."""
import json
from typing import Any

from aiohttp import web

from backpack_emulator.errors import ApiError


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body, separators=(",", ":")), status=status,
                        content_type="application/json")


def text_response(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/plain")


def error_response(error: ApiError) -> web.Response:
    if error.plain:
        return text_response(error.message, status=error.status)
    return json_response(error.body(), status=error.status)
