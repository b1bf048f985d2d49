import asyncio
import base64
import json
import unittest
from unittest.mock import MagicMock

from nacl.signing import SigningKey, VerifyKey

from hummingbot.connector.exchange.backpack.backpack_auth import (
    BackpackAuth,
    BackpackSecretError,
    batch_signing_string,
    signing_string,
)
from hummingbot.core.web_assistant.connections.data_types import RESTMethod, RESTRequest
from test.connector.backpack.helpers import API_KEY, API_SECRET

KEY_B_SECRET = "4odxgSUxFrC/zsKWZF4OQwYAgnNu9hnWH3NxWfLAPz4="
KEY_B_API_KEY = "zDIJj9qneWIY0IYZ5aXoHcNMCm+XDhVcTssiT0HyY0A="
TS = 1614550000000
CANCEL_STRING = "instruction=orderCancel&orderId=28&symbol=BTC_USDT&timestamp=1614550000000&window=5000"
SUBSCRIBE_STRING = "instruction=subscribe&timestamp=1614550000000&window=5000"
EXECUTE_STRING = ("instruction=orderExecute&clientId=12345&orderType=Limit&postOnly=true&price=140.5&quantity=0.01"
                  "&side=Bid&symbol=SOL_USDC&timeInForce=GTC&timestamp=1614550000000&window=5000")
