"""Backpack error bodies and their classification (shared by spot and perp).

Offers `BackpackError` (status, code, message) built by `parse_error(exception)` from the IOError that
Hummingbot's REST assistant raises ("... HTTP status is 400. Error: {"code":..,"message":..}"), with a
plain-text body accepted too, and predicates: `is_not_found`, `is_post_only_reject`,
`is_expired_request` (clock drift: re-sync time and retry once), `is_rate_limited` and
`is_outcome_unknown` (no answer / 5xx: the order may exist anyway).
"""
import asyncio
import json
import re
from dataclasses import dataclass
from typing import Optional

import aiohttp

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS

_HB_ERROR_PATTERN = re.compile(r"HTTP status is (\d+)\. Error: (.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class BackpackError:
    status: Optional[int]
    code: str
    message: str


def parse_error_body(status: Optional[int], body: str) -> BackpackError:
    try:
        payload = json.loads(body)
    except (TypeError, ValueError):
        payload = None
    if isinstance(payload, dict):
        return BackpackError(status, str(payload.get("code") or ""), str(payload.get("message") or ""))
    return BackpackError(status, "", str(body or "").strip())


def parse_error(exception: BaseException) -> BackpackError:
    text = str(exception)
    match = _HB_ERROR_PATTERN.search(text)
    if match is None:
        return BackpackError(None, "", text)
    return parse_error_body(int(match.group(1)), match.group(2))


def is_not_found(exception: BaseException) -> bool:
    error = parse_error(exception)
    if error.code == CONSTANTS.ERROR_RESOURCE_NOT_FOUND or error.status == 404:
        return True
    return error.status is not None and "not found" in error.message.lower()


def is_post_only_reject(exception: BaseException) -> bool:
    error = parse_error(exception)
    return "immediately match" in error.message.lower()


def is_expired_request(exception: BaseException) -> bool:
    error = parse_error(exception)
    if error.status is None:
        return False
    message = error.message.lower()
    return any(fragment in message for fragment in CONSTANTS.TIMESTAMP_ERROR_FRAGMENTS)


def is_outcome_unknown(exception: BaseException) -> bool:
    """The request may or may not have been executed: no answer in time, a dropped connection or a 5xx."""
    if isinstance(exception, (asyncio.TimeoutError, aiohttp.ClientError)):
        return True
    if not isinstance(exception, IOError):
        return False
    error = parse_error(exception)
    return error.status is None or error.status >= 500


def is_rate_limited(exception: BaseException) -> bool:
    error = parse_error(exception)
    return error.status == 429 or error.code == CONSTANTS.ERROR_TOO_MANY_REQUESTS
