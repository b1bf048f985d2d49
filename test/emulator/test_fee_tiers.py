"""Fee tiers per account (admin API): `GET /api/v1/account` reports them and fills are charged with them,
a negative maker fee (rebate) included; value stays conserved (the fee account pays the rebate)."""
from decimal import Decimal

from backpack_emulator.accounts import FEE_ACCOUNT

from test.emulator.support import EmulatorTestCase, next_frame

PERP = "SOL_USDC_PERP"


class FeeTierTest(EmulatorTestCase):
    async def test_admin_sets_the_tier_and_the_account_endpoint_reports_it(self):
        fees = await self.admin.set_fee_tier(self.alice.api_key, spotMakerFee="-1", spotTakerFee="4.5",
                                             futuresMakerFee="-0.5", futuresTakerFee="3")
        self.assertEqual({"spotMakerFee": "-1", "spotTakerFee": "4.5", "futuresMakerFee": "-0.5",
                          "futuresTakerFee": "3"}, fees)
        account = await self.alice.ok("GET", "/api/v1/account")
        self.assertEqual(("-1", "4.5", "-0.5", "3"), (account["spotMakerFee"], account["spotTakerFee"],
                                                      account["futuresMakerFee"], account["futuresTakerFee"]))
        bob = await self.bob.ok("GET", "/api/v1/account")  # other accounts keep the base tier
        self.assertEqual(("8", "10"), (bob["spotMakerFee"], bob["spotTakerFee"]))

    async def test_bad_tiers_are_refused_and_change_nothing(self):
        for fees in ({"spotTakerFee": "-1"}, {"spotMakerFee": "abc"}, {"makerFee": "1"}, {"spotMakerFee": "2000"},
                     ["spotMakerFee"]):
            with self.assertRaises(RuntimeError, msg=fees):
                await self.admin._call("POST", "/accounts", {"apiKey": self.alice.api_key, "balances": {},
                                                             "fees": fees})
        account = await self.alice.ok("GET", "/api/v1/account")
        self.assertEqual(("8", "10"), (account["spotMakerFee"], account["spotTakerFee"]))

    async def test_spot_maker_rebate_is_credited_in_the_asset_received(self):
        await self.admin.set_fee_tier(self.alice.api_key, spotMakerFee="-1", spotTakerFee="5")
        ws = await self.ws("account.orderUpdate", client=self.alice)
        fees_before = self.server.exchange.ledger.available(FEE_ACCOUNT, "SOL")
        total_sol = self.server.exchange.ledger.grand_total("SOL")
        bid = await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="180", quantity="2")
        await self.bob.order(symbol="SOL_USDC", side="Ask", orderType="Market", quantity="2")
        fill = (await self.alice.ok("GET", "/wapi/v1/history/fills", {"orderId": bid["id"]}))[0]
        self.assertEqual(("-0.0002", "SOL", True), (fill["fee"], fill["feeSymbol"], fill["isMaker"]))
        capital = await self.alice.ok("GET", "/api/v1/capital")
        self.assertEqual("1002.0002", capital["SOL"]["available"])  # 2 SOL bought + 1 bp of rebate
        self.assertEqual("99640", capital["USDC"]["available"])
        frames = [await next_frame(ws, "account.orderUpdate") for _ in range(2)]
        self.assertEqual(("orderFill", "-0.0002", "SOL"), (frames[1]["data"]["e"], frames[1]["data"]["n"],
                                                           frames[1]["data"]["N"]))
        # The taker (base tier, 10 bps) paid in USDC; the rebate came out of the fee account: nothing created.
        self.assertEqual(fees_before - Decimal("0.0002"), self.server.exchange.ledger.available(FEE_ACCOUNT, "SOL"))
        self.assertEqual(total_sol, self.server.exchange.ledger.grand_total("SOL"))
        await ws.close()

    async def test_perp_fills_use_the_futures_tier(self):
        await self.admin.set_fee_tier(self.alice.api_key, futuresMakerFee="-0.5", futuresTakerFee="3")
        await self.alice.order(symbol=PERP, side="Bid", orderType="Limit", price="180", quantity="2")
        await self.bob.order(symbol=PERP, side="Ask", orderType="Market", quantity="2")
        await self.bob.order(symbol=PERP, side="Bid", orderType="Limit", price="179", quantity="1")
        await self.alice.order(symbol=PERP, side="Ask", orderType="Market", quantity="1", reduceOnly=True)
        fills = await self.alice.ok("GET", "/wapi/v1/history/fills", {"symbol": PERP, "sortDirection": "Asc"})
        self.assertEqual([("-0.018", True), ("0.0537", False)], [(f["fee"], f["isMaker"]) for f in fills])
        capital = await self.alice.ok("GET", "/api/v1/capital")
        # realised -1 USDC on the close, +0.018 rebate, -0.0537 taker fee
        self.assertEqual(Decimal("100000") - 1 + Decimal("0.018") - Decimal("0.0537"),
                         Decimal(capital["USDC"]["available"]))
