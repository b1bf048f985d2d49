"""The strict request decoder (request_schema.py), one test per rule: what the live server's typed
request structs cannot decode is refused with a plain-text 400 and changes nothing."""
import base64
import json
import time

from nacl.signing import SigningKey

from backpack_emulator import request_schema
from test.emulator.support import EmulatorTestCase, sign, wait_for

LIMIT = {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "150", "quantity": "1"}


class StrictRestDecodingTest(EmulatorTestCase):
    async def assert_refused(self, method, path, params, *parts, headers=None):
        status, body, response_headers = await self.alice.call(method, path, params, headers=headers)
        self.assertEqual(400, status, body)
        self.assertEqual("text/plain", response_headers["Content-Type"].split(";")[0], body)
        for part in parts:
            self.assertIn(part, body)
        return body

    async def assert_nothing_changed(self):
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders"))
        self.assertEqual([], await self.alice.ok("GET", "/wapi/v1/history/orders"))

    async def test_unknown_body_field_is_refused(self):
        await self.assert_refused("POST", "/api/v1/order", {**LIMIT, "postonly": True}, "unknown field `postonly`",
                                  '"OrderExecutePayload"')
        await self.assert_refused("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC", "all": True},
                                  "unknown field `all`")
        await self.assert_nothing_changed()

    async def test_unknown_query_parameter_is_refused(self):
        await self.assert_refused("GET", "/api/v1/depth", {"symbol": "SOL_USDC", "depth": "5"},
                                  "failed to parse parameter `depth`", "unknown parameter")
        await self.assert_refused("GET", "/wapi/v1/history/fills", {"sort": "Desc"}, "parameter `sort`")

    async def test_boolean_written_as_a_string_is_refused(self):
        body = await self.assert_refused("POST", "/api/v1/order", {**LIMIT, "postOnly": "true"}, "`postOnly`",
                                         'Expected input type "boolean", found "true"')
        self.assertIn("parse request payload error", body)
        await self.assert_refused("PATCH", "/api/v1/account", {"autoLend": "false"}, "`autoLend`")
        await self.assert_nothing_changed()

    async def test_integer_written_as_a_string_is_refused(self):
        await self.assert_refused("POST", "/api/v1/order", {**LIMIT, "clientId": "123"}, "`clientId`",
                                  'Expected input type "integer(uint32)", found "123"')
        await self.assert_refused("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": "7"}, "`clientId`")
        await self.assert_nothing_changed()

    async def test_decimal_written_as_a_json_number_or_in_another_notation_is_refused(self):
        for price in (150, 150.5, "1.5e2", "+150", " 150", "NaN", "150."):
            with self.subTest(price=price):
                await self.assert_refused("POST", "/api/v1/order", {**LIMIT, "price": price}, "`price`",
                                          "string(decimal)")
        await self.assert_refused("PATCH", "/api/v1/account", {"leverageLimit": 5}, "`leverageLimit`")
        await self.assert_nothing_changed()

    async def test_enum_values_are_spelled_exactly(self):
        cases = [({**LIMIT, "side": "Buy"}, "`side`"), ({**LIMIT, "orderType": "LIMIT"}, "`orderType`"),
                 ({**LIMIT, "timeInForce": "gtc"}, "`timeInForce`"),
                 ({**LIMIT, "selfTradePrevention": "rejectTaker"}, "`selfTradePrevention`")]
        for payload, part in cases:
            with self.subTest(payload=payload):
                await self.assert_refused("POST", "/api/v1/order", payload, part, "enum(")
        await self.assert_refused("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC", "orderType": "Limit"},
                                  "`orderType`", "RestingLimitOrder")
        await self.assert_refused("GET", "/wapi/v1/history/orders", {"sortDirection": "desc"}, "`sortDirection`")
        await self.assert_refused("GET", "/api/v1/markets", {"marketType": "spot"}, "`marketType`")
        await self.assert_refused("GET", "/api/v1/klines", {"symbol": "SOL_USDC", "interval": "1M",
                                                             "startTime": "0"}, "`interval`")
        await self.assert_nothing_changed()

    async def test_integers_out_of_range_are_refused(self):
        for client_id in (2**32, -1, True, 1.0):
            with self.subTest(client_id=client_id):
                await self.assert_refused("POST", "/api/v1/order", {**LIMIT, "clientId": client_id}, "`clientId`")
        await self.assert_refused("GET", "/wapi/v1/history/fills", {"limit": "-1"}, "`limit`", "uint64")
        await self.assert_refused("GET", "/api/v1/trades", {"symbol": "SOL_USDC", "limit": "70000"}, "uint16")
        await self.assert_nothing_changed()

    async def test_body_parameters_sent_in_the_query_string_are_refused(self):
        order = await self.alice.order(**LIMIT, clientId=9)
        query = {"symbol": "SOL_USDC", "orderId": order["id"]}
        url = self.server.rest_url.rstrip("/") + "/api/v1/order"
        async with self.session.delete(url, params=query, headers=self.alice.headers("orderCancel", query)) as resp:
            self.assertEqual(400, resp.status)
            self.assertIn("travel in the JSON body", await resp.text())
        self.assertEqual([order["id"]], [o["id"] for o in await self.alice.ok("GET", "/api/v1/orders")])

    async def test_required_fields_missing_or_null_are_refused(self):
        await self.assert_refused("DELETE", "/api/v1/order", {}, "`symbol`", "found null")
        await self.assert_refused("POST", "/api/v1/order", {**LIMIT, "symbol": None}, "`symbol`", "found null")
        await self.assert_refused("GET", "/api/v1/klines", {"symbol": "SOL_USDC", "interval": "1m"},
                                  "`startTime`", "found null")
        await self.assert_nothing_changed()

    async def test_batch_body_must_be_an_array_and_single_body_an_object(self):
        await self.assert_refused("POST", "/api/v1/orders", LIMIT, "list_OrderExecutePayload", "found an object")
        await self.assert_refused("POST", "/api/v1/orders", [LIMIT, {**LIMIT, "postOnly": 1}], "`postOnly`")
        await self.assert_refused("POST", "/api/v1/order", [LIMIT], '"OrderExecutePayload"', "found an array")
        await self.assert_nothing_changed()

    async def test_repeated_query_key_is_refused_unless_the_parameter_is_an_array(self):
        base = self.server.rest_url.rstrip("/")
        async with self.session.get(base + "/api/v1/depth?symbol=SOL_USDC&symbol=BTC_USDC") as resp:
            self.assertEqual(400, resp.status)
            self.assertIn("expected a single value", await resp.text())
        async with self.session.get(base + "/api/v1/markets?marketType=SPOT&marketType=PERP") as resp:
            self.assertEqual(200, resp.status)
            self.assertEqual({"SPOT", "PERP"}, {m["marketType"] for m in await resp.json()})

    async def test_orderid_is_a_string_in_cancel_bodies(self):
        order = await self.alice.order(**LIMIT)
        await self.assert_refused("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": int(order["id"])},
                                  "`orderId`", 'Expected input type "string"')
        cancelled = await self.alice.ok("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": order["id"]})
        self.assertEqual("Cancelled", cancelled["status"])


