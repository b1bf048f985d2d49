"""The emulator answers in the forms captured from the live exchange (issue 23; API_COVERAGE.md "Live forms"):
newest trades first, the live error answers, decimals padded to each field's scale, and the order fields live
sends. The captured values are replayed on an ETH_USDC market with live's filters (tick 0.01, step 0.0001) and
on BTC (tick 0.1, step 0.00001), so the emulator must produce the very strings that were captured."""
import json
import time
from decimal import Decimal

from backpack_emulator.exchange import Exchange
from backpack_emulator.markets import DEFAULT_MARKETS, Market
from backpack_emulator.server import EmulatorServer
from test.emulator.support import EmulatorTestCase, next_frame, new_account

ETH_FILTERS = dict(base="ETH", quote="USDC", tick_size=Decimal("0.01"), step_size=Decimal("0.0001"),
                   min_quantity=Decimal("0.0001"), max_quantity=Decimal("100000"), initial_price=Decimal("4300"))
ETH_MARKETS = {"ETH_USDC": Market(symbol="ETH_USDC", market_type="SPOT", **ETH_FILTERS),
               "ETH_USDC_PERP": Market(symbol="ETH_USDC_PERP", market_type="PERP", **ETH_FILTERS)}


class LiveFormsTest(EmulatorTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        await self.server.stop()  # the same test client, on an exchange that also lists ETH markets
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data=False,
                                     exchange=Exchange(markets={**DEFAULT_MARKETS, **ETH_MARKETS}))
        await self.server.start()
        balances = {"USDC": "100000", "ETH": "10", "BTC": "10", "SOL": "1000"}
        self.alice = new_account(self.server, self.session, **balances)
        self.bob = new_account(self.server, self.session, **balances)

    # ----- 1. order of public trades
    async def test_public_trades_are_listed_newest_first(self):
        for price in ("180", "181", "182"):
            await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price=price, quantity="1")
            await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="1")
        for path, params in (("/api/v1/trades", {}), ("/api/v1/trades/history", {"limit": "2"})):
            trades = await self.alice.ok("GET", path, {"symbol": "SOL_USDC", **params})
            self.assertEqual(["182", "181", "180"][:len(trades)], [t["price"] for t in trades])
            self.assertEqual(sorted((t["id"] for t in trades), reverse=True), [t["id"] for t in trades])
        oldest = await self.alice.ok("GET", "/api/v1/trades/history", {"symbol": "SOL_USDC", "offset": "2"})
        self.assertEqual(["180"], [t["price"] for t in oldest])

    # ----- 2. error answers
    async def test_expired_request_is_a_plain_text_401(self):
        old = self.alice.headers("balanceQuery", {}, timestamp=int(time.time() * 1000) - 10_000)
        async with self.session.get(self.server.rest_url + "api/v1/capital", headers=old) as response:
            self.assertEqual((401, "text/plain", "Request has expired"),
                             (response.status, response.content_type, await response.text()))
        self.assertEqual([], self.server.refusals())  # a stale signature, not a malformed request

    async def test_order_for_an_unknown_market_is_a_plain_text_parse_error(self):
        order = {"symbol": "XRP_USDC", "side": "Bid", "orderType": "Limit", "price": "1", "quantity": "1"}
        expected = ('parse request payload error: failed to parse "MarketSymbol": Invalid market symbol '
                    '(occurred while parsing "OrderExecutePayload")')
        for path, body in (("/api/v1/order", order), ("/api/v1/orders", [order])):
            status, text, headers = await self.alice.call("POST", path, body)
            self.assertEqual((400, expected), (status, text))
            self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertEqual([], await self.alice.ok("GET", "/wapi/v1/history/orders"))

    async def test_bad_kline_interval_is_refused_in_the_live_words(self):
        status, text, _ = await self.alice.call("GET", "/api/v1/klines", {
            "symbol": "SOL_USDC", "interval": "1H", "startTime": int(time.time()) - 60})
        self.assertEqual((400, 'failed to parse parameter `interval`: failed to parse "KlineInterval": '
                               'Expect a valid enumeration value.'), (status, text))

    async def test_subscribe_to_an_invalid_stream_gets_invalid_stream(self):
        ws = await self.session.ws_connect(self.server.ws_url)
        for stream in ("kline.1H.SOL_USDC", "depth.DOGE_USDC", "nonsense"):
            await ws.send_json({"method": "SUBSCRIBE", "params": [stream]})
            frame = json.loads((await ws.receive(timeout=5)).data)
            self.assertEqual({"id": None, "error": {"code": 4006, "message": "Invalid stream"}}, frame)
        await ws.close()

    # ----- 3. number formatting
    async def test_depth_levels_carry_the_tick_and_step_decimals(self):
        ws = await self.ws("depth.BTC_USDC", "bookTicker.BTC_USDC")
        placed = await self.bob.order(symbol="BTC_USDC", side="Bid", orderType="Limit", price="117357",
                                      quantity="0.001")
        added = (await next_frame(ws, "depth.BTC_USDC"))["data"]
        self.assertEqual([["117357.0", "0.00100"]], added["b"])
        ticker = (await next_frame(ws, "bookTicker.BTC_USDC"))["data"]
        self.assertEqual(("117357.0", "0.00100", None, None), (ticker["b"], ticker["B"], ticker["a"], ticker["A"]))
        depth = await self.alice.ok("GET", "/api/v1/depth", {"symbol": "BTC_USDC"})
        self.assertEqual([["117357.0", "0.00100"]], depth["bids"])
        await self.bob.ok("DELETE", "/api/v1/order", {"symbol": "BTC_USDC", "orderId": placed["id"]})
        removed = (await next_frame(ws, "depth.BTC_USDC"))["data"]
        self.assertEqual([["117357.0", "0.00000"]], removed["b"])  # the captured removal, word for word
        self.assertEqual(("117357", "0.001"), (placed["price"], placed["quantity"]))  # REST orders: trimmed
        await ws.close()

    async def test_book_ticker_pads_prices_and_quantities(self):
        ws = await self.ws("bookTicker.ETH_USDC")
        await self.bob.order(symbol="ETH_USDC", side="Ask", orderType="Limit", price="3667.5", quantity="0.4087")
        await self.bob.order(symbol="ETH_USDC", side="Bid", orderType="Limit", price="3667.49", quantity="0.002")
        await next_frame(ws, "bookTicker.ETH_USDC")
        ticker = (await next_frame(ws, "bookTicker.ETH_USDC"))["data"]
        self.assertEqual(("3667.50", "0.4087", "3667.49", "0.0020"),
                         (ticker["a"], ticker["A"], ticker["b"], ticker["B"]))
        await ws.close()

    async def test_market_buy_updates_as_captured(self):
        """ccxt.pro's captured market buy: q/l/z "0.0010", Q "4.30", L "4299.16", Z "4.299160"."""
        await self.bob.order(symbol="ETH_USDC", side="Ask", orderType="Limit", price="4299.16", quantity="0.5")
        ws = await self.ws("account.orderUpdate")
        answer = await self.alice.order(symbol="ETH_USDC", side="Bid", orderType="Market", quantity="0.001")
        accepted = (await next_frame(ws, "account.orderUpdate"))["data"]
        fill = (await next_frame(ws, "account.orderUpdate"))["data"]
        self.assertEqual(("orderAccepted", "MARKET", "0.0010", "4.30", "0", "0"),
                         (accepted["e"], accepted["o"], accepted["q"], accepted["Q"], accepted["z"], accepted["Z"]))
        self.assertEqual(("orderFill", "Filled", "0.0010", "4299.16", "0.0010", "4.299160", "0.0010", "4.30"),
                         (fill["e"], fill["X"], fill["l"], fill["L"], fill["z"], fill["Z"], fill["q"], fill["Q"]))
        self.assertNotIn("y", accepted)
        self.assertNotIn("p", accepted)
        # The REST answer is trimmed and fills quoteQuantity with the same expected cost (ccxt's "4.43" form).
        self.assertEqual(("0.001", "4.29916", "4.3"), (answer["quantity"], answer["executedQuoteQuantity"],
                                                        answer["quoteQuantity"]))
        await ws.close()

    async def test_expected_cost_rounds_up_to_the_tick(self):
        await self.bob.order(symbol="ETH_USDC", side="Ask", orderType="Limit", price="4421.82", quantity="0.5")
        answer = await self.alice.order(symbol="ETH_USDC", side="Bid", orderType="Market", quantity="0.001")
        self.assertEqual(("4.42182", "4.43"), (answer["executedQuoteQuantity"], answer["quoteQuantity"]))

    async def test_position_updates_pad_the_quantities(self):
        await self.bob.order(symbol="ETH_USDC_PERP", side="Ask", orderType="Limit", price="4236.36", quantity="1")
        ws = await self.ws("account.positionUpdate")
        await self.alice.order(symbol="ETH_USDC_PERP", side="Bid", orderType="Market", quantity="0.001")
        opened = (await next_frame(ws, "account.positionUpdate"))["data"]
        self.assertEqual(("positionOpened", "0.0010", "0.0010", "4236.36"),
                         (opened["e"], opened["q"], opened["Q"], opened["B"]))
        await ws.close()

    async def test_kline_stream_pads_prices_and_volume(self):
        ws = await self.ws("kline.1m.ETH_USDC")
        await self.bob.order(symbol="ETH_USDC", side="Ask", orderType="Limit", price="3680.52", quantity="1")
        await self.alice.order(symbol="ETH_USDC", side="Bid", orderType="Market", quantity="0.5")
        kline = (await next_frame(ws, "kline.1m.ETH_USDC", timeout=5))["data"]
        self.assertEqual(("3680.520000000", "3680.520000000", "0.5000000"), (kline["o"], kline["c"], kline["v"]))
        rows = await self.alice.ok("GET", "/api/v1/klines", {"symbol": "ETH_USDC", "interval": "1m",
                                                             "startTime": int(time.time()) - 120})
        self.assertEqual(("3680.52", "0.5"), (rows[-1]["open"], rows[-1]["volume"]))  # REST rows: trimmed
        await ws.close()

    # ----- 4. order fields
    async def test_y_only_on_post_only_orders(self):
        ws = await self.ws("account.orderUpdate")
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="150", quantity="1")
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="151", quantity="1",
                               postOnly=True)
        plain = (await next_frame(ws, "account.orderUpdate"))["data"]
        post_only = (await next_frame(ws, "account.orderUpdate"))["data"]
        self.assertNotIn("y", plain)
        self.assertIs(True, post_only["y"])
        await ws.close()

    async def test_history_rows_fill_quote_quantity_and_carry_tp_sl_fields(self):
        limit = await self.alice.order(symbol="ETH_USDC", side="Bid", orderType="Limit", price="4000",
                                       quantity="0.001")
        self.assertNotIn("quoteQuantity", limit)  # the answer's LimitOrder has no such field (Rust type, ccxt)
        row = (await self.alice.ok("GET", "/wapi/v1/history/orders", {"symbol": "ETH_USDC"}))[0]
        self.assertEqual(("4000", "0.001", "4"), (row["price"], row["quantity"], row["quoteQuantity"]))
        for key in ("stopLossTriggerPrice", "stopLossLimitPrice", "stopLossTriggerBy", "takeProfitTriggerPrice",
                    "takeProfitLimitPrice", "takeProfitTriggerBy"):
            self.assertIn(key, row)
            self.assertIsNone(row[key])
