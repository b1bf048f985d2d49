"""Market states at run time (`orderBookState`, changed through `POST /_admin/markets`) and what each lets in."""
from test.emulator.support import EmulatorTestCase, next_frame


class MarketStateTest(EmulatorTestCase):
    async def state_of(self, symbol: str) -> str:
        markets = await self.alice.ok("GET", "/api/v1/markets")
        listed = {m["symbol"]: m["orderBookState"] for m in markets}
        single = (await self.alice.ok("GET", "/api/v1/market", {"symbol": symbol}))["orderBookState"]
        self.assertEqual(listed[symbol], single)
        return single

    async def test_admin_changes_the_state_the_markets_endpoints_report(self):
        self.assertEqual("Open", await self.state_of("SOL_USDC"))
        answer = await self.admin.set_market_state("SOL_USDC", "PostOnly")
        self.assertEqual(("SOL_USDC", "PostOnly"), (answer["symbol"], answer["orderBookState"]))
        self.assertEqual("PostOnly", await self.state_of("SOL_USDC"))
        self.assertEqual("Open", await self.state_of("SOL_USDC_PERP"))  # per market
        for symbol, state in (("SOL_USDC", "Paused"), ("NOPE_USDC", "Open")):
            with self.assertRaises(RuntimeError):
                await self.admin.set_market_state(symbol, state)

    async def test_post_only_rests_makers_and_expires_takers(self):
        await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price="181", quantity="1")
        await self.admin.set_market_state("SOL_USDC", "PostOnly")
        ws = await self.ws("account.orderUpdate", client=self.alice)
        resting = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="180", quantity="1")
        self.assertEqual("New", resting["status"])
        crossing = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="181", quantity="1")
        market = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="1")
        self.assertEqual([("Expired", "0"), ("Expired", "0")], [(o["status"], o["executedQuantity"])
                                                               for o in (crossing, market)])
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": market["id"]})
        self.assertEqual("PostOnlyMode", history[0]["expiryReason"])
        frames = [(await next_frame(ws, "account.orderUpdate"))["data"] for _ in range(5)]
        self.assertEqual(["orderAccepted", "orderAccepted", "orderExpired", "orderAccepted", "orderExpired"],
                         [f["e"] for f in frames])
        self.assertEqual("PostOnlyMode", frames[2]["R"])
        await ws.close()

    async def test_limit_only_refuses_market_orders(self):
        await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price="181", quantity="2")
        await self.admin.set_market_state("SOL_USDC", "LimitOnly")
        status, body, _ = await self.alice.call("POST", "/api/v1/order", {
            "symbol": "SOL_USDC", "side": "Bid", "orderType": "Market", "quantity": "1"})
        self.assertEqual((400, "INVALID_ORDER"), (status, body["code"]))
        self.assertIn("limit-only", body["message"])
        taking = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="181", quantity="1",
                                        timeInForce="IOC")
        self.assertEqual("Filled", taking["status"])  # limit orders still trade

    async def test_closed_and_cancel_only_take_no_orders_but_cancels(self):
        resting = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="170", quantity="1",
                                         clientId=5)
        for state, wording in (("Closed", "closed"), ("CancelOnly", "cancel-only")):
            await self.admin.set_market_state("SOL_USDC", state)
            status, body, _ = await self.alice.call("POST", "/api/v1/order", {
                "symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "170", "quantity": "1"})
            self.assertEqual((400, "TRADING_PAUSED"), (status, body["code"]))
            self.assertIn(wording, body["message"])
            batch = await self.alice.ok("POST", "/api/v1/orders", [{
                "symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "170", "quantity": "1"}])
            self.assertEqual(("Err", "TRADING_PAUSED"), (batch[0]["operation"], batch[0]["code"]))
        self.assertEqual([resting["id"]], [o["id"] for o in await self.alice.ok("GET", "/api/v1/orders")])
        cancelled = await self.alice.ok("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 5})
        self.assertEqual("Cancelled", cancelled["status"])
        await self.admin.set_market_state("SOL_USDC", "Open")
        again = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="170", quantity="1")
        self.assertEqual("New", again["status"])


class GeneratorStateTest(EmulatorTestCase):
    market_data = True

    async def test_a_closed_market_stands_still_and_moves_again_when_open(self):
        exchange = self.server.exchange
        await self.admin.set_market_state("SOL_USDC", "Closed")
        trades, update_id = exchange.trades_executed(), exchange.books["SOL_USDC"].update_id
        for _ in range(20):
            self.server.generator.step_market(exchange.markets["SOL_USDC"])
        self.assertEqual(update_id, exchange.books["SOL_USDC"].update_id)
        await self.admin.set_market_state("SOL_USDC", "Open")
        for _ in range(20):
            self.server.generator.step_market(exchange.markets["SOL_USDC"])
        self.assertGreater(exchange.books["SOL_USDC"].update_id, update_id)
        self.assertGreaterEqual(exchange.trades_executed(), trades)
