"""ED25519 request signing for Backpack (backpack_api.md §2), shared by the spot and perp connectors.

Offers `BackpackAuth` (a Hummingbot `AuthBase`):
- `rest_authenticate` signs REST requests: `instruction=<name>&<sorted params>&timestamp=<ms>&window=<ms>`,
  the instruction looked up from the HTTP method and the URL path, booleans written `true`/`false`,
  a JSON array body signed as a batch (§2.5);
- `ws_subscription_signature()` gives the `signature` array of a private SUBSCRIBE (§2.8);
- `signing_string` / `batch_signing_string` / `sign` are pure helpers (the §2.9 vectors use them).
The secret is decoded once at construction; a bad secret raises `BackpackSecretError`, whose message
says what is wrong and never contains the secret.
"""
import base64
import binascii
import functools
import json
from typing import Any, Dict, Iterable, List, Mapping, Optional
from urllib.parse import urlparse

from nacl.bindings import crypto_sign, crypto_sign_BYTES, crypto_sign_seed_keypair
from nacl.signing import SigningKey

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.time_synchronizer import TimeSynchronizer
from hummingbot.core.web_assistant.auth import AuthBase
from hummingbot.core.web_assistant.connections.data_types import RESTMethod, RESTRequest, WSRequest

SEED_LENGTH = 32


class BackpackSecretError(ValueError):
    """The API secret cannot be used for signing (the message never contains the secret)."""