class NullParameterSigningTest(EmulatorTestCase):
    def headers_for(self, message: str, timestamp: int):
        signature = SigningKey(base64.b64decode(self.alice.secret)).sign(message.encode()).signature
        return {"X-API-Key": self.alice.api_key, "X-Signature": base64.b64encode(signature).decode(),
                "X-Timestamp": str(timestamp), "X-Window": "5000", "Content-Type": "application/json; charset=utf-8"}

    async def test_a_null_optional_parameter_is_absent_and_key_null_does_not_verify(self):
        body = {**LIMIT, "clientId": None}
        timestamp = int(time.time() * 1000)
        pairs = "&".join(f"{k}={body[k]}" for k in sorted(body) if body[k] is not None)
        written = "&".join(f"{k}={'null' if body[k] is None else body[k]}" for k in sorted(body))
        url = self.server.rest_url.rstrip("/") + "/api/v1/order"
        message = f"instruction=orderExecute&{written}&timestamp={timestamp}&window=5000"
        async with self.session.post(url, data=json.dumps(body), headers=self.headers_for(message, timestamp)) as resp:
            self.assertEqual((400, "Invalid signature"), (resp.status, (await resp.json())["message"]))
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders"))
        message = f"instruction=orderExecute&{pairs}&timestamp={timestamp}&window=5000"
        async with self.session.post(url, data=json.dumps(body), headers=self.headers_for(message, timestamp)) as resp:
            order = await resp.json()
            self.assertEqual((200, None), (resp.status, order["clientId"]))


