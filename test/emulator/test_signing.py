"""Signature verification: the API reference §2.9 vectors, tampering, window and timestamp rules."""
import time
import unittest

from backpack_emulator import signing
from backpack_emulator.errors import ApiError

KEY_A = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
KEY_B = "zDIJj9qneWIY0IYZ5aXoHcNMCm+XDhVcTssiT0HyY0A="
TS = 1614550000000
BATCH = [
    {"orderType": "Limit", "price": "141", "quantity": "12", "side": "Bid", "symbol": "SOL_USDC_PERP"},
    {"orderType": "Limit", "price": "140", "quantity": "11", "side": "Bid", "symbol": "SOL_USDC_PERP"},
]
ORDER = {"clientId": 12345, "orderType": "Limit", "postOnly": True, "price": "140.5", "quantity": "0.01",
         "side": "Bid", "symbol": "SOL_USDC", "timeInForce": "GTC"}
VECTORS = [
    (KEY_A, "orderCancel", {"orderId": 28, "symbol": "BTC_USDT"}, TS,
     "wLQaGPszkXrEWaIm6RsnVLJv70Uuw62SXxmdso6cadUmR0NWzFhfhvuCWMl+jbBNJ5gZRfCPjvXI29H7JeW6Ag=="),
    (KEY_A, "subscribe", {}, TS,
     "nnH9lOoIF3v72vbmeopqLLUggbPuhAuXgYbQc6qJnYSsFW0ZM3hUVK4feOAmIHQA02vH16oz+C3+6HQmPkggDA=="),
    (KEY_A, "balanceQuery", {}, TS,
     "0Xe7TkJWz9DGQ5TNj1mBNbiF5PTPIVch/B+5PzBZ0QdWQq/pmWAyP+AluwN5pPyKjz3SUaeL78eiy+TCcakEAQ=="),
    (KEY_A, "orderExecute", ORDER, TS,
     "rJSrtIrzRKh+96J9W7SSQg2enD+cJhJtaJt4wFxn2XSFUgOb14Hp0WhCo8DNChzTAzAb97I05VrNEtXeUBG6BQ=="),
    (KEY_A, "orderExecute", BATCH, 1750793021519,
     "vPFtn5Js/Bow3UsENNogoyaEcTqy8fxLH2ASbpAcTSClJf1v4VAj7+61T7IRwMt9kvGvGxhtlXqlvtCzzbFxAQ=="),
    (KEY_A, "fillHistoryQueryAll", [("symbol", "SOL_USDC"), ("orderId", "111"), ("limit", "100")], TS,
     "GUVHJU9Cadhyn/CPiGAmGduASWZwYVL/RTcK1FaKtmaMfN2wTIL5RdlXwqc8mUPSE1U6z1oICyQ7Z6Wjw1i6Cg=="),
    (KEY_B, "orderCancel", {"orderId": 28, "symbol": "BTC_USDT"}, TS,
     "zEG6YnoeAYkxY4tNgJfWnjcPTBa501irFgBnArYXORzexlr9mrjflWI6Wm/YwimVZGe9PARP/mZxOHXsvhuZBw=="),
    (KEY_B, "subscribe", {}, TS,
     "JET04e2DKxa3MzJX+vHAvZ2t85IDCQV0Yvkne6ZioCLxZhaDPHACzfEFkaACTR+J2WlVJjGX2nICcJMwOK8zAw=="),
    (KEY_B, "orderExecute", BATCH, 1750793021519,
     "e9UDA3qCQqjmuJVecsHH818nwcRBL2kY6MGmgQAGs4Wqcs9Dan7xgHOnTfDXCPmXiSDU4/vx4IYWoDMgk4AeBQ=="),
    (KEY_B, "orderExecute", ORDER, TS,
     "hjOnvnunbnwG6IZSRxOxfdn6d2aDGFdSlu1exvaYBkvGc6gIylqIvl2RGTohVBa3bqUhDGYb0P+GnKxoTfeEDw=="),
]


def tamper(signature: str) -> str:
    import base64
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