BATCH_ORDERS = [
    {"symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "141", "quantity": "12"},
    {"symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "140", "quantity": "11"},
]
BATCH_STRING = ("instruction=orderExecute&orderType=Limit&price=141&quantity=12&side=Bid&symbol=SOL_USDC_PERP"
                "&instruction=orderExecute&orderType=Limit&price=140&quantity=11&side=Bid&symbol=SOL_USDC_PERP"
                "&timestamp=1750793021519&window=5000")


def make_auth(api_key=API_KEY, secret=API_SECRET, now_s=TS / 1e3) -> BackpackAuth:
    clock = MagicMock()
    clock.time.return_value = now_s
    return BackpackAuth(api_key=api_key, secret_key=secret, time_provider=clock)


def verify(api_key: str, message: str, signature_b64: str):
    VerifyKey(base64.b64decode(api_key)).verify(message.encode(), base64.b64decode(signature_b64))


class SigningVectorsTests(unittest.TestCase):
    """backpack_api.md §2.9: ED25519 is deterministic, so these must reproduce byte for byte."""

    def test_key_a_vectors(self):
        auth = make_auth()
        self.assertEqual(API_KEY, auth.public_key)
        vectors = {
            CANCEL_STRING: "wLQaGPszkXrEWaIm6RsnVLJv70Uuw62SXxmdso6cadUmR0NWzFhfhvuCWMl+jbBNJ5gZRfCPjvXI29H7JeW6Ag==",
            SUBSCRIBE_STRING:
                "nnH9lOoIF3v72vbmeopqLLUggbPuhAuXgYbQc6qJnYSsFW0ZM3hUVK4feOAmIHQA02vH16oz+C3+6HQmPkggDA==",
            "instruction=balanceQuery&timestamp=1614550000000&window=5000":
                "0Xe7TkJWz9DGQ5TNj1mBNbiF5PTPIVch/B+5PzBZ0QdWQq/pmWAyP+AluwN5pPyKjz3SUaeL78eiy+TCcakEAQ==",
            EXECUTE_STRING: "rJSrtIrzRKh+96J9W7SSQg2enD+cJhJtaJt4wFxn2XSFUgOb14Hp0WhCo8DNChzTAzAb97I05VrNEtXeUBG6BQ==",
            BATCH_STRING: "vPFtn5Js/Bow3UsENNogoyaEcTqy8fxLH2ASbpAcTSClJf1v4VAj7+61T7IRwMt9kvGvGxhtlXqlvtCzzbFxAQ==",
            "instruction=fillHistoryQueryAll&limit=100&orderId=111&symbol=SOL_USDC&timestamp=1614550000000&window=5000":
                "GUVHJU9Cadhyn/CPiGAmGduASWZwYVL/RTcK1FaKtmaMfN2wTIL5RdlXwqc8mUPSE1U6z1oICyQ7Z6Wjw1i6Cg==",
        }
        for message, signature in vectors.items():
            self.assertEqual(signature, auth.sign(message), message)

    def test_key_b_vectors(self):
        auth = make_auth(KEY_B_API_KEY, KEY_B_SECRET)
        self.assertEqual(KEY_B_API_KEY, auth.public_key)
        self.assertEqual("zEG6YnoeAYkxY4tNgJfWnjcPTBa501irFgBnArYXORzexlr9mrjflWI6Wm/YwimVZGe9PARP/mZxOHXsvhuZBw==",
                         auth.sign(CANCEL_STRING))
        self.assertEqual("JET04e2DKxa3MzJX+vHAvZ2t85IDCQV0Yvkne6ZioCLxZhaDPHACzfEFkaACTR+J2WlVJjGX2nICcJMwOK8zAw==",
                         auth.sign(SUBSCRIBE_STRING))
        self.assertEqual("e9UDA3qCQqjmuJVecsHH818nwcRBL2kY6MGmgQAGs4Wqcs9Dan7xgHOnTfDXCPmXiSDU4/vx4IYWoDMgk4AeBQ==",
                         auth.sign(BATCH_STRING))
        self.assertEqual("hjOnvnunbnwG6IZSRxOxfdn6d2aDGFdSlu1exvaYBkvGc6gIylqIvl2RGTohVBa3bqUhDGYb0P+GnKxoTfeEDw==",
                         auth.sign(EXECUTE_STRING))

    def test_signing_strings(self):
        self.assertEqual(CANCEL_STRING, signing_string("orderCancel", {"symbol": "BTC_USDT", "orderId": 28}, TS, 5000))
        self.assertEqual(SUBSCRIBE_STRING, signing_string("subscribe", None, TS, 5000))
        execute = {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "quantity": "0.01", "price": "140.5",
                   "postOnly": True, "timeInForce": "GTC", "clientId": 12345}
        self.assertEqual(EXECUTE_STRING, signing_string("orderExecute", execute, TS, 5000))
        self.assertEqual(BATCH_STRING, batch_signing_string("orderExecute", BATCH_ORDERS, 1750793021519, 5000))

    def test_false_and_none_values(self):
        self.assertEqual("instruction=x&postOnly=false&timestamp=1&window=5000",
                         signing_string("x", {"postOnly": False, "price": None}, 1, 5000))


class SecretValidationTests(unittest.TestCase):

    def assert_rejected(self, secret: str, expected_fragment: str):
        with self.assertRaises(BackpackSecretError) as context:
            make_auth(secret=secret)
        self.assertIn(expected_fragment, str(context.exception))
        if secret.strip():
            self.assertNotIn(secret, str(context.exception))
        return context.exception

    def test_not_base64(self):
        self.assert_rejected("this is !! not base64", "not valid base64")

    def test_wrong_length(self):
        self.assert_rejected(base64.b64encode(b"x" * 31).decode(), "31 bytes")

    def test_empty(self):
        self.assert_rejected("", "empty")

    def test_64_bytes_with_foreign_public_key(self):
        seed = base64.b64decode(API_SECRET)
        other_public = bytes(SigningKey(b"\x01" * 32).verify_key)
        self.assert_rejected(base64.b64encode(seed + other_public).decode(), "second half")

    def test_64_bytes_seed_and_public_key_accepted(self):
        seed = base64.b64decode(API_SECRET)
        auth = make_auth(secret=base64.b64encode(seed + base64.b64decode(API_KEY)).decode())
        self.assertEqual(API_KEY, auth.public_key)

    def test_repr_hides_secret(self):
        self.assertNotIn(API_SECRET, repr(make_auth()))


class RestAuthenticateTests(unittest.TestCase):

    def authenticate(self, request: RESTRequest) -> RESTRequest:
        return asyncio.run(make_auth().rest_authenticate(request))

    def test_get_signs_query_with_instruction_from_path(self):
        request = self.authenticate(RESTRequest(
            method=RESTMethod.GET, url="http://127.0.0.1:1/api/v1/order",
            params={"symbol": "SOL_USDC", "clientId": 7}, is_auth_required=True))
        self.assertEqual({"symbol": "SOL_USDC", "clientId": "7"}, request.params)
        headers = request.headers
        self.assertEqual(str(TS), headers["X-Timestamp"])
        verify(API_KEY, f"instruction=orderQuery&clientId=7&symbol=SOL_USDC&timestamp={TS}&window=5000",
               headers["X-Signature"])

    def test_post_signs_body_text_as_sent(self):
        body = json.dumps({"symbol": "SOL_USDC", "quantity": "0.010", "postOnly": True, "clientId": 42})
        request = self.authenticate(RESTRequest(method=RESTMethod.POST, url="https://x/api/v1/order", data=body,
                                                is_auth_required=True))
        verify(API_KEY, "instruction=orderExecute&clientId=42&postOnly=true&quantity=0.010&symbol=SOL_USDC"
                        f"&timestamp={TS}&window=5000", request.headers["X-Signature"])
        self.assertEqual(body, request.data)

    def test_batch_body_signed_per_order(self):
        request = self.authenticate(RESTRequest(method=RESTMethod.POST, url="https://x/api/v1/orders",
                                                data=json.dumps(BATCH_ORDERS), is_auth_required=True))
        expected = batch_signing_string("orderExecute", BATCH_ORDERS, TS, 5000)
        verify(API_KEY, expected, request.headers["X-Signature"])

    def test_delete_all_uses_cancel_all_instruction(self):
        request = self.authenticate(RESTRequest(method=RESTMethod.DELETE, url="https://x/api/v1/orders",
                                                data=json.dumps({"symbol": "SOL_USDC"}), is_auth_required=True))
        verify(API_KEY, f"instruction=orderCancelAll&symbol=SOL_USDC&timestamp={TS}&window=5000",
               request.headers["X-Signature"])

    def test_unknown_endpoint_is_refused(self):
        with self.assertRaises(ValueError) as context:
            self.authenticate(RESTRequest(method=RESTMethod.GET, url="https://x/api/v1/unknown", is_auth_required=True))
        self.assertIn("api/v1/unknown", str(context.exception))

    def test_ws_subscription_signature(self):
        signature = make_auth().ws_subscription_signature()
        self.assertEqual([API_KEY, make_auth().sign(SUBSCRIBE_STRING), str(TS), "5000"], signature)
