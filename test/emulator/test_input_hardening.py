"""Malformed input gets a Backpack error (400 / WS error frame), never a 500 or a dropped socket; the
emulator listens on loopback only; quote-sized fill-or-kill orders fill when the book can take them."""
import json
import subprocess
import sys
from decimal import Decimal

from backpack_emulator.cli import parse_account
from backpack_emulator.exchange import Exchange
from backpack_emulator.server import EmulatorServer
from test.emulator.support import EmulatorTestCase, next_frame
from test.emulator.test_cli import ROOT

SUPERSCRIPT_TWO = "\u00b2"  # str.isdigit() is True, int() refuses it
INVALID = "INVALID_CLIENT_REQUEST"


class MalformedRestInputTest(EmulatorTestCase):
    async def assert_refused(self, method, path, params=None, headers=None, message_part="", decoder=False):
        """`decoder`: refused by the typed request decoder, which answers plain text (not a JSON error)."""
        status, body, response_headers = await self.alice.call(method, path, params, headers=headers)
        if decoder:
            self.assertEqual((400, "text/plain"), (status, response_headers["Content-Type"].split(";")[0]), body)
            self.assertIn(message_part, body)
            return
        self.assertEqual((400, INVALID), (status, body["code"]), body)
        self.assertIn(message_part, body["message"])

    async def test_non_ascii_digits_are_a_clear_400(self):
        await self.assert_refused("POST", "/api/v1/order", {
            "symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "100", "quantity": "1",
            "clientId": SUPERSCRIPT_TWO}, message_part="clientId", decoder=True)
        headers = self.alice.headers("balanceQuery", {})
        headers["X-Timestamp"] = SUPERSCRIPT_TWO
        await self.assert_refused("GET", "/api/v1/capital", headers=headers, message_part="X-Timestamp")
        await self.assert_refused("GET", "/wapi/v1/history/fills", {"limit": SUPERSCRIPT_TWO}, message_part="limit",
                                  decoder=True)

    async def test_bodies_that_are_not_objects_are_a_clear_400(self):
        cases = [("POST", "/api/v1/order", [1, 2]), ("POST", "/api/v1/order", "text"), ("POST", "/api/v1/order", 5),
                 ("POST", "/api/v1/orders", [{"symbol": "SOL_USDC"}, 3]), ("DELETE", "/api/v1/order", [1])]
        for method, path, body in cases:
            with self.subTest(body=body):
                # Signed over an empty parameter set: such a body has no signable form at all.
                headers = self.alice.headers("orderExecute" if method == "POST" else "orderCancel", {})
                await self.assert_refused(method, path, body, headers=headers, message_part="parse request payload",
                                          decoder=True)
        self.assertEqual([], await self.alice.ok("GET", "/wapi/v1/history/orders"))

    def test_starting_balances_must_be_finite(self):
        with self.assertRaises(ValueError):
            Exchange().add_account("key", {"USDC": "Infinity"})
        with self.assertRaises(Exception):
            parse_account("key:USDC=Infinity")


class MalformedWsSignatureTest(EmulatorTestCase):
    async def test_signature_items_of_the_wrong_type_get_an_error_frame(self):
        ws = await self.session.ws_connect(self.server.ws_url)
        for signature in ([1, 2, 3, 4], [self.alice.api_key, None, "1", "5000"], [True, "x", "1", "5000"]):
            with self.subTest(signature=signature):
                await ws.send_json({"method": "SUBSCRIBE", "params": ["account.orderUpdate"],
                                    "signature": signature})
                frame = json.loads((await ws.receive(timeout=5)).data)
                self.assertEqual((None, 4007), (frame["id"], frame["error"]["code"]))
        # The socket survived the bad requests: a correct subscription still works on it.
        await self.subscribe(ws, self.alice.subscribe_message(["account.orderUpdate"]))
        self.assertTrue(self.server.hub.wants_private(self.alice.api_key))
        await ws.close()


class QuoteFillOrKillTest(EmulatorTestCase):
    async def test_quote_sized_fok_fills_when_the_book_covers_it_and_expires_when_not(self):
        await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price="180", quantity="1")
        filled = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quoteQuantity="90",
                                        timeInForce="FOK")
        self.assertEqual(("Filled", "0.5"), (filled["status"], filled["executedQuantity"]))
        killed = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quoteQuantity="91",
                                        timeInForce="FOK")  # only 0.5 SOL = 90 USDC is left
        self.assertEqual(("Expired", "0"), (killed["status"], killed["executedQuantity"]))
        balances = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual(Decimal("100000") - Decimal("90"), Decimal(balances["USDC"]["available"]))


class LoopbackOnlyTest(EmulatorTestCase):
    def test_server_and_cli_refuse_non_loopback_addresses(self):
        for host in ("0.0.0.0", "192.168.1.10", "example.com"):
            with self.subTest(host=host), self.assertRaises(ValueError):
                EmulatorServer(host=host, market_data=False)
        EmulatorServer(host="::1", market_data=False)  # loopback in IPv6 is fine
        result = subprocess.run([sys.executable, "-m", "backpack_emulator", "--host", "0.0.0.0", "--port", "0"],
                                cwd=ROOT, capture_output=True, text=True, timeout=30)
        self.assertEqual(2, result.returncode)
        self.assertIn("loopback", result.stderr)


class AggregatedDepthStreamTest(EmulatorTestCase):
    async def test_depth_200ms_stream_is_accepted_and_carries_consecutive_diffs(self):
        ws = await self.ws("depth.200ms.SOL_USDC")
        for price in ("170", "171"):
            await self.bob.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price=price, quantity="1")
        first = await next_frame(ws, "depth.200ms.SOL_USDC")
        second = await next_frame(ws, "depth.200ms.SOL_USDC")
        self.assertEqual("depth", first["data"]["e"])
        self.assertEqual([["170.00", "1.00"]], first["data"]["b"])  # tick and step decimals, as live
        self.assertEqual(first["data"]["u"] + 1, second["data"]["U"])
        await ws.send_json({"method": "SUBSCRIBE", "params": ["depth.5ms.SOL_USDC"]})
        frame = json.loads((await ws.receive(timeout=5)).data)
        self.assertEqual(4006, frame["error"]["code"])
        await ws.close()