class SignedStringTest(unittest.TestCase):
    def test_official_cancel_example(self):
        text = signing.signed_string("orderCancel", {"symbol": "BTC_USDT", "orderId": 28}, TS, 5000)
        self.assertEqual("instruction=orderCancel&orderId=28&symbol=BTC_USDT&timestamp=1614550000000&window=5000", text)

    def test_official_batch_example(self):
        text = signing.signed_string("orderExecute", BATCH, 1750793021519, 5000)
        self.assertEqual(
            "instruction=orderExecute&orderType=Limit&price=141&quantity=12&side=Bid&symbol=SOL_USDC_PERP"
            "&instruction=orderExecute&orderType=Limit&price=140&quantity=11&side=Bid&symbol=SOL_USDC_PERP"
            "&timestamp=1750793021519&window=5000", text)

    def test_booleans_lowercase_and_decimal_text_kept(self):
        body = signing.parse_json_body(b'{"postOnly": true, "quantity": 0.010, "clientId": 7}')
        text = signing.signed_string("orderExecute", body, 1, 5000)
        self.assertEqual("instruction=orderExecute&clientId=7&postOnly=true&quantity=0.010&timestamp=1&window=5000", text)

    def test_no_params(self):
        self.assertEqual("instruction=balanceQuery&timestamp=5&window=60000",
                         signing.signed_string("balanceQuery", {}, 5, 60000))


class VerifyTest(unittest.TestCase):
    def test_all_reference_vectors_verify(self):
        for key, instruction, params, ts, signature in VECTORS:
            with self.subTest(instruction=instruction, key=key[:6]):
                signing.verify(key, signature, str(ts), "5000", instruction, params, now_ms=ts + 1)

    def test_a_tampered_signature_byte_is_refused(self):
        for key, instruction, params, ts, signature in VECTORS:
            with self.subTest(instruction=instruction, key=key[:6]):
                with self.assertRaises(ApiError) as caught:
                    signing.verify(key, tamper(signature), str(ts), "5000", instruction, params, now_ms=ts + 1)
                self.assertEqual(("INVALID_CLIENT_REQUEST", "Invalid signature"),
                                 (caught.exception.code, caught.exception.message))

    def test_tampered_message_is_refused(self):
        key, instruction, params, ts, signature = VECTORS[0]
        with self.assertRaises(ApiError):
            signing.verify(key, signature, str(ts), "5000", instruction, {"orderId": 29, "symbol": "BTC_USDT"}, ts)
        with self.assertRaises(ApiError):  # the window is part of the signed text
            signing.verify(key, signature, str(ts), "6000", instruction, params, ts)
        with self.assertRaises(ApiError):  # so is the instruction
            signing.verify(key, signature, str(ts), "5000", "orderQuery", params, ts)

    def test_absent_window_means_5000(self):
        key, instruction, params, ts, signature = VECTORS[0]
        signing.verify(key, signature, str(ts), None, instruction, params, now_ms=ts)

    def test_expired_request(self):
        key, instruction, params, ts, signature = VECTORS[0]
        signing.verify(key, signature, str(ts), "5000", instruction, params, now_ms=ts + 5000)
        with self.assertRaises(ApiError) as caught:
            signing.verify(key, signature, str(ts), "5000", instruction, params, now_ms=ts + 5001)
        # live: HTTP 401, plain-text body (not a refusal of a malformed request)
        self.assertEqual((401, "Request has expired", True, False),
                         (caught.exception.status, caught.exception.message, caught.exception.plain,
                          caught.exception.malformed))

    def test_future_timestamp_refused(self):
        key, instruction, params, ts, signature = VECTORS[0]
        signing.verify(key, signature, str(ts), "5000", instruction, params, now_ms=ts - 5000)
        with self.assertRaises(ApiError) as caught:
            signing.verify(key, signature, str(ts), "5000", instruction, params, now_ms=ts - 5001)
        self.assertIn("timestamp", caught.exception.message)

    def test_window_above_max_refused(self):
        now = int(time.time() * 1000)
        with self.assertRaises(ApiError) as caught:
            signing.check_window(now, 60001, now)
        self.assertIn("X-Window", caught.exception.message)
        signing.check_window(now - 59000, 60000, now)

    def test_malformed_headers(self):
        key, instruction, params, ts, signature = VECTORS[0]
        cases = [(None, signature, str(ts), 401), ("not-base64!", signature, str(ts), 400),
                 (key, "abc", str(ts), 400), (key, signature, "12x", 400)]
        for api_key, sig, stamp, status in cases:
            with self.subTest(api_key=api_key, sig=sig, stamp=stamp):
                with self.assertRaises(ApiError) as caught:
                    signing.verify(api_key, sig, stamp, "5000", instruction, params, ts)
                self.assertEqual(status, caught.exception.status)
