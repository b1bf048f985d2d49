"""Fault injection through the admin API, the request log, admin state/accounts and restarts."""
import asyncio
import time
from decimal import Decimal

import aiohttp

from backpack_emulator.server import EmulatorServer
from test.emulator.support import EmulatorTestCase, next_frame, settle

BID = {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "100", "quantity": "1"}


class FaultTest(EmulatorTestCase):
    async def test_fail_next_requests_with_429_and_503(self):
        await self.admin.fail_next("/api/v1/order", status=429, count=1, method="POST")
        await self.admin.fail_next("/api/v1/order", status=503, count=1, method="POST")
        status, body, headers = await self.alice.call("POST", "/api/v1/order", BID)
        self.assertEqual((429, "TOO_MANY_REQUESTS"), (status, body["code"]))
        self.assertIn("X-Emulator-Processing-Us", headers)
        status, body, _ = await self.alice.call("POST", "/api/v1/order", BID)
        self.assertEqual(503, status)
        self.assertEqual("Unknown error, please check your request or try again later.", body["message"])
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders"))  # failed requests place nothing
        self.assertEqual(200, (await self.alice.call("POST", "/api/v1/order", BID))[0])
        status, _, _ = await self.alice.call("GET", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 1})
        self.assertEqual(404, status)  # other methods on the path were not affected

    async def test_no_content_answers_204_without_a_body(self):
        await self.admin.no_content("/api/v1/ticker", count=1)
        status, body, _ = await self.alice.call("GET", "/api/v1/ticker", {"symbol": "SOL_USDC"})
        self.assertEqual((204, None), (status, body))
        status, body, _ = await self.alice.call("GET", "/api/v1/ticker", {"symbol": "SOL_USDC"})
        self.assertEqual((200, "SOL_USDC"), (status, body["symbol"]))  # only the next one

    async def test_delay_responses_per_path(self):
        await self.admin.delay("/api/v1/depth", 0.3)
        started = time.monotonic()
        _, _, headers = await self.alice.call("GET", "/api/v1/depth", {"symbol": "SOL_USDC"})
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        self.assertLess(int(headers["X-Emulator-Processing-Us"]), 300_000)  # the injected delay is excluded
        started = time.monotonic()
        await self.alice.call("GET", "/api/v1/ping")
        self.assertLess(time.monotonic() - started, 0.25)
        await self.admin.delay("/api/v1/depth", 0)
        self.assertEqual([], (await self.admin.faults())["delays"])

    async def test_accept_but_never_answer(self):
        await self.admin.hang_order_creates(1)
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(self.alice.call("POST", "/api/v1/order", {**BID, "clientId": 5}), 0.5)
        order = await self.alice.ok("GET", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 5})
        self.assertEqual("New", order["status"])  # the order exists although the client never heard back
        logged = await self.admin.requests(path="/api/v1/order", method="POST")
        self.assertEqual((True, None, order["id"]), (logged[0]["hung"], logged[0]["status"], logged[0]["response"]["id"]))
        self.assertEqual(200, (await self.alice.call("POST", "/api/v1/order", BID))[0])  # only the next one hangs

    async def test_late_registration_within_and_after_the_signature_window(self):
        await self.admin.late_order_creates(after=0.3, count=1)
        status, body, _ = await self.alice.call("POST", "/api/v1/order", {**BID, "clientId": 7})
        self.assertEqual((503, "Unknown error, please check your request or try again later."),
                         (status, body["message"]))
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders"))  # not registered yet
        await asyncio.sleep(0.5)
        self.assertEqual([7], [o["clientId"] for o in await self.alice.ok("GET", "/api/v1/orders")])
        # signed with a 200 ms window and reaching the engine 300 ms later: refused there, no order ever
        await self.admin.late_order_creates(after=0.3, count=1, answer="hang")
        headers = self.alice.headers("orderExecute", {**BID, "clientId": 8}, window=200)
        with self.assertRaises(aiohttp.ClientError):
            await self.alice.call("POST", "/api/v1/order", {**BID, "clientId": 8}, headers=headers)
        await asyncio.sleep(0.2)
        self.assertEqual([7], [o["clientId"] for o in await self.alice.ok("GET", "/api/v1/orders")])
        self.assertEqual([7], [o["clientId"] for o in await self.alice.ok("GET", "/wapi/v1/history/orders")])
        late = (await self.admin.faults())["lateOrderCreates"]
        self.assertEqual((1, 1, 0), (late["registered"], late["refused"], late["remaining"]))

    async def test_cancels_answered_202_without_body_execute_later(self):
        for client_id in (1, 2, 3):
            await self.alice.order(**BID, clientId=client_id)
        await self.admin.accept_cancels("/api/v1/order", after=0.2)
        status, body, _ = await self.alice.call("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 1})
        self.assertEqual((202, None), (status, body))
        self.assertEqual(3, len(await self.alice.ok("GET", "/api/v1/orders")))  # accepted, not executed yet
        await asyncio.sleep(0.4)
        self.assertEqual([2, 3], [o["clientId"] for o in await self.alice.ok("GET", "/api/v1/orders")])
        await self.admin.accept_cancels("/api/v1/orders", after=0.2)
        status, body, _ = await self.alice.call("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC"})
        self.assertEqual((202, None), (status, body))
        await asyncio.sleep(0.4)
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders"))
        status, _, _ = await self.alice.call("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC"})
        self.assertEqual(200, status)  # one cancel only

    async def test_cancels_answered_202_that_never_execute(self):
        await self.alice.order(**BID, clientId=4)
        await self.admin.accept_cancels("/api/v1/order", count=2, after=None)
        for _ in range(2):
            status, body, _ = await self.alice.call("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 4})
            self.assertEqual((202, None), (status, body))
        await asyncio.sleep(0.3)
        self.assertEqual([(4, "New")], [(o["clientId"], o["status"]) for o in await self.alice.ok("GET", "/api/v1/orders")])
        cancelled = await self.alice.ok("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 4})
        self.assertEqual("Cancelled", cancelled["status"])  # the next cancel, no longer accepted-only, executes

    async def test_clock_shift_moves_time_and_signature_window(self):
        await self.admin.shift_clock(-60_000)
        _, server_time, _ = await self.alice.call("GET", "/api/v1/time")
        self.assertLess(abs(server_time - (time.time() * 1000 - 60_000)), 2000)
        status, body, _ = await self.alice.call("GET", "/api/v1/capital")
        self.assertEqual(400, status)
        self.assertIn("timestamp", body["message"])
        await self.admin.shift_clock(10_000)
        status, body, _ = await self.alice.call("GET", "/api/v1/capital")
        self.assertEqual((401, "Request has expired"), (status, body))
        await self.admin.clear_faults()
        self.assertEqual(200, (await self.alice.call("GET", "/api/v1/capital"))[0])

    async def test_skip_depth_sequence_number(self):
        ws = await self.ws("depth.SOL_USDC")
        await self.alice.order(**BID)
        first = (await next_frame(ws, "depth.SOL_USDC"))["data"]
        await self.admin.skip_depth_sequence("SOL_USDC", 1)
        await self.alice.order(**{**BID, "price": "101"})
        second = (await next_frame(ws, "depth.SOL_USDC"))["data"]
        self.assertEqual(first["u"] + 2, second["U"])
        snapshot = await self.alice.ok("GET", "/api/v1/depth", {"symbol": "SOL_USDC"})
        self.assertEqual(str(second["u"]), snapshot["lastUpdateId"])
        await ws.close()

    async def test_drop_ws_connections_by_scope(self):
        public = await self.ws("depth.SOL_USDC")
        private = await self.ws("account.orderUpdate")
        self.assertEqual(1, await self.admin.drop_ws("private"))
        message = await private.receive(timeout=3)
        self.assertIn(message.type, (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED))
        self.assertFalse(public.closed)
        self.assertEqual(1, await self.admin.drop_ws("all"))
        message = await public.receive(timeout=3)
        self.assertIn(message.type, (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED))
        await public.close()
        await private.close()

    async def test_duplicate_and_reorder_private_events(self):
        ws = await self.ws("account.orderUpdate")
        await self.admin.private_ws_fault("duplicate", 1)
        order = await self.alice.order(**BID)
        first = await next_frame(ws, "account.orderUpdate")
        second = await next_frame(ws, "account.orderUpdate")
        self.assertEqual(first, second)
        self.assertEqual(("orderAccepted", order["id"]), (first["data"]["e"], first["data"]["i"]))
        await self.admin.private_ws_fault("reorder", 1)
        await self.alice.ok("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC"})
        await self.alice.order(**{**BID, "price": "99"})
        events = [(await next_frame(ws, "account.orderUpdate"))["data"]["e"] for _ in range(2)]
        self.assertEqual(["orderAccepted", "orderCancelled"], events)  # the cancel was held back
        await ws.close()

    async def test_drop_private_events_of_an_account_by_type(self):
        ws = await self.ws("account.orderUpdate")
        await self.admin.drop_private_events(1, account=self.alice.api_key, events=["orderFill"])
        maker = await self.alice.order(**BID)
        self.assertEqual("orderAccepted", (await next_frame(ws, "account.orderUpdate"))["data"]["e"])
        await self.bob.order(**{**BID, "side": "Ask", "quantity": "0.25"})  # first fill: not delivered
        await self.bob.order(**{**BID, "side": "Ask", "quantity": "0.25"})
        frame = (await next_frame(ws, "account.orderUpdate"))["data"]
        self.assertEqual(("orderFill", maker["id"], "0.25", "0.50"), (frame["e"], frame["i"], frame["l"], frame["z"]))
        fills = await self.alice.ok("GET", "/wapi/v1/history/fills", {"symbol": "SOL_USDC"})
        self.assertEqual(2, len(fills))  # the fill happened; only its event was lost
        self.assertEqual([], (await self.admin.faults())["privateDrops"])
        await ws.close()

    async def test_order_history_lag(self):
        await self.admin.order_history_lag(30)
        order = await self.alice.order(**BID)
        self.assertEqual([], await self.alice.ok("GET", "/wapi/v1/history/orders", {"symbol": "SOL_USDC"}))
        self.assertEqual(1, len(await self.alice.ok("GET", "/api/v1/orders", {"symbol": "SOL_USDC"})))
        await self.admin.order_history_lag(0.05)
        await asyncio.sleep(0.1)
        rows = await self.alice.ok("GET", "/wapi/v1/history/orders", {"symbol": "SOL_USDC"})
        self.assertEqual([order["id"]], [r["id"] for r in rows])

    async def test_request_log_and_admin_state(self):
        await self.admin.clear_requests()
        await self.alice.order(**{**BID, "clientId": 9})
        await self.alice.call("GET", "/api/v1/capital", signed=False)
        log = await self.admin.requests()
        self.assertEqual(["/api/v1/order", "/api/v1/capital"], [e["path"] for e in log])
        entry = log[0]
        self.assertEqual(("POST", self.alice.api_key, "orderExecute", 200, 9),
                         (entry["method"], entry["apiKey"], entry["instruction"], entry["status"], entry["params"]["clientId"]))
        self.assertEqual(401, log[1]["status"])
        self.assertIsInstance(entry["time"], int)
        state = await self.admin.state(self.alice.api_key)
        account = state["accounts"][self.alice.api_key]
        self.assertEqual("100", account["balances"]["USDC"]["locked"])
        self.assertEqual(1, len(account["openOrders"]))
        created = await self.admin.create_account("carol-key", {"USDC": "5"})
        self.assertEqual("5", created["balances"]["USDC"]["available"])
        await self.admin.create_account("carol-key", {"USDC": "5"})
        self.assertEqual(Decimal(10), self.server.exchange.ledger.available("carol-key", "USDC"))
        with self.assertRaises(RuntimeError):
            await self.admin.create_account("carol-key", {"USDC": "-1"})


class RestartTest(EmulatorTestCase):
    async def test_orders_survive_a_restart_on_the_same_port(self):
        order = await self.alice.order(**BID)
        port, exchange = self.server.port, self.server.exchange
        await self.server.stop()
        self.server = EmulatorServer(port=port, market_data=False, exchange=exchange)
        await self.server.start()
        self.alice.server = self.server
        self.assertEqual(port, self.server.port)
        again = await self.alice.ok("GET", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": order["id"]})
        self.assertEqual("New", again["status"])
        ws = await self.ws("account.orderUpdate")
        await self.alice.ok("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": order["id"]})
        self.assertEqual("orderCancelled", (await next_frame(ws, "account.orderUpdate"))["data"]["e"])
        await settle()
        await ws.close()


class RestartWithMarketDataTest(EmulatorTestCase):
    market_data = True

    async def test_generator_adopts_its_quotes_after_a_restart(self):
        port, exchange = self.server.port, self.server.exchange
        await self.server.stop()
        self.server = EmulatorServer(port=port, market_data=True, exchange=exchange)
        await self.server.start()
        quotes = [(o.symbol, o.price) for o in exchange.open_orders.values() if o.account == "__market_maker__"]
        self.assertEqual(len(set(quotes)), len(quotes))  # the old quotes are reused, never doubled
        self.assertLessEqual(len(quotes), 4 * 2 * 10)  # ten levels a side on four markets
        self.assertEqual([], list(exchange.order_history.get("__market_maker__", [])))
