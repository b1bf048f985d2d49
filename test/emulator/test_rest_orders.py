"""Signed order endpoints: execute/query/cancel, history, fills, fees, STP, time in force, errors."""
import time
from decimal import Decimal

from backpack_emulator.server import EmulatorServer

from test.emulator.support import EmulatorTestCase, new_account

DECODER = "refused by the typed decoder (plain-text 400)"

LIMIT_KEYS = {"id", "clientId", "symbol", "side", "orderType", "createdAt", "quantity", "executedQuantity",
              "executedQuoteQuantity", "timeInForce", "selfTradePrevention", "status", "reduceOnly", "price",
              "postOnly", "triggerPrice", "triggerQuantity", "triggerBy", "triggeredAt", "relatedOrderId", "strategyId"}


class OrderRestTest(EmulatorTestCase):
    async def balances(self, client):
        body = await client.ok("GET", "/api/v1/capital")
        return {asset: (Decimal(v["available"]), Decimal(v["locked"])) for asset, v in body.items()}

    async def rest_ask(self, price="180", quantity="2", **extra):
        return await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price=price,
                                    quantity=quantity, **extra)

    async def test_limit_order_shape_and_lock(self):
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="170.5",
                                       quantity="2", clientId=42, timeInForce="GTC", postOnly=False)
        self.assertTrue(LIMIT_KEYS <= set(order), LIMIT_KEYS - set(order))
        self.assertRegex(order["id"], r"^\d+$")
        self.assertEqual((42, "Bid", "Limit", "New", "GTC", "RejectTaker", "170.5", "2", "0", "0"),
                         (order["clientId"], order["side"], order["orderType"], order["status"],
                          order["timeInForce"], order["selfTradePrevention"], order["price"], order["quantity"],
                          order["executedQuantity"], order["executedQuoteQuantity"]))
        self.assertLess(abs(order["createdAt"] - time.time() * 1000), 5000)  # ms
        balances = await self.balances(self.alice)
        self.assertEqual((Decimal("99659"), Decimal("341")), balances["USDC"])
        by_id = await self.alice.ok("GET", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": order["id"]})
        by_client = await self.alice.ok("GET", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 42})
        self.assertEqual(order["id"], by_id["id"])
        self.assertEqual(order["id"], by_client["id"])
        self.assertEqual([order["id"]], [o["id"] for o in await self.alice.ok("GET", "/api/v1/orders")])
        self.assertEqual(1, (await self.alice.ok("GET", "/api/v1/account"))["limitOrders"])
        cancelled = await self.alice.ok("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "clientId": 42})
        self.assertEqual("Cancelled", cancelled["status"])
        self.assertEqual((Decimal("100000"), Decimal("0")), (await self.balances(self.alice))["USDC"])
        status, body, _ = await self.alice.call("GET", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": order["id"]})
        self.assertEqual((404, "RESOURCE_NOT_FOUND"), (status, body["code"]))
        status, body, _ = await self.alice.call("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": order["id"]})
        self.assertEqual("RESOURCE_NOT_FOUND", body["code"])
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"symbol": "SOL_USDC"})
        self.assertEqual("Cancelled", history[0]["status"])
        self.assertRegex(history[0]["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")

    async def test_open_orders_of_every_market_or_of_one(self):
        """`GET /api/v1/orders`: `symbol` and `marketType` are optional filters (official client
        `get_open_orders(Option<&str>)`, OAS); without them every open order of the account, any market type;
        no paging parameters."""
        spot = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="150", quantity="1")
        btc = await self.alice.order(symbol="BTC_USDC", side="Bid", orderType="Limit", price="100", quantity="1")
        perp = await self.alice.order(symbol="SOL_USDC_PERP", side="Bid", orderType="Limit", price="150",
                                      quantity="1")
        await self.rest_ask(price="200")  # another account's: never among alice's

        def ids(rows):
            return [row["id"] for row in rows]
        self.assertEqual([spot["id"], btc["id"], perp["id"]], ids(await self.alice.ok("GET", "/api/v1/orders")))
        self.assertEqual([btc["id"]], ids(await self.alice.ok("GET", "/api/v1/orders", {"symbol": "BTC_USDC"})))
        self.assertEqual([spot["id"], btc["id"]],
                         ids(await self.alice.ok("GET", "/api/v1/orders", {"marketType": "SPOT"})))
        self.assertEqual([perp["id"]], ids(await self.alice.ok("GET", "/api/v1/orders", {"marketType": "PERP"})))
        for refused in ({"marketType": "Perp"}, {"limit": "10"}, {"offset": "0"}):
            status, body, headers = await self.alice.call("GET", "/api/v1/orders", refused)
            self.assertEqual((400, "text/plain"), (status, headers["Content-Type"].split(";")[0]), (refused, body))

    async def test_spot_fills_fees_and_history(self):
        ask = await self.rest_ask(price="180", quantity="2", clientId=9)
        bid = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="181",
                                     quantity="1.5", clientId=10)
        self.assertEqual(("Filled", "1.5", "270"), (bid["status"], bid["executedQuantity"],
                                                   bid["executedQuoteQuantity"]))
        alice = await self.balances(self.alice)
        # taker buy: pays 270 USDC at the maker's price, receives 1.5 SOL minus 10 bps in SOL
        self.assertEqual((Decimal("99730"), Decimal("0")), alice["USDC"])
        self.assertEqual(Decimal("1001.4985"), alice["SOL"][0])
        bob = await self.balances(self.bob)
        # maker sell: receives 270 USDC minus 8 bps in USDC; 0.5 SOL still locked
        self.assertEqual(Decimal("100269.784"), bob["USDC"][0])
        self.assertEqual((Decimal("998"), Decimal("0.5")), bob["SOL"])
        fills = await self.alice.ok("GET", "/wapi/v1/history/fills", {"symbol": "SOL_USDC", "orderId": bid["id"]})
        self.assertEqual(1, len(fills))
        fill = fills[0]
        self.assertEqual(("10", "0.0015", "SOL", False, "Bid", "180", "1.5"),
                         (fill["clientId"], fill["fee"], fill["feeSymbol"], fill["isMaker"], fill["side"],
                          fill["price"], fill["quantity"]))
        self.assertIsInstance(fill["tradeId"], int)
        self.assertRegex(fill["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")
        maker_fill = (await self.bob.ok("GET", "/wapi/v1/history/fills", {"orderId": ask["id"]}))[0]
        self.assertEqual(("0.216", "USDC", True, fill["tradeId"]),
                         (maker_fill["fee"], maker_fill["feeSymbol"], maker_fill["isMaker"], maker_fill["tradeId"]))
        resting = await self.bob.ok("GET", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": ask["id"]})
        self.assertEqual(("PartiallyFilled", "1.5"), (resting["status"], resting["executedQuantity"]))
        status, _, _ = await self.alice.call("GET", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": bid["id"]})
        self.assertEqual(404, status)  # filled orders only live in history
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": bid["id"]})
        self.assertEqual(("Filled", "1.5"), (history[0]["status"], history[0]["executedQuantity"]))

    async def test_market_orders_quantity_and_quote_quantity(self):
        await self.rest_ask(price="180", quantity="1")
        await self.rest_ask(price="181", quantity="1")
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="1.5")
        self.assertEqual(("Market", "Filled", "1.5", "270.5"), (order["orderType"], order["status"],
                                                               order["executedQuantity"], order["executedQuoteQuantity"]))
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quoteQuantity="45.25")
        self.assertEqual(("Filled", "0.25", "45.25"), (order["status"], order["executedQuantity"],
                                                      order["executedQuoteQuantity"]))
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="5")
        self.assertEqual(("Expired", "0.25"), (order["status"], order["executedQuantity"]))
        await self.rest_ask(price="182", quantity="1")
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quoteQuantity="500")
        self.assertEqual(("Expired", "1", "182"), (order["status"], order["executedQuantity"],
                                                  order["executedQuoteQuantity"]))
        order = await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Market", quoteQuantity="10")
        self.assertEqual(("Expired", "0"), (order["status"], order["executedQuantity"]))  # no bids to sell into
        self.assertEqual(Decimal(0), (await self.balances(self.bob))["SOL"][1])  # the held SOL is released
        self.assertEqual((Decimal("0")), (await self.balances(self.alice))["USDC"][1])

    async def test_market_order_on_an_empty_side_is_accepted_and_expires(self):
        """No asks: a market buy is accepted, executes nothing and expires `InsufficientLiquidity` (OAS
        OrderExpiryReason; no refusal code for it in ApiErrorCode), holding nothing."""
        order = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="1", clientId=7)
        self.assertEqual(("Expired", "0"), (order["status"], order["executedQuantity"]))
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": order["id"]})
        self.assertEqual(("Expired", "InsufficientLiquidity"), (history[0]["status"], history[0]["expiryReason"]))
        self.assertEqual((Decimal("100000"), Decimal("0")), (await self.balances(self.alice))["USDC"])

    async def test_ioc_fok_post_only(self):
        await self.rest_ask(price="180", quantity="1")
        ioc = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="180", quantity="3",
                                     timeInForce="IOC")
        self.assertEqual(("Expired", "1"), (ioc["status"], ioc["executedQuantity"]))
        await self.rest_ask(price="180", quantity="1")
        fok = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="180", quantity="3",
                                     timeInForce="FOK")
        self.assertEqual(("Expired", "0"), (fok["status"], fok["executedQuantity"]))
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": fok["id"]})
        self.assertEqual("FillOrKill", history[0]["expiryReason"])
        status, body, _ = await self.alice.call("POST", "/api/v1/order", {
            "symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "180", "quantity": "1",
            "postOnly": True})
        self.assertEqual((400, "INVALID_ORDER", "Order would immediately match and take liquidity"),
                         (status, body["code"], body["message"]))
        self.assertEqual(Decimal(0), (await self.balances(self.alice))["USDC"][1])
        maker = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="179.99",
                                       quantity="1", postOnly=True)
        self.assertEqual(("New", True), (maker["status"], maker["postOnly"]))

    async def test_self_trade_prevention(self):
        ask = await self.alice.order(symbol="SOL_USDC", side="Ask", orderType="Limit", price="180", quantity="1")
        taker = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="180", quantity="1")
        self.assertEqual(("Expired", "0"), (taker["status"], taker["executedQuantity"]))
        self.assertEqual("New", (await self.alice.ok("GET", "/api/v1/order", {"symbol": "SOL_USDC",
                                                                             "orderId": ask["id"]}))["status"])
        taker = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="180", quantity="1",
                                       selfTradePrevention="RejectMaker")
        self.assertEqual("New", taker["status"])  # the maker was removed and the taker now rests
        status, _, _ = await self.alice.call("GET", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": ask["id"]})
        self.assertEqual(404, status)
        self.assertEqual([], await self.alice.ok("GET", "/wapi/v1/history/fills"))

    async def test_batch_cancel_all_and_duplicate_client_id(self):
        results = await self.alice.ok("POST", "/api/v1/orders", [
            {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "170", "quantity": "1", "clientId": 1},
            {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "171", "quantity": "1", "clientId": 1},
            {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "172", "quantity": "1"},
        ])
        self.assertEqual(["Ok", "Err", "Ok"], [r["operation"] for r in results])
        self.assertEqual(("INVALID_ORDER", "Order with client ID already exists: 1"),
                         (results[1]["code"], results[1]["message"]))
        cancelled = await self.alice.ok("DELETE", "/api/v1/orders", {"symbol": "SOL_USDC"})
        self.assertEqual({"Cancelled"}, {o["status"] for o in cancelled})
        self.assertEqual(2, len(cancelled))
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders"))

    async def test_bad_input_is_refused_and_changes_nothing(self):
        cases = [
            ({"symbol": "SOL_USDC", "side": "Buy", "orderType": "Limit", "price": "1", "quantity": "1"}, DECODER),
            ({"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "180.001", "quantity": "1"}, "INVALID_CLIENT_REQUEST"),
            ({"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "180", "quantity": "1.001"}, "INVALID_CLIENT_REQUEST"),
            ({"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "180", "quantity": "0.001"}, "INVALID_CLIENT_REQUEST"),
            ({"symbol": "SOL_USDC", "side": "Bid", "orderType": "Market"}, "INVALID_CLIENT_REQUEST"),
            ({"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "180", "quantity": "1",
              "clientId": 2**32}, DECODER),
            ({"symbol": "XRP_USDC", "side": "Bid", "orderType": "Limit", "price": "1", "quantity": "1"}, DECODER),
            ({"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "price": "180", "quantity": "1000"}, "INSUFFICIENT_FUNDS"),
        ]
        for payload, code in cases:
            with self.subTest(payload=payload):
                status, body, _ = await self.alice.call("POST", "/api/v1/order", payload)
                self.assertEqual((400, code), (status, DECODER if isinstance(body, str) else body["code"]), body)
        status, body, _ = await self.alice.call("GET", "/api/v1/order", {"symbol": "SOL_USDC"})
        self.assertEqual("Must specify either `clientId` or `orderId`", body["message"])
        self.assertEqual([], await self.alice.ok("GET", "/wapi/v1/history/orders"))
        self.assertEqual((Decimal("100000"), Decimal("0")), (await self.balances(self.alice))["USDC"])

    async def test_auth_errors_over_http(self):
        status, body, _ = await self.alice.call("GET", "/api/v1/capital", signed=False)
        self.assertEqual((401, "UNAUTHORIZED"), (status, body["code"]))
        headers = self.alice.headers("balanceQuery", {})
        headers["X-Signature"] = self.bob.headers("balanceQuery", {})["X-Signature"]
        status, body, _ = await self.alice.call("GET", "/api/v1/capital", headers=headers)
        self.assertEqual((400, {"code": "INVALID_CLIENT_REQUEST", "message": "Invalid signature"}), (status, body))
        old = self.alice.headers("balanceQuery", {}, timestamp=int(time.time() * 1000) - 10_000)
        status, body, _ = await self.alice.call("GET", "/api/v1/capital", headers=old)
        self.assertEqual((401, "Request has expired"), (status, body))  # plain text, as live
        wrong_instruction = self.alice.headers("orderQueryAll", {})
        status, body, _ = await self.alice.call("GET", "/api/v1/capital", headers=wrong_instruction)
        self.assertEqual("Invalid signature", body["message"])
        stranger = new_account(self.server, self.session)
        stranger.api_key, stranger.secret = __import__("backpack_emulator.keys").keys.generate_keypair()
        status, body, _ = await stranger.call("GET", "/api/v1/capital")
        self.assertEqual((401, "UNAUTHORIZED"), (status, body["code"]))
        self.assertNotIn(self.alice.secret, str(self.server.request_log.entries()))

    async def test_account_endpoints(self):
        account = await self.alice.ok("GET", "/api/v1/account")
        self.assertEqual(("8", "10", "2", "5", "10"), (account["spotMakerFee"], account["spotTakerFee"],
                                                     account["futuresMakerFee"], account["futuresTakerFee"],
                                                     account["leverageLimit"]))
        status, body, _ = await self.alice.call("PATCH", "/api/v1/account", {"leverageLimit": "5"})
        self.assertEqual((200, None), (status, body))
        self.assertEqual("5", (await self.alice.ok("GET", "/api/v1/account"))["leverageLimit"])
        status, body, _ = await self.alice.call("PATCH", "/api/v1/account", {"leverageLimit": "abc"})
        self.assertEqual(400, status)
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/borrowLend/positions"))
        capital = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual({"available": "100000", "locked": "0", "staked": "0"}, capital["USDC"])


class HistoryDefaultSortTest(EmulatorTestCase):
    """Backpack documents `sortDirection` (Asc|Desc) on the history endpoints but no default: the emulator's
    default is a server setting, so clients can be tested against either."""
    server_options = {"history_default_sort": "Asc"}

    async def test_default_and_explicit_sort_direction(self):
        ids = [(await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price=str(100 + i),
                                       quantity="1", clientId=i))["id"] for i in range(3)]
        for path in ("/wapi/v1/history/orders",):
            default = [row["id"] for row in await self.alice.ok("GET", path, {"symbol": "SOL_USDC"})]
            asc = [row["id"] for row in await self.alice.ok("GET", path, {"symbol": "SOL_USDC", "sortDirection": "Asc"})]
            desc = [row["id"] for row in await self.alice.ok("GET", path, {"symbol": "SOL_USDC",
                                                                           "sortDirection": "Desc"})]
            self.assertEqual((ids, ids, ids[::-1]), (default, asc, desc))
        self.server.exchange.history_default_sort = "Desc"
        self.assertEqual(ids[::-1], [row["id"] for row in await self.alice.ok("GET", "/wapi/v1/history/orders")])
        status, body, _ = await self.alice.call("GET", "/wapi/v1/history/fills", {"sortDirection": "desc"})
        self.assertEqual(400, status)  # PascalCase only: the typed decoder refuses it (plain text)
        self.assertIn("failed to parse parameter `sortDirection`", body)

    def test_unknown_default_is_refused(self):
        with self.assertRaises(ValueError):
            EmulatorServer(history_default_sort="Newest")
