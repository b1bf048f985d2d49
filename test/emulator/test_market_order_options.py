"""Market orders sized by quote (`quoteQuantity`) and their slippage tolerance (`slippageTolerance` +
`slippageToleranceType`, official OrderExecutePayload): validation and matching."""
from decimal import Decimal

from test.emulator.support import EmulatorTestCase, next_frame


class MarketOrderOptionsTest(EmulatorTestCase):
    async def asks(self, *levels):
        for price in levels:
            await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price=price, quantity="1")

    async def test_quote_quantity_buys_for_at_most_that_much_quote(self):
        await self.asks("180", "181", "182")
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quoteQuantity="300")
        self.assertEqual(("Filled", None, "300", "1.66"), (order["status"], order["quantity"], order["quoteQuantity"],
                                                           order["executedQuantity"]))
        self.assertLessEqual(Decimal(order["executedQuoteQuantity"]), Decimal("300"))
        self.assertEqual(Decimal("180") + Decimal("0.66") * 181, Decimal(order["executedQuoteQuantity"]))

    async def test_percent_tolerance_stops_the_order_beyond_it(self):
        await self.asks("180", "181", "190")
        ws = await self.ws("account.orderUpdate", client=self.alice)
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="3",
                                       slippageTolerance="1", slippageToleranceType="Percent")  # up to 181.8
        self.assertEqual(("Expired", "2", "1", "Percent"), (order["status"], order["executedQuantity"],
                                                            order["slippageTolerance"], order["slippageToleranceType"]))
        frames = [(await next_frame(ws, "account.orderUpdate"))["data"] for _ in range(4)]
        self.assertEqual(["orderAccepted", "orderFill", "orderFill", "orderExpired"], [f["e"] for f in frames])
        self.assertEqual("SlippageToleranceExceeded", frames[-1]["R"])
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": order["id"]})
        self.assertEqual(("SlippageToleranceExceeded", "1", "Percent"), (
            history[0]["expiryReason"], history[0]["slippageTolerance"], history[0]["slippageToleranceType"]))
        await ws.close()

    async def test_tick_tolerance_and_sells(self):
        await self.asks("180", "180.5", "180.51")
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="3",
                                       slippageTolerance="50", slippageToleranceType="TickSize")  # up to 180.50
        self.assertEqual(("Expired", "2"), (order["status"], order["executedQuantity"]))
        for price in ("170", "169"):
            await self.bob.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price=price, quantity="1")
        sell = await self.alice.order(symbol="SOL_USDC", side="Ask", orderType="Market", quantity="2",
                                      slippageTolerance="0.5", slippageToleranceType="Percent")  # down to 169.15
        self.assertEqual(("Expired", "1"), (sell["status"], sell["executedQuantity"]))

    async def test_within_tolerance_it_fills_and_an_empty_book_is_no_slippage(self):
        await self.asks("180", "180.5")
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quoteQuantity="200",
                                       slippageTolerance="1", slippageToleranceType="Percent")
        self.assertEqual("Filled", order["status"])
        empty = await self.alice.order(symbol="BTC_USDC", side="Bid", orderType="Market", quantity="0.1",
                                       slippageTolerance="1", slippageToleranceType="Percent")
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": empty["id"]})
        self.assertEqual(("Expired", "InsufficientLiquidity"), (empty["status"], history[0]["expiryReason"]))

    async def test_bad_tolerances_are_refused_and_nothing_happens(self):
        await self.asks("180")
        refused = [
            ({"orderType": "Limit", "price": "180", "quantity": "1", "slippageTolerance": "1",
              "slippageToleranceType": "Percent"}, "only valid on market orders"),
            ({"orderType": "Market", "quantity": "1", "slippageTolerance": "1"}, "Must specify both"),
            ({"orderType": "Market", "quantity": "1", "slippageToleranceType": "TickSize"}, "Must specify both"),
            ({"orderType": "Market", "quantity": "1", "slippageTolerance": "0", "slippageToleranceType": "Percent"},
             "positive decimal"),
            ({"orderType": "Limit", "price": "180", "quoteQuantity": "100"}, "must specify a `price` and a `quantity`"),
        ]
        for fields, message in refused:
            status, body, _ = await self.alice.call("POST", "/api/v1/order", {"symbol": "SOL_USDC", "side": "Bid",
                                                                              **fields})
            self.assertEqual((400, "INVALID_CLIENT_REQUEST"), (status, body["code"]), fields)
            self.assertIn(message, body["message"])
        status, body, headers = await self.alice.call("POST", "/api/v1/order", {
            "symbol": "SOL_USDC", "side": "Bid", "orderType": "Market", "quantity": "1", "slippageTolerance": "1",
            "slippageToleranceType": "Percentage"})
        self.assertEqual((400, "text/plain"), (status, headers["Content-Type"].split(";")[0]))  # the typed decoder
        self.assertEqual([], await self.alice.ok("GET", "/wapi/v1/history/orders"))
        self.server.request_log.clear()  # the decoder refusal above is on purpose
