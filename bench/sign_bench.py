"""sign: signing an order request as the connector's order path does (`BackpackAuth.signed_request_headers`
from the payload: backpack_signed_request) against the floor, raw pynacl signing (with a cached key) of the
same signed string, base64-encoded. Other signed requests go through `BackpackAuth.rest_authenticate` (the
JSON body parsed back); that is shown too, for the record."""
import base64
import json
import time
from dataclasses import dataclass
from typing import List

from nacl.signing import SigningKey

from bench.report import FloorComparison, Row
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_auth import BackpackAuth, signing_string
from hummingbot.connector.time_synchronizer import TimeSynchronizer
from hummingbot.core.web_assistant.connections.data_types import RESTMethod, RESTRequest

# RFC 8032 TEST 1 seed (backpack_api.md §2.9 key A): a public test key, never a real one.
SECRET = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
API_KEY = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
URL = "https://api.backpack.exchange/" + CONSTANTS.ORDER_PATH_URL
TARGET = 1.3


def order_payload(index: int) -> dict:
    """What the connector posts for a limit order (see BackpackExchangeMixin._order_payload)."""
    return {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "quantity": "1.25",
            "price": f"{180 + index % 100 / 100:.2f}", "clientId": 1_000_000 + index, "timeInForce": "GTC",
            "postOnly": False, "selfTradePrevention": "RejectTaker"}


async def connector_pass(auth: BackpackAuth, bodies: List[str]) -> float:
    # The requests (what Hummingbot's RESTAssistant hands to the auth) are built outside the timing.
    requests = [RESTRequest(method=RESTMethod.POST, url=URL, data=body, is_auth_required=True) for body in bodies]
    started = time.perf_counter()
    for request in requests:
        await auth.rest_authenticate(request)
    return time.perf_counter() - started


def order_path_pass(auth: BackpackAuth, payloads: List[dict]) -> float:
    started = time.perf_counter()
    for payload in payloads:
        auth.signed_request_headers(RESTMethod.POST, URL, payload)
    return time.perf_counter() - started


def floor_pass(key: SigningKey, messages: List[bytes]) -> float:
    started = time.perf_counter()
    for message in messages:
        base64.b64encode(key.sign(message).signature)
    return time.perf_counter() - started


@dataclass(frozen=True)
class SignResult(FloorComparison):
    rest_authenticate_s: float = 0.0

    def rows(self) -> List[Row]:
        return [Row("sign", f"{self.count:,} orders: floor (pynacl sign + base64)",
                    f"{self.per_item_us(self.floor_s):.1f} µs/order"),
                Row("sign", "connector, order path (signed_request_headers)",
                    f"{self.per_item_us(self.connector_s):.1f} µs/order"),
                Row.ratio("sign", "connector / floor", self.ratio, TARGET),
                Row("sign", "other signed requests: rest_authenticate / floor",
                    f"{self.rest_authenticate_s / self.floor_s:.2f}x")]


async def run(count: int = 5_000, rounds: int = 5) -> SignResult:
    synchronizer = TimeSynchronizer()
    synchronizer.add_time_offset_ms_sample(-3.0)  # a running connector has synced with /api/v1/time
    auth = BackpackAuth(api_key=API_KEY, secret_key=SECRET, time_provider=synchronizer)
    key = SigningKey(base64.b64decode(SECRET))
    payloads = [order_payload(i) for i in range(count)]
    bodies = [json.dumps(p) for p in payloads]
    timestamp = int(time.time() * 1e3)
    messages = [signing_string("orderExecute", p, timestamp, CONSTANTS.DEFAULT_WINDOW_MS).encode()
                for p in payloads]
    floors, connectors, authenticated = [], [], []
    for _ in range(rounds):
        floors.append(floor_pass(key, messages))
        connectors.append(order_path_pass(auth, payloads))
        authenticated.append(await connector_pass(auth, bodies))
    # The least disturbed pass of each (as timeit).
    return SignResult(count, min(floors), min(connectors), rest_authenticate_s=min(authenticated))
