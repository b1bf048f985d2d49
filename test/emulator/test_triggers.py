"""Trigger orders and attached take profit / stop loss: the wire format of the official types (TriggerPending,
`triggerPlaced` / `triggerFailed`, trigger fields), the price watch on last, mark and index prices, cancels one by
one and by cancel-all `ConditionalOrder`, and TP/SL legs created for an entry's fills."""
from decimal import Decimal

from test.emulator.official_types import problems
from test.emulator.support import EmulatorTestCase, new_account, next_frame, settle

PERP = "SOL_USDC_PERP"


class TriggerTestCase(EmulatorTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.carol = new_account(self.server, self.session)

    async def trade_at(self, price: str, symbol: str = "SOL_USDC", quantity: str = "0.1"):
        """A trade between bob and carol: the market's last price becomes `price`."""
        await self.bob.order(symbol=symbol, side="Ask", orderType="Limit", price=price, quantity=quantity)
        await self.carol.order(symbol=symbol, side="Bid", orderType="Limit", price=price, quantity=quantity,
                               timeInForce="IOC")

    async def frames(self, ws, count: int):
        return [(await next_frame(ws, "account.orderUpdate"))["data"] for _ in range(count)]

    def assert_official(self, value, spec: str):
        self.assertEqual([], problems(value, spec))


class TriggerOrderTest(TriggerTestCase):
    async def test_wire_format_of_a_pending_trigger_order(self):
        await self.trade_at("180")
        ws = await self.ws("account.orderUpdate", client=self.alice)
        order = await self.alice.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price="174.5",
                                       triggerPrice="175", triggerQuantity="1", clientId=77)
        self.assertEqual(("TriggerPending", "0", "1", "175", "LastPrice", None),
                         (order["status"], order["quantity"], order["triggerQuantity"], order["triggerPrice"],
                          order["triggerBy"], order["triggeredAt"]))
        self.assert_official(order, "Order")
        [placed] = await self.frames(ws, 1)
        self.assertEqual(("triggerPlaced", "TriggerPending", "0", "175.00", "LastPrice", "1", 77),  # P at the tick scale
                         (placed["e"], placed["X"], placed["q"], placed["P"], placed["B"], placed["Y"], placed["c"]))
        self.assert_official(placed, "OrderUpdate")
        listed = await self.alice.ok("GET", "/api/v1/orders", {"symbol": "SOL_USDC"})
        self.assertEqual([order["id"]], [o["id"] for o in listed])
        by_client = await self.alice.ok("GET", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 77})
        self.assertEqual("TriggerPending", by_client["status"])
        account = await self.alice.ok("GET", "/api/v1/account")
        self.assertEqual((0, 1), (account["limitOrders"], account["triggerOrders"]))
        balances = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual("0", balances["SOL"]["locked"])  # nothing is held while pending
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": order["id"]})
        self.assertEqual(("TriggerPending", None, "1"), (history[0]["status"], history[0]["quantity"],
                                                         history[0]["triggerQuantity"]))
        self.assert_official(history, "array<OrderHistoryItem>")
        await ws.close()

    async def test_trigger_price_and_quantity_go_together(self):
        for fields in ({"triggerPrice": "175"}, {"triggerQuantity": "1"}):
            status, body, _ = await self.alice.call("POST", "/api/v1/order", {
                "symbol": "SOL_USDC", "side": "Ask", "orderType": "Market", **fields})
            self.assertEqual((400, "INVALID_CLIENT_REQUEST"), (status, body["code"]))
            self.assertEqual("Must specify both `triggerPrice` and `triggerQuantity` or neither", body["message"])
        refused = [{"triggerPrice": "175", "triggerQuantity": "1", "quantity": "1"},
                   {"triggerBy": "MarkPrice", "quantity": "1"},
                   {"triggerPrice": "175", "triggerQuantity": "50%"},  # a percentage: reduce-only futures only
                   {"triggerPrice": "175", "triggerQuantity": "abc"},
                   {"triggerPrice": "175.001", "triggerQuantity": "1"}]
        for fields in refused:
            status, body, _ = await self.alice.call("POST", "/api/v1/order", {
                "symbol": "SOL_USDC", "side": "Ask", "orderType": "Market", **fields})
            self.assertEqual((400, "INVALID_CLIENT_REQUEST"), (status, body["code"]), fields)
        status, body, _ = await self.alice.call("POST", "/api/v1/order", {
            "symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "180", "quantity": "1",
            "stopLossTriggerPrice": "170"})
        self.assertEqual((400, "INVALID_ORDER"), (status, body["code"]))  # TP/SL: futures only here
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders"))

    async def test_a_stop_triggers_on_the_last_price_and_trades_as_an_order(self):
        await self.trade_at("180")
        await self.bob.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="174", quantity="5")
        ws = await self.ws("account.orderUpdate", client=self.alice)
        stop = await self.alice.order(symbol="SOL_USDC", side="Ask", orderType="Market", triggerPrice="175",
                                      triggerQuantity="1.5")
        await self.trade_at("176")
        self.assertEqual("TriggerPending", self.server.exchange.open_orders[stop["id"]].status)  # above: waits
        await self.trade_at("175")  # reached from above: the stop sells at market
        frames = await self.frames(ws, 3)
        self.assertEqual([("triggerPlaced", "TriggerPending"), ("orderAccepted", "New"), ("orderFill", "Filled")],
                         [(f["e"], f["X"]) for f in frames])
        self.assertEqual(("1.50", "174.00", "1.50"), (frames[1]["q"], frames[2]["L"], frames[2]["z"]))  # live scales
        for frame in frames:
            self.assert_official(frame, "OrderUpdate")
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"symbol": "SOL_USDC"})
        self.assertEqual([("Filled", "1.5")], [(h["status"], h["executedQuantity"]) for h in history])
        status, _, _ = await self.alice.call("GET", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": stop["id"]})
        self.assertEqual(404, status)
        await ws.close()

    async def test_a_trigger_that_cannot_be_placed_fails(self):
        poor = new_account(self.server, self.session, USDC="10")
        await self.trade_at("180")
        ws = await self.ws("account.orderUpdate", client=poor)
        order = await poor.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="186", triggerPrice="185",
                                 triggerQuantity="1")
        await self.trade_at("185")
        frames = await self.frames(ws, 2)
        self.assertEqual([("triggerPlaced", "TriggerPending"), ("triggerFailed", "TriggerFailed")],
                         [(f["e"], f["X"]) for f in frames])
        self.assert_official(frames[1], "OrderUpdate")
        history = await poor.ok("GET", "/wapi/v1/history/orders", {"orderId": order["id"]})
        self.assertEqual("TriggerFailed", history[0]["status"])
        self.assertEqual([], await poor.ok("GET", "/api/v1/orders"))
        await ws.close()

    async def test_cancels_one_by_one_and_by_conditional_cancel_all(self):
        await self.trade_at("180")
        resting = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="150", quantity="1")
        triggers = [await self.alice.order(symbol="SOL_USDC", side="Ask", orderType="Market", triggerPrice=price,
                                           triggerQuantity="1", clientId=client_id)
                    for price, client_id in (("170", 1), ("171", 2), ("172", 3))]
        others = await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Market", triggerPrice="170",
                                      triggerQuantity="1")
        ws = await self.ws("account.orderUpdate", client=self.alice)
        cancelled = await self.alice.ok("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 1})
        self.assertEqual(("Cancelled", "170"), (cancelled["status"], cancelled["triggerPrice"]))
        [frame] = await self.frames(ws, 1)
        self.assertEqual(("orderCancelled", "Cancelled", "170.00", "1"), (frame["e"], frame["X"], frame["P"],
                                                                   frame["Y"]))
        kept = await self.alice.ok("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC", "orderType": "RestingLimitOrder"})
        self.assertEqual([resting["id"]], [o["id"] for o in kept])
        gone = await self.alice.ok("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC", "orderType": "ConditionalOrder"})
        self.assertEqual([t["id"] for t in triggers[1:]], [o["id"] for o in gone])
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders"))
        self.assertEqual([others["id"]], [o["id"] for o in await self.bob.ok("GET", "/api/v1/orders")])
        again = await self.alice.order(symbol="SOL_USDC", side="Ask", orderType="Market", triggerPrice="170",
                                       triggerQuantity="1")
        plain = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="150", quantity="1")
        both = await self.alice.ok("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC"})  # no orderType: both kinds
        self.assertEqual({again["id"], plain["id"]}, {o["id"] for o in both})
        await ws.close()


