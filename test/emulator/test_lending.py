"""Borrow/lend positions and Auto Lend (issue 12, item 1): idle funds leave /capital for
/borrowLend/positions, orders redeem lent funds only with autoLendRedeem, borrows stay owed."""
from decimal import Decimal

from test.emulator.support import EmulatorTestCase

POSITION_FIELDS = {"cumulativeInterest", "id", "symbol", "imf", "imfFunction", "markPrice", "mmf", "mmfFunction",
                   "netExposureNotional", "netExposureQuantity", "netQuantity", "estLiquidationPrice"}
SELL = {"symbol": "SOL_USDC", "side": "Ask", "orderType": "Limit", "price": "200", "quantity": "2"}


class LendingTest(EmulatorTestCase):
    async def positions(self):
        return {row["symbol"]: row for row in await self.alice.ok("GET", "/api/v1/borrowLend/positions")}

    async def test_auto_lend_moves_idle_funds_out_of_capital(self):
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/borrowLend/positions"))
        await self.alice.ok("PATCH", "/api/v1/account", {"autoLend": True})
        capital = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual({"0"}, {row["available"] for row in capital.values()})
        positions = await self.positions()
        self.assertEqual({"USDC": "100000", "SOL": "1000", "BTC": "10"},
                         {asset: row["netQuantity"] for asset, row in positions.items()})
        row = positions["SOL"]
        self.assertEqual(POSITION_FIELDS, set(row))
        self.assertEqual({"base", "factor", "type"}, set(row["imfFunction"]))
        self.assertTrue(all(isinstance(row[k], str) for k in POSITION_FIELDS - {"imfFunction", "mmfFunction"}))
        self.assertEqual(Decimal(row["markPrice"]) * 1000, Decimal(row["netExposureNotional"]))
        collateral = await self.alice.ok("GET", "/api/v1/capital/collateral")
        sol = [r for r in collateral["collateral"] if r["symbol"] == "SOL"][0]
        self.assertEqual(("1000", "1000", "0"), (sol["totalQuantity"], sol["lendQuantity"], sol["availableQuantity"]))
        self.assertTrue((await self.alice.ok("GET", "/api/v1/account"))["autoLend"])

    async def test_an_order_redeems_lent_funds_only_with_auto_lend_redeem(self):
        await self.alice.ok("PATCH", "/api/v1/account", {"autoLend": True})
        status, body, _ = await self.alice.call("POST", "/api/v1/order", SELL)
        self.assertEqual((400, "INSUFFICIENT_FUNDS"), (status, body["code"]))
        order = await self.alice.order(**SELL, autoLendRedeem=True)
        self.assertEqual("New", order["status"])
        capital = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual(("0", "2"), (capital["SOL"]["available"], capital["SOL"]["locked"]))
        self.assertEqual("998", (await self.positions())["SOL"]["netQuantity"])
        await self.alice.ok("DELETE", "/api/v1/order", {"symbol": "SOL_USDC", "orderId": order["id"]})
        self.assertEqual("1000", (await self.positions())["SOL"]["netQuantity"])  # freed funds are lent again

    async def test_fill_proceeds_are_lent_at_once(self):
        await self.alice.ok("PATCH", "/api/v1/account", {"autoLend": True})
        await self.alice.order(**SELL, autoLendRedeem=True)
        await self.bob.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="200", quantity="2")
        capital = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual(("0", "0", "0"), (capital["SOL"]["available"], capital["SOL"]["locked"],
                                           capital["USDC"]["available"]))
        positions = await self.positions()
        self.assertEqual(Decimal("998"), Decimal(positions["SOL"]["netQuantity"]))
        self.assertEqual(Decimal("100000") + Decimal("400") * Decimal("0.9992"),
                         Decimal(positions["USDC"]["netQuantity"]))  # proceeds less the 8 bps maker fee

    async def test_borrow_credits_capital_and_stays_owed(self):
        await self.alice.call("POST", "/api/v1/borrowLend", {"side": "Borrow", "symbol": "USDC", "quantity": "500"})
        capital = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual("100500", capital["USDC"]["available"])
        self.assertEqual("-500", (await self.positions())["USDC"]["netQuantity"])
        collateral = await self.alice.ok("GET", "/api/v1/capital/collateral")
        self.assertEqual(("500", "500"), (collateral["borrowLiability"], collateral["liabilitiesValue"]))
        before = Decimal(collateral["netEquity"])
        await self.alice.call("POST", "/api/v1/borrowLend", {"side": "Lend", "symbol": "USDC", "quantity": "500"})
        self.assertEqual({}, await self.positions())  # repaid: the net position is flat
        self.assertEqual(before, Decimal((await self.alice.ok("GET", "/api/v1/capital/collateral"))["netEquity"]))

    async def test_borrow_lend_payload_is_checked(self):
        for body, code in (({"side": "Lend", "symbol": "USDC", "quantity": "1000000000"}, "INSUFFICIENT_FUNDS"),
                           ({"side": "Borrow", "symbol": "USDC", "quantity": "1000000000"}, "INSUFFICIENT_MARGIN"),
                           ({"side": "Sideways", "symbol": "USDC", "quantity": "1"}, "decoder"),  # enum Borrow|Lend
                           ({"side": "Lend", "symbol": "USDC", "quantity": "1e9"}, "decoder"),  # plain decimals only
                           ({"side": "Lend", "symbol": "DOGE", "quantity": "1"}, "INVALID_CLIENT_REQUEST"),
                           ({"side": "Lend", "symbol": "USDC", "quantity": "-1"}, "INVALID_CLIENT_REQUEST")):
            with self.subTest(body=body):
                status, answer, _ = await self.alice.call("POST", "/api/v1/borrowLend", body)
                # "decoder": refused by the strict decoder (plain text naming the field), not a JSON error
                self.assertEqual((400, code), (status, "decoder" if isinstance(answer, str) else answer["code"]))
        self.assertEqual({}, await self.positions())
        status, _, _ = await self.alice.call("POST", "/api/v1/order", {**SELL, "autoBorrow": True})
        self.assertEqual(400, status)

    async def test_admin_creates_lending_accounts(self):
        api_key = "k" * 43 + "="
        await self.admin.create_account(api_key, {"USDC": "1000", "SOL": "10"}, auto_lend=True, borrow={"USDC": "50"})
        state = (await self.admin.state(api_key))["accounts"][api_key]
        self.assertEqual({"USDC": "-50", "SOL": "10"}, state["borrowLend"])  # borrowed cash is not lent back
        self.assertEqual("1050", state["balances"]["USDC"]["available"])
        self.assertEqual(Decimal("1000"), self.server.exchange.ledger.total(api_key, "USDC"))