class StrictWsDecodingTest(EmulatorTestCase):
    async def refused(self, ws, message):
        await ws.send_json(message)
        frame = json.loads((await ws.receive(timeout=5)).data)
        self.assertIsNone(frame["id"], frame)
        return frame["error"]

    async def test_timestamp_and_window_inside_the_signature_must_be_strings(self):
        ws = await self.session.ws_connect(self.server.ws_url)
        timestamp = int(time.time() * 1000)
        signature = sign(self.alice.secret, "subscribe", {}, timestamp)
        for stamp, window in ((timestamp, "5000"), (str(timestamp), 5000), (timestamp, 5000)):
            with self.subTest(timestamp=stamp, window=window):
                error = await self.refused(ws, {"method": "SUBSCRIBE", "params": ["account.orderUpdate"],
                                                "signature": [self.alice.api_key, signature, stamp, window]})
                self.assertEqual(4007, error["code"])
        self.assertEqual(3, len(self.server.hub.refusals))
        good = {"method": "SUBSCRIBE", "params": ["account.orderUpdate"],
                "signature": [self.alice.api_key, signature, str(timestamp), "5000"]}
        await self.subscribe(ws, good)
        self.assertTrue(self.server.hub.wants_private(self.alice.api_key))
        await ws.close()

    async def test_unknown_request_field_is_refused(self):
        ws = await self.session.ws_connect(self.server.ws_url)
        error = await self.refused(ws, {"method": "SUBSCRIBE", "params": ["depth.SOL_USDC"], "stream": "x"})
        self.assertEqual((4006, "Invalid request: unknown field `stream`"), (error["code"], error["message"]))
        await ws.close()

    async def test_a_request_id_is_refused_and_subscribes_nothing(self):
        """Backpack's docs and official client send `{"method", "params"}` (+ `signature`) and document
        neither an `id` nor an answer: an `id` is refused like any unknown field, nothing is subscribed."""
        ws = await self.session.ws_connect(self.server.ws_url)
        requests = [{"method": "SUBSCRIBE", "params": ["depth.SOL_USDC"], "id": 1},
                    {**self.alice.subscribe_message(["account.orderUpdate"]), "id": 2}]
        for request in requests:
            await ws.send_json(request)
            self.assertEqual({"id": None, "error": {"code": 4006, "message": "Invalid request: unknown field `id`"}},
                             json.loads((await ws.receive(timeout=5)).data))
        self.assertFalse(self.server.hub.wants("depth.SOL_USDC"))
        self.assertFalse(self.server.hub.wants_private(self.alice.api_key))
        self.assertEqual([{"ws": request, "refusal": "Invalid request: unknown field `id`"} for request in requests],
                         await self.admin.refusals())
        await ws.close()

    async def test_an_unsubscribe_with_an_id_is_refused_and_the_streams_stay(self):
        ws = await self.ws("depth.SOL_USDC")
        await ws.send_json({"method": "UNSUBSCRIBE", "params": ["depth.SOL_USDC"], "id": 3})
        self.assertEqual(4006, json.loads((await ws.receive(timeout=5)).data)["error"]["code"])
        self.assertTrue(self.server.hub.wants("depth.SOL_USDC"))
        self.assertEqual(1, len(await self.admin.refusals()))
        await ws.close()

    async def test_the_documented_subscribe_streams_without_an_answer(self):
        """Public and signed private SUBSCRIBE without `id`: no answer frame, the streams' frames come first."""
        ws = await self.session.ws_connect(self.server.ws_url)
        await ws.send_json({"method": "SUBSCRIBE", "params": ["depth.SOL_USDC"]})
        await ws.send_json(self.alice.subscribe_message(["account.orderUpdate"]))
        await wait_for(lambda: self.server.hub.wants("depth.SOL_USDC")
                       and self.server.hub.wants_private(self.alice.api_key), "both subscriptions")
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="150", quantity="1")
        streams = {json.loads((await ws.receive(timeout=5)).data).get("stream") for _ in range(2)}
        self.assertEqual({"depth.SOL_USDC", "account.orderUpdate"}, streams)
        self.assertEqual([], await self.admin.refusals())
        await ws.close()


class SchemaCoverageTest(EmulatorTestCase):
    def test_every_served_backpack_route_has_a_request_schema(self):
        from aiohttp import web
        from backpack_emulator.admin import AdminApi
        from backpack_emulator.rest import RestApi
        app = web.Application()
        RestApi(self.server).add_routes(app)
        AdminApi(self.server).add_routes(app)
        routes = {(r.method, r.resource.canonical) for r in app.router.routes() if r.method != "HEAD"}
        served = {route for route in routes if not route[1].startswith("/_admin/")}
        self.assertGreater(len(served), 30)
        self.assertEqual(set(), served - set(request_schema.SCHEMAS), "routes without a request schema")