class PerpTriggerTest(TriggerTestCase):
    async def open_long(self, quantity="2", price="180"):
        await self.bob.order(symbol=PERP, side="Ask", orderType="Limit", price=price, quantity=quantity)
        return await self.alice.order(symbol=PERP, side="Bid", orderType="Limit", price=price, quantity=quantity)

    async def move_mark(self, bid: str, ask: str):
        """The perp's mark is its book's mid: carol quotes around it, then the mark refresh runs."""
        await self.carol.ok("DELETE", "/api/v1/orders", {"symbol": PERP})
        await self.carol.order(symbol=PERP, side="Bid", orderType="Limit", price=bid, quantity="10")
        await self.carol.order(symbol=PERP, side="Ask", orderType="Limit", price=ask, quantity="10")
        self.server.periodic.tick(0)

    async def position(self, client) -> str:
        rows = await client.ok("GET", "/api/v1/position")
        return rows[0]["netQuantity"] if rows else "0"

    async def test_a_mark_price_stop_closes_a_percentage_of_the_position(self):
        await self.open_long()
        await self.move_mark("179", "181")
        stop = await self.alice.order(symbol=PERP, side="Ask", orderType="Market", reduceOnly=True,
                                      triggerPrice="175", triggerQuantity="50%", triggerBy="MarkPrice")
        self.assertEqual(("TriggerPending", "50%", "MarkPrice"), (stop["status"], stop["triggerQuantity"],
                                                                 stop["triggerBy"]))
        await self.move_mark("173", "177")  # mark 175: reached
        self.assertEqual("1", await self.position(self.alice))
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": stop["id"]})
        self.assertEqual(("Filled", "1"), (history[0]["status"], history[0]["executedQuantity"]))

    async def test_a_stop_without_a_position_expires(self):
        await self.move_mark("179", "181")
        ws = await self.ws("account.orderUpdate", client=self.alice)
        await self.alice.order(symbol=PERP, side="Ask", orderType="Market", reduceOnly=True, triggerPrice="175",
                               triggerQuantity="1", triggerBy="IndexPrice")
        self.server.exchange.indexes[PERP] = Decimal("174")
        self.server.exchange.triggers.check_all()
        frames = await self.frames(ws, 2)
        self.assertEqual(("orderExpired", "Expired", "StopWithoutPosition"), (frames[1]["e"], frames[1]["X"],
                                                                              frames[1]["R"]))
        await ws.close()

    async def test_take_profit_and_stop_loss_legs_of_an_entry(self):
        await self.trade_at("180", PERP)
        ws = await self.ws("account.orderUpdate", client=self.alice)
        await self.bob.order(symbol=PERP, side="Ask", orderType="Limit", price="180", quantity="2")
        entry = await self.alice.order(symbol=PERP, side="Bid", orderType="Limit", price="180", quantity="2",
                                       takeProfitTriggerPrice="190", stopLossTriggerPrice="170",
                                       stopLossLimitPrice="167", stopLossTriggerBy="MarkPrice")
        self.assertEqual(("Filled", "190", None, "LastPrice", "170", "167", "MarkPrice"), (
            entry["status"], entry["takeProfitTriggerPrice"], entry["takeProfitLimitPrice"],
            entry["takeProfitTriggerBy"], entry["stopLossTriggerPrice"], entry["stopLossLimitPrice"],
            entry["stopLossTriggerBy"]))
        frames = await self.frames(ws, 4)
        self.assertEqual(["orderAccepted", "orderFill", "triggerPlaced", "triggerPlaced"], [f["e"] for f in frames])
        self.assertEqual(("190.00", "170.00", "167.00", "LastPrice", "MarkPrice"), (frames[0]["a"], frames[0]["b"],
                                                                           frames[0]["k"], frames[0]["d"],
                                                                           frames[0]["g"]))
        for frame in frames:
            self.assert_official(frame, "OrderUpdate")
        legs = await self.alice.ok("GET", "/api/v1/orders", {"symbol": PERP})
        self.assertEqual([("Ask", "Market", "190", "2", True, entry["id"]),
                          ("Ask", "Limit", "170", "2", True, entry["id"])], [(o["side"], o["orderType"], o["triggerPrice"], o["triggerQuantity"], o["reduceOnly"],
                           o["relatedOrderId"]) for o in legs])
        self.assertEqual([int(entry["id"])] * 2, [f["I"] for f in frames[2:]])
        await self.move_mark("168", "172")  # mark 170: the stop loss triggers, a limit sell at 167 takes the 168 bid
        self.assertEqual("0", await self.position(self.alice))
        frames = await self.frames(ws, 3)
        self.assertEqual([("orderCancelled", legs[0]["id"]), ("orderAccepted", legs[1]["id"]),
                          ("orderFill", legs[1]["id"])], [(f["e"], f["i"]) for f in frames])
        self.assertEqual(("Filled", "168.00"), (frames[2]["X"], frames[2]["L"]))
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders", {"symbol": PERP}))
        await settle()
        await ws.close()
