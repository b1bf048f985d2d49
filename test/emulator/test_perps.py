"""Perpetuals: positions, collateral and margin, reduce-only, leverage, funding payments."""
import asyncio
from decimal import Decimal

from test.emulator.support import EmulatorTestCase, new_account, next_frame

PERP = "SOL_USDC_PERP"


class PerpTest(EmulatorTestCase):
    server_options = {"funding_interval_s": 1.0}

    async def open_long(self, quantity="2", price="180"):
        await self.bob.order(symbol=PERP, side="Ask", orderType="Limit", price=price, quantity=quantity)
        return await self.alice.order(symbol=PERP, side="Bid", orderType="Market", quantity=quantity)

    async def test_position_shape_and_fees_in_usdc(self):
        order = await self.open_long()
        self.assertEqual("Filled", order["status"])
        positions = await self.alice.ok("GET", "/api/v1/position")
        self.assertEqual(1, len(positions))
        position = positions[0]
        self.assertEqual((PERP, "2", "360", "180", "2"), (position["symbol"], position["netQuantity"],
                                                          position["netCost"], position["entryPrice"],
                                                          position["netExposureQuantity"]))
        self.assertIsInstance(position["positionId"], str)
        self.assertIsInstance(position["userId"], int)
        short = (await self.bob.ok("GET", "/api/v1/position", {"symbol": PERP}))[0]
        self.assertEqual("-2", short["netQuantity"])
        fill = (await self.alice.ok("GET", "/wapi/v1/history/fills", {"symbol": PERP}))[0]
        self.assertEqual(("0.18", "USDC", False), (fill["fee"], fill["feeSymbol"], fill["isMaker"]))  # 5 bps
        capital = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual("99999.82", capital["USDC"]["available"])
        self.assertEqual("1000", capital["SOL"]["available"])  # perps never move the base asset
        status, body, _ = await self.alice.call("GET", "/api/v1/position", {"symbol": "BTC_USDC_PERP"})
        self.assertEqual((404, "RESOURCE_NOT_FOUND"), (status, body["code"]))

    async def test_close_realises_pnl(self):
        await self.open_long(price="180")
        await self.bob.order(symbol=PERP, side="Bid", orderType="Limit", price="190", quantity="2")
        await self.alice.order(symbol=PERP, side="Ask", orderType="Market", quantity="2", reduceOnly=True)
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/position"))
        capital = await self.alice.ok("GET", "/api/v1/capital")
        # +20 PnL, minus taker fees 0.18 (open) and 0.19 (close)
        self.assertEqual(Decimal("100019.63"), Decimal(capital["USDC"]["available"]))

    async def test_reduce_only_never_flips(self):
        await self.open_long(quantity="1")
        await self.bob.order(symbol=PERP, side="Bid", orderType="Limit", price="179", quantity="5")
        order = await self.alice.order(symbol=PERP, side="Ask", orderType="Market", quantity="3", reduceOnly=True)
        self.assertEqual("1", order["executedQuantity"])
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/position"))
        order = await self.alice.order(symbol=PERP, side="Ask", orderType="Market", quantity="1", reduceOnly=True)
        self.assertEqual(("Expired", "0"), (order["status"], order["executedQuantity"]))
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": order["id"]})
        self.assertEqual("ReduceOnlyNotReduced", history[0]["expiryReason"])

    async def test_reduce_only_with_nothing_to_reduce_expires_at_once_and_says_why(self):
        """Flat account and no crossing liquidity: a market or IOC reduce-only order is expired at once with
        ReduceOnlyNotReduced (OpenAPI OrderExpiryReason), on the stream and in history (not InsufficientLiquidity)."""
        ws = await self.ws("account.orderUpdate")
        market = await self.alice.order(symbol=PERP, side="Ask", orderType="Market", quantity="1", reduceOnly=True)
        limit = await self.alice.order(symbol=PERP, side="Bid", orderType="Limit", price="150", quantity="1",
                                       reduceOnly=True, timeInForce="IOC")
        for order in (market, limit):
            self.assertEqual(("Expired", "0"), (order["status"], order["executedQuantity"]))
            accepted = (await next_frame(ws, "account.orderUpdate"))["data"]
            expired = (await next_frame(ws, "account.orderUpdate"))["data"]
            self.assertEqual(("orderAccepted", "orderExpired"), (accepted["e"], expired["e"]))
            self.assertEqual((order["id"], "Expired", "ReduceOnlyNotReduced", True),
                             (expired["i"], expired["X"], expired["R"], expired["r"]))
            history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": order["id"]})
            self.assertEqual(("Expired", "ReduceOnlyNotReduced"), (history[0]["status"], history[0]["expiryReason"]))
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/orders", {"symbol": PERP}))
        await ws.close()

    async def test_resting_reduce_only_limit_expires_when_it_would_trade_with_nothing_to_reduce(self):
        resting = await self.alice.order(symbol=PERP, side="Ask", orderType="Limit", price="181", quantity="1",
                                         reduceOnly=True)
        self.assertEqual("New", resting["status"])
        taker = await self.bob.order(symbol=PERP, side="Bid", orderType="Limit", price="181", quantity="1")
        self.assertEqual("0", taker["executedQuantity"])
        history = await self.alice.ok("GET", "/wapi/v1/history/orders", {"orderId": resting["id"]})
        self.assertEqual(("Expired", "ReduceOnlyNotReduced"), (history[0]["status"], history[0]["expiryReason"]))

    async def test_margin_check_and_collateral(self):
        poor = new_account(self.server, self.session, USDC="100")
        status, body, _ = await poor.call("POST", "/api/v1/order", {
            "symbol": PERP, "side": "Bid", "orderType": "Limit", "price": "180", "quantity": "10"})
        self.assertEqual((400, "INSUFFICIENT_MARGIN"), (status, body["code"]))
        order = await poor.order(symbol=PERP, side="Bid", orderType="Limit", price="180", quantity="5")  # 90 at 10x
        self.assertEqual("New", order["status"])
        collateral = await poor.ok("GET", "/api/v1/capital/collateral")
        self.assertEqual(("100", "10"), (collateral["netEquity"], collateral["netEquityAvailable"]))
        self.assertEqual({"symbol", "assetMarkPrice", "totalQuantity", "balanceNotional", "collateralWeight",
                          "collateralValue", "openOrderQuantity", "lendQuantity", "availableQuantity"},
                         set(collateral["collateral"][0]))
        status, _, _ = await poor.call("PATCH", "/api/v1/account", {"leverageLimit": "20"})
        self.assertEqual(200, status)
        collateral = await poor.ok("GET", "/api/v1/capital/collateral")
        self.assertEqual("55", collateral["netEquityAvailable"])

    async def test_funding_payments_recorded(self):
        await self.open_long(quantity="2")
        self.server.exchange.marks[PERP] = Decimal("181")
        self.server.exchange.indexes[PERP] = Decimal("180")
        for _ in range(40):
            await asyncio.sleep(0.1)
            rows = await self.alice.ok("GET", "/wapi/v1/history/funding", {"symbol": PERP})
            if rows:
                break
        self.assertTrue(rows, "no funding payment within 4 s at a 1 s interval")
        row = rows[0]
        self.assertEqual({"userId", "subaccountId", "symbol", "quantity", "intervalEndTimestamp", "fundingRate"}, set(row))
        self.assertRegex(row["intervalEndTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        mark, rate = Decimal(181), Decimal(row["fundingRate"])
        self.assertEqual(-2 * mark * rate, Decimal(row["quantity"]))  # longs pay when the rate is positive
        short = (await self.bob.ok("GET", "/wapi/v1/history/funding"))[0]
        self.assertEqual(-Decimal(row["quantity"]), Decimal(short["quantity"]))
        rates = await self.alice.ok("GET", "/api/v1/fundingRates", {"symbol": PERP})
        self.assertEqual(row["fundingRate"], rates[0]["fundingRate"])


class FundingHistoryAllMarketsTest(EmulatorTestCase):
    """`GET /wapi/v1/history/funding` without `symbol`: "If not set, all markets are returned" (OAS
    `/wapi/v1/history/funding` parameter `symbol`), newest first when asked, paged over every market's rows."""
    server_options = {"funding_interval_s": 3600.0}  # no periodic payment during the test: only those below

    async def test_no_symbol_returns_every_market_newest_first_and_pages_across_them(self):
        btc = "BTC_USDC_PERP"
        await self.bob.order(symbol=PERP, side="Ask", orderType="Limit", price="180", quantity="2")
        await self.alice.order(symbol=PERP, side="Bid", orderType="Market", quantity="2")
        await self.bob.order(symbol=btc, side="Ask", orderType="Limit", price="95000", quantity="0.01")
        await self.alice.order(symbol=btc, side="Bid", orderType="Market", quantity="0.01")
        hour_ms = 3_600_000
        for end_ms in (1757620800000, 1757620800000 + hour_ms):
            for symbol in (PERP, btc):
                self.server.exchange.settlement.pay_funding(symbol, Decimal("0.0001"), end_ms)
        rows = await self.alice.ok("GET", "/wapi/v1/history/funding", {"sortDirection": "Desc"})
        self.assertEqual([("2025-09-11T21:00:00", btc), ("2025-09-11T21:00:00", PERP),
                          ("2025-09-11T20:00:00", btc), ("2025-09-11T20:00:00", PERP)],
                         [(r["intervalEndTimestamp"], r["symbol"]) for r in rows])
        pages = [await self.alice.ok("GET", "/wapi/v1/history/funding",
                                     {"sortDirection": "Desc", "limit": 3, "offset": offset}) for offset in (0, 3)]
        self.assertEqual(rows, pages[0] + pages[1])
        only_sol = await self.alice.ok("GET", "/wapi/v1/history/funding", {"symbol": PERP, "sortDirection": "Asc"})
        self.assertEqual([("2025-09-11T20:00:00", PERP), ("2025-09-11T21:00:00", PERP)],
                         [(r["intervalEndTimestamp"], r["symbol"]) for r in only_sol])
