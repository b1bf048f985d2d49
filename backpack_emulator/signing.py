"""Verification of Backpack's ED25519 request signatures (API reference §2).

The signed text is ``instruction=<name>&<sorted params>&timestamp=<ms>&window=<ms>``; a batch body
gives one ``instruction=orderExecute&...`` chunk per order. Values are written raw: booleans in
lower case, strings without quotes or URL-encoding, numbers as their JSON text.
"""
import base64
import binascii
import json
from decimal import Decimal
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from backpack_emulator.errors import INVALID_SIGNATURE_MESSAGE, ApiError, bad_request, expired
from backpack_emulator.params import is_ascii_digits

DEFAULT_WINDOW_MS = 5000
MAX_WINDOW_MS = 60000

INSTRUCTIONS: Dict[Tuple[str, str], str] = {
    ("GET", "/api/v1/account"): "accountQuery",
    ("PATCH", "/api/v1/account"): "accountUpdate",
    ("GET", "/api/v1/capital"): "balanceQuery",
    ("GET", "/api/v1/capital/collateral"): "collateralQuery",
    ("GET", "/api/v1/borrowLend/positions"): "borrowLendPositionQuery",
    ("POST", "/api/v1/borrowLend"): "borrowLendExecute",
    ("GET", "/api/v1/order"): "orderQuery",
    ("POST", "/api/v1/order"): "orderExecute",
    ("DELETE", "/api/v1/order"): "orderCancel",
    ("GET", "/api/v1/orders"): "orderQueryAll",
    ("POST", "/api/v1/orders"): "orderExecute",
    ("DELETE", "/api/v1/orders"): "orderCancelAll",
    ("GET", "/api/v1/position"): "positionQuery",
    ("GET", "/wapi/v1/history/fills"): "fillHistoryQueryAll",
    ("GET", "/wapi/v1/history/orders"): "orderHistoryQueryAll",
    ("GET", "/wapi/v1/history/funding"): "fundingHistoryQueryAll",
}


def value_text(value: Any) -> str:
    """How one parameter value is written into the signed string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def _pairs(params: Iterable[Tuple[str, Any]]) -> str:
    items = sorted((k, v) for k, v in params if v is not None)
    return "&".join(f"{k}={value_text(v)}" for k, v in items)


def signed_string(instruction: str, params: Any, timestamp: int, window: int) -> str:
    """Canonical text for a request: ``params`` is a mapping, a list of pairs, or (batch) a list of mappings."""
    if isinstance(params, list) and params and all(isinstance(p, Mapping) for p in params):
        chunks = [_chunk(instruction, _pairs(p.items())) for p in params]
    else:
        pairs = params.items() if isinstance(params, Mapping) else (params or [])
        chunks = [_chunk(instruction, _pairs(pairs))]
    return "&".join(chunks) + f"&timestamp={timestamp}&window={window}"


def _chunk(instruction: str, pairs: str) -> str:
    return f"instruction={instruction}&{pairs}" if pairs else f"instruction={instruction}"


def parse_json_body(raw: bytes) -> Any:
    """JSON body keeping decimal literals' text (``0.010`` stays ``0.010``) for signing."""
    return json.loads(raw, parse_float=Decimal)


def _b64_bytes(value: Optional[str], length: int, header: str) -> bytes:
    """Standard base64 of exactly ``length`` bytes, else a clear 400 naming the header."""
    try:
        raw = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length:
        raise bad_request(f"Invalid {header} header")
    return raw


def decode_key(api_key: Optional[str]) -> VerifyKey:
    return VerifyKey(_b64_bytes(api_key, 32, "X-API-Key"))


def decode_signature(signature: Optional[str]) -> bytes:
    return _b64_bytes(signature, 64, "X-Signature")


def parse_int(raw: Any, header: str) -> int:
    text = str(raw).strip() if raw is not None else ""
    if not is_ascii_digits(text):
        raise bad_request(f"Invalid {header} header")
    return int(text)


def check_window(timestamp: int, window: int, now_ms: int) -> None:
    """Refuse requests outside their validity window, and timestamps from the future."""
    if window > MAX_WINDOW_MS or window <= 0:
        raise bad_request(f"Invalid X-Window header: must be between 1 and {MAX_WINDOW_MS}")
    if now_ms > timestamp + window:
        raise expired()
    if timestamp > now_ms + window:
        raise bad_request("Invalid timestamp: must not be later than the current time plus the window")


def verify(api_key: Optional[str], signature: Optional[str], timestamp_raw: Any, window_raw: Any,
           instruction: str, params: Any, now_ms: int) -> None:
    """Raise ApiError unless the request is signed by ``api_key`` and is within its window."""
    if not api_key:
        raise ApiError(401, "UNAUTHORIZED", "Missing X-API-Key header")
    key = decode_key(api_key)
    sig = decode_signature(signature)
    timestamp = parse_int(timestamp_raw, "X-Timestamp")
    window = DEFAULT_WINDOW_MS if window_raw in (None, "") else parse_int(window_raw, "X-Window")
    # A null parameter decodes as absent, so it is not in the signed text: `key=null` does not verify.
    if not _valid(key, signed_string(instruction, params, timestamp, window), sig):
        raise bad_request(INVALID_SIGNATURE_MESSAGE)
    check_window(timestamp, window, now_ms)


def _valid(key: VerifyKey, text: str, signature: bytes) -> bool:
    try:
        key.verify(text.encode("utf-8"), signature)
        return True
    except BadSignatureError:
        return False