def decode_signing_key(api_secret: str) -> SigningKey:
    """Accepts base64 of a 32-byte ED25519 seed, or of 64 bytes seed || public key."""
    if not isinstance(api_secret, str) or not api_secret.strip():
        raise BackpackSecretError("The Backpack API secret is empty: enter the base64 ED25519 secret of your API key.")
    try:
        raw = base64.b64decode(api_secret.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BackpackSecretError(
            "The Backpack API secret is not valid base64: expected the base64 encoding of a 32-byte ED25519 seed."
        ) from None
    if len(raw) not in (SEED_LENGTH, 2 * SEED_LENGTH):
        raise BackpackSecretError(
            f"The Backpack API secret decodes to {len(raw)} bytes: expected a 32-byte ED25519 seed "
            f"(or 64 bytes seed + public key).")
    signing_key = SigningKey(raw[:SEED_LENGTH])
    if len(raw) == 2 * SEED_LENGTH and bytes(signing_key.verify_key) != raw[SEED_LENGTH:]:
        raise BackpackSecretError(
            "The Backpack API secret has 64 bytes but its second half is not the public key of its first half.")
    return signing_key


def signing_value(value: Any) -> str:
    """The text of one value in the signed string: booleans lowercase, containers as compact JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _sorted_pairs(params: Mapping[str, Any]) -> List[str]:
    pairs = []
    for key in sorted(params):
        value = params[key]
        if value.__class__ is str:  # almost every value: this runs for every signed request
            pairs.append(f"{key}={value}")
        elif value is not None:
            pairs.append(f"{key}={signing_value(value)}")
    return pairs


def signing_string(instruction: str, params: Optional[Mapping[str, Any]], timestamp_ms: int, window_ms: int) -> str:
    pairs = "&".join(_sorted_pairs(params or {}))
    return f"instruction={instruction}{'&' if pairs else ''}{pairs}&timestamp={timestamp_ms}&window={window_ms}"


def batch_signing_string(instruction: str, items: Iterable[Mapping[str, Any]], timestamp_ms: int,
                         window_ms: int) -> str:
    chunks = ["&".join([f"instruction={instruction}"] + _sorted_pairs(item)) for item in items]
    return "&".join(chunks + [f"timestamp={timestamp_ms}", f"window={window_ms}"])


# Built once: json.loads(text, parse_int=...) would build a new decoder for every signed request.
_LITERAL_DECODER = json.JSONDecoder(parse_int=str, parse_float=str)


def _literal_json(text: str) -> Any:
    """Parses a JSON body keeping number literals as their original text, so we sign what we send."""
    try:
        value, end = _LITERAL_DECODER.raw_decode(text)  # json.dumps output: no whitespace for decode() to skip
    except ValueError:
        return _LITERAL_DECODER.decode(text)  # leading whitespace, or decode()'s own error
    return value if end == len(text) else _LITERAL_DECODER.decode(text)


@functools.lru_cache(maxsize=256)
def _instruction_for(method: str, url: str) -> str:
    """The instruction of (method, URL without query); cached, connectors sign the same few URLs."""
    path = urlparse(url).path
    for (verb, endpoint), instruction in CONSTANTS.INSTRUCTIONS.items():
        if verb == method and path.endswith("/" + endpoint):
            return instruction
    raise ValueError(f"No Backpack signing instruction is known for {method} {path}.")


class BackpackAuth(AuthBase):
    def __init__(self, api_key: str, secret_key: str, time_provider: TimeSynchronizer,
                 window_ms: int = CONSTANTS.DEFAULT_WINDOW_MS):
        if not 0 < window_ms <= CONSTANTS.MAX_WINDOW_MS:
            raise ValueError(f"X-Window must be between 1 and {CONSTANTS.MAX_WINDOW_MS} ms, got {window_ms}.")
        self.api_key = api_key
        self._signing_key = decode_signing_key(secret_key)
        # The 64-byte secret libsodium signs with, derived once: `SigningKey.sign` wraps every signature in a
        # SignedMessage object on top of the same call.
        self._secret_key_bytes = crypto_sign_seed_keypair(bytes(self._signing_key))[1]
        self.time_provider = time_provider
        self._offset_samples: tuple = ()
        self._offset_ms = 0.0
        self.window_ms = window_ms

    def __repr__(self) -> str:  # never show key material in logs
        return f"BackpackAuth(api_key={self.api_key!r})"

    @property
    def public_key(self) -> str:
        return base64.b64encode(bytes(self._signing_key.verify_key)).decode()

    def sign(self, message: str) -> str:
        signed = crypto_sign(message.encode("utf-8"), self._secret_key_bytes)  # signature || message
        return base64.b64encode(signed[:crypto_sign_BYTES]).decode()

    def _timestamp_ms(self) -> int:
        provider = self.time_provider
        if getattr(type(provider), "time", None) is not TimeSynchronizer.time or not provider._time_offset_ms:
            return int(provider.time() * 1e3)
        # Hummingbot's time() recomputes the offset (numpy median and weighted mean of the samples) on every
        # call, twice the cost of the ED25519 signature: the same formula, the offset kept until samples change.
        samples = tuple(provider._time_offset_ms)
        if samples != self._offset_samples:
            self._offset_samples, self._offset_ms = samples, provider.time_offset_ms
        return int((provider._current_seconds_counter() + self._offset_ms * 1e-3) * 1e3)

    @staticmethod
    def instruction_for(method: RESTMethod, url: str) -> str:
        return _instruction_for(method.value, url)

    def signed_headers(self, message: str, timestamp_ms: int) -> Dict[str, str]:
        return {
            "X-API-Key": self.api_key,
            "X-Signature": self.sign(message),
            "X-Timestamp": str(timestamp_ms),
            "X-Window": str(self.window_ms),
        }

    def signed_request_headers(self, method: RESTMethod, url: str, values: Any) -> Dict[str, str]:
        """The headers of a signed request whose parameters are `values`: the query parameters, or the JSON body
        (a dict, or a list for a batch), signed from the values themselves."""
        instruction = self.instruction_for(method, url)
        timestamp_ms = self._timestamp_ms()
        if isinstance(values, list):
            message = batch_signing_string(instruction, values, timestamp_ms, self.window_ms)
        else:
            message = signing_string(instruction, values, timestamp_ms, self.window_ms)
        headers = self.signed_headers(message, timestamp_ms)
        headers["Content-Type"] = "application/json; charset=utf-8"
        return headers

    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        if request.method == RESTMethod.GET:
            values = {k: signing_value(v) for k, v in (request.params or {}).items() if v is not None}
            request.params = values  # what is sent is exactly what is signed
        else:
            values = _literal_json(request.data) if request.data else {}
        headers = dict(request.headers or {})
        headers.update(self.signed_request_headers(request.method, request.url, values))
        request.headers = headers
        return request

    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        return request  # private subscriptions carry their own signature array (see below)

    def ws_subscription_signature(self, timestamp_ms: Optional[int] = None) -> List[str]:
        timestamp_ms = timestamp_ms if timestamp_ms is not None else self._timestamp_ms()
        message = signing_string(CONSTANTS.WS_SUBSCRIBE_INSTRUCTION, None, timestamp_ms, self.window_ms)
        return [self.api_key, self.sign(message), str(timestamp_ms), str(self.window_ms)]
