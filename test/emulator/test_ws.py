"""WebSocket streams: depth continuity and snapshot+diff rebuild, trade, bookTicker, markPrice, kline,
private order/position updates with a signed subscription, refusals, unsubscribe and server pings."""
import asyncio
import json
import time
from datetime import datetime, timezone
from decimal import Decimal

import aiohttp

from test.emulator.support import EmulatorTestCase, next_frame, settle, wait_for

ORDER_LETTERS = {"e", "E", "s", "S", "o", "f", "q", "p", "X", "i", "z", "Z", "V", "T", "O", "r"}  # y: post-only only


def apply_diff(book, diff):
    """A client's view of a depth diff: absolute quantities, "0" removes the level."""
    for side in ("a", "b"):
        for price, quantity in diff[side]:
            if Decimal(quantity) == 0:
                book[side].pop(price, None)
            else:
                book[side][price] = quantity


class PublicStreamTest(EmulatorTestCase):
    market_data = True
    server_options = {"market_data_interval_s": 0.02}

    async def test_depth_snapshot_plus_diffs_rebuilds_the_book(self):
        ws = await self.ws("depth.SOL_USDC")
        buffered = [(await next_frame(ws, "depth.SOL_USDC"))["data"] for _ in range(3)]
        snapshot = await self.alice.ok("GET", "/api/v1/depth", {"symbol": "SOL_USDC", "limit": 1000})
        book = {"a": {p: q for p, q in snapshot["asks"]}, "b": {p: q for p, q in snapshot["bids"]}}
        last = int(snapshot["lastUpdateId"])
        previous_u = None
        applied = 0
        deadline = time.monotonic() + 3
        while applied < 30 and time.monotonic() < deadline:
            diff = buffered.pop(0) if buffered else (await next_frame(ws, "depth.SOL_USDC"))["data"]
            self.assertEqual({"e", "E", "s", "a", "b", "U", "u", "T"}, set(diff))
            self.assertEqual("depth", diff["e"])
            self.assertIsInstance(diff["U"], int)
            if previous_u is not None:
                self.assertEqual(previous_u + 1, diff["U"], "gap in the depth sequence")
            previous_u = diff["u"]
            if diff["u"] <= last:
                continue
            apply_diff(book, diff)
            last = diff["u"]
            applied += 1
        self.assertGreaterEqual(applied, 5)
        self.server.market_data_paused = True
        ours = self.server.exchange.books["SOL_USDC"]
        while last < ours.update_id:  # drain what was published before the pause
            diff = (await next_frame(ws, "depth.SOL_USDC"))["data"]
            self.assertEqual(last + 1, diff["U"])
            apply_diff(book, diff)
            last = diff["u"]
        rebuilt = {side: {Decimal(p): Decimal(q) for p, q in levels.items()} for side, levels in book.items()}
        self.assertEqual(dict(ours.asks.snapshot(1000)), rebuilt["a"])
        self.assertEqual(dict(ours.bids.snapshot(1000)), rebuilt["b"])
        self.assertLess(max(rebuilt["b"]), min(rebuilt["a"]))
        await ws.close()

    async def test_trade_and_book_ticker(self):
        ws = await self.ws("trade.SOL_USDC", "bookTicker.SOL_USDC")
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="0.5")
        trade = (await next_frame(ws, "trade.SOL_USDC"))["data"]
        self.assertEqual({"e", "E", "s", "p", "q", "b", "a", "t", "T", "m"}, set(trade))
        self.assertEqual(("trade", "SOL_USDC"), (trade["e"], trade["s"]))
        self.assertIsInstance(trade["t"], int)
        self.assertIsInstance(trade["m"], bool)
        self.assertIsInstance(trade["b"], str)
        self.assertGreater(trade["E"], 10**15)
        ticker = (await next_frame(ws, "bookTicker.SOL_USDC"))["data"]
        self.assertEqual({"e", "E", "s", "a", "A", "b", "B", "u", "T"}, set(ticker))
        self.assertLess(Decimal(ticker["b"]), Decimal(ticker["a"]))
        await ws.close()

    async def test_mark_price_and_kline(self):
        ws = await self.ws("markPrice.SOL_USDC_PERP", "kline.1s.SOL_USDC", "ticker.SOL_USDC")
        mark = (await next_frame(ws, "markPrice.SOL_USDC_PERP", timeout=3))["data"]
        self.assertEqual({"e", "E", "s", "p", "f", "i", "n", "T"}, set(mark))
        self.assertLess(abs(mark["n"] - time.time() * 1000), 3_600_001)  # ms, not µs
        self.assertGreater(mark["E"], 10**15)
        kline = (await next_frame(ws, "kline.1s.SOL_USDC", timeout=4))["data"]
        self.assertEqual({"e", "E", "s", "t", "T", "o", "c", "h", "l", "v", "n", "X"}, set(kline))
        self.assertRegex(kline["t"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        self.assertIsInstance(kline["n"], int)
        self.assertIsInstance(kline["X"], bool)
        while not kline["X"]:  # the 1 s candle closes with a final X=true frame
            kline = (await next_frame(ws, "kline.1s.SOL_USDC", timeout=4))["data"]
        start = int(datetime.strptime(kline["t"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
        candle = self.server.exchange.klines.candle_at("SOL_USDC", "1s", start)
        self.assertEqual((candle.close, candle.volume), (Decimal(kline["c"]), Decimal(kline["v"])))
        ticker = (await next_frame(ws, "ticker.SOL_USDC", timeout=3))["data"]
        self.assertEqual({"e", "E", "s", "o", "c", "h", "l", "v", "V", "n"}, set(ticker))
        self.assertIsInstance(ticker["n"], int)
        await ws.close()

    async def test_invalid_stream_and_unsubscribe(self):
        ws = await self.session.ws_connect(self.server.ws_url)
        await ws.send_json({"method": "SUBSCRIBE", "params": ["depth.NOPE_USDC"]})
        error = json.loads((await ws.receive(timeout=3)).data)
        self.assertEqual(4006, error["error"]["code"])
        await self.subscribe(ws, {"method": "SUBSCRIBE", "params": ["trade.SOL_USDC"]})
        self.assertTrue(self.server.hub.wants("trade.SOL_USDC"))
        await ws.send_json({"method": "UNSUBSCRIBE", "params": ["trade.SOL_USDC"]})
        await wait_for(lambda: not self.server.hub.wants("trade.SOL_USDC"), "the unsubscription", timeout=5)
        self.assertEqual(1, len(self.server.hub.refusals))  # the invalid stream only
        await ws.close()


class PrivateStreamTest(EmulatorTestCase):
    async def test_order_updates_for_accept_fill_cancel(self):
        ws = await self.ws("account.orderUpdate")
        ask = await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price="180", quantity="1")
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="180", quantity="3",
                               clientId=77)
        accepted = (await next_frame(ws, "account.orderUpdate"))["data"]
        self.assertTrue(ORDER_LETTERS <= set(accepted), ORDER_LETTERS - set(accepted))
        self.assertEqual(("orderAccepted", "New", "LIMIT", 77, "Bid", "3.00", "180.00"),
                         (accepted["e"], accepted["X"], accepted["o"], accepted["c"], accepted["S"],
                          accepted["q"], accepted["p"]))
        fill = (await next_frame(ws, "account.orderUpdate"))["data"]
        self.assertEqual(("orderFill", "PartiallyFilled", "1.00", "180.00", False, "0.001", "SOL", "1.00", "180.0000"),
                         (fill["e"], fill["X"], fill["l"], fill["L"], fill["m"], fill["n"], fill["N"],
                          fill["z"], fill["Z"]))
        self.assertIsInstance(fill["t"], int)
        self.assertGreater(fill["T"], 10**15)
        await self.alice.ok("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 77})
        cancelled = (await next_frame(ws, "account.orderUpdate"))["data"]
        self.assertEqual(("orderCancelled", "Cancelled"), (cancelled["e"], cancelled["X"]))
        self.assertNotIn(ask["id"], str(cancelled))  # bob's events never reach alice
        await ws.close()

    async def test_symbol_scoped_stream_and_expired_event(self):
        ws = await self.ws("account.orderUpdate.BTC_USDC")
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="100", quantity="1")
        await self.alice.order(symbol="BTC_USDC", side="Bid", orderType="Limit", price="90000", quantity="0.001",
                               timeInForce="IOC")
        first = await next_frame(ws, "account.orderUpdate")
        self.assertEqual(("account.orderUpdate.BTC_USDC", "orderAccepted"), (first["stream"], first["data"]["e"]))
        expired = (await next_frame(ws, "account.orderUpdate"))["data"]
        self.assertEqual(("orderExpired", "Expired", "ImmediateOrCancel"), (expired["e"], expired["X"], expired["R"]))
        await ws.close()

    async def test_position_updates_start_with_a_snapshot(self):
        await self.bob.order(symbol="SOL_USDC_PERP", side="Ask", orderType="Limit", price="180", quantity="4")
        await self.alice.order(symbol="SOL_USDC_PERP", side="Bid", orderType="Market", quantity="1")
        ws = await self.ws("account.positionUpdate")
        snapshot = (await next_frame(ws, "account.positionUpdate"))["data"]
        self.assertNotIn("e", snapshot)
        self.assertEqual(("SOL_USDC_PERP", "1.00", "180"), (snapshot["s"], snapshot["q"], snapshot["B"]))
        self.assertIsInstance(snapshot["i"], int)
        await self.alice.order(symbol="SOL_USDC_PERP", side="Bid", orderType="Market", quantity="1")
        adjusted = (await next_frame(ws, "account.positionUpdate"))["data"]
        self.assertEqual(("positionAdjusted", "2.00"), (adjusted["e"], adjusted["q"]))
        await self.bob.ok("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC_PERP"})
        await self.bob.order(symbol="SOL_USDC_PERP", side="Bid", orderType="Limit", price="181", quantity="2")
        await self.alice.order(symbol="SOL_USDC_PERP", side="Ask", orderType="Market", quantity="2")
        closed = (await next_frame(ws, "account.positionUpdate"))["data"]
        self.assertEqual(("positionClosed", "0.00", "2"), (closed["e"], closed["q"], closed["p"]))  # +1 per SOL
        await ws.close()

    async def test_bad_or_missing_signature_is_refused(self):
        ws = await self.session.ws_connect(self.server.ws_url)
        message = self.alice.subscribe_message(["account.orderUpdate"])
        message["signature"][1] = self.bob.subscribe_message(["account.orderUpdate"])["signature"][1]
        await ws.send_json(message)
        error = json.loads((await ws.receive(timeout=3)).data)
        self.assertEqual((4007, "Invalid signature"), (error["error"]["code"], error["error"]["message"]))
        expired = self.alice.subscribe_message(["account.orderUpdate"], timestamp=int(time.time() * 1000) - 60_000)
        await ws.send_json(expired)
        error = json.loads((await ws.receive(timeout=3)).data)
        self.assertEqual("Request has expired", error["error"]["message"])
        await ws.send_json({"method": "SUBSCRIBE", "params": ["account.orderUpdate"]})
        error = json.loads((await ws.receive(timeout=3)).data)
        self.assertEqual(4007, error["error"]["code"])
        self.assertFalse(self.server.hub.wants_private(self.alice.api_key))
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="100", quantity="1")
        await settle()
        with self.assertRaises(asyncio.TimeoutError):
            await ws.receive(timeout=0.2)
        await ws.close()

    async def test_ws_also_served_on_root_path(self):
        ws = await self.session.ws_connect(self.server.rest_url)
        await self.subscribe(ws, {"method": "SUBSCRIBE", "params": ["depth.SOL_USDC"]})
        await ws.close()


class ServerPingTest(EmulatorTestCase):
    server_options = {"ping_interval_s": 0.1, "pong_timeout_s": 0.35}

    async def test_server_pings_and_drops_silent_clients(self):
        ws = await self.session.ws_connect(self.server.ws_url, autoping=False)
        message = await ws.receive(timeout=2)
        self.assertEqual(aiohttp.WSMsgType.PING, message.type)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:  # never answer: the server must close within pong_timeout
            message = await ws.receive(timeout=3)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                break
        self.assertIn(message.type, (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED))
        await ws.close()


class FillsReportedOnceOverTheWireTest(EmulatorTestCase):
    async def test_every_fill_once_in_rest_history_and_once_on_ws(self):
        import random
        rng = random.Random(5)
        sockets = {c.api_key: await self.ws("account.orderUpdate", client=c) for c in (self.alice, self.bob)}
        for _ in range(150):
            client = rng.choice((self.alice, self.bob))
            side = rng.choice(("Bid", "Ask"))
            price = Decimal("180") + rng.randint(-5, 5) * Decimal("0.01")
            status, _, _ = await client.call("POST", "/api/v1/order", {
                "symbol": "SOL_USDC", "side": side, "orderType": "Limit", "price": str(price),
                "quantity": str(rng.randint(1, 300) * Decimal("0.01")),
                "timeInForce": rng.choice(("GTC", "IOC"))})
            self.assertEqual(200, status)
        for client in (self.alice, self.bob):
            rest = await client.ok("GET", "/wapi/v1/history/fills", {"limit": 1000})
            rest_keys = sorted((f["orderId"], f["tradeId"], Decimal(f["quantity"]), Decimal(f["price"]), f["fee"])
                               for f in rest)  # as numbers: the stream pads "0.10", REST trims "0.1"
            ws = sockets[client.api_key]
            await settle()
            frames = []
            while True:
                try:
                    message = await ws.receive(timeout=0.3)
                except asyncio.TimeoutError:
                    break
                data = json.loads(message.data)["data"]
                if data["e"] == "orderFill":
                    frames.append((data["i"], data["t"], Decimal(data["l"]), Decimal(data["L"]), data["n"]))
            self.assertGreater(len(rest_keys), 10)
            self.assertEqual(rest_keys, sorted(frames))
            await ws.close()
