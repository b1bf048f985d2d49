"""Endpoints, streams and fields that real clients read and the emulator lacked: securities, public
collateral parameters, account.rfqUpdate next to order updates, Q on limit orders, mark/index klines."""
from decimal import Decimal

from test.emulator.support import EmulatorTestCase, next_frame

PERP = "SOL_USDC_PERP"


class CompletenessTest(EmulatorTestCase):
    async def test_securities_is_an_empty_list_without_equity_markets(self):
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/securities"))

    async def test_public_collateral_parameters_match_the_account_collateral_weights(self):
        rows = {r["symbol"]: r for r in await self.alice.ok("GET", "/api/v1/collateral")}
        self.assertEqual({"BTC", "SOL", "USDC"}, set(rows))
        account = await self.alice.ok("GET", "/api/v1/capital/collateral")
        for item in account["collateral"]:
            self.assertEqual(item["collateralWeight"], rows[item["symbol"]]["haircutFunction"]["weight"])
        self.assertEqual({"type": "identity"}, rows["USDC"]["haircutFunction"]["kind"])
        self.assertEqual("sqrt", rows["SOL"]["imfFunction"]["type"])

    async def test_rfq_updates_subscribed_with_order_updates_still_deliver_order_updates(self):
        ws = await self.ws("account.orderUpdate", "account.rfqUpdate")  # one signed request for both
        self.assertEqual({"account.orderUpdate", "account.rfqUpdate"},
                         next(iter(self.server.hub.connections)).private)
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="150", quantity="2")
        frame = await next_frame(ws, "account.orderUpdate")
        self.assertEqual("orderAccepted", frame["data"]["e"])
        await ws.close()

    async def test_limit_order_updates_carry_the_quote_quantity(self):
        ws = await self.ws("account.orderUpdate")
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Limit", price="150.5", quantity="2")
        data = (await next_frame(ws, "account.orderUpdate"))["data"]
        self.assertEqual(("LIMIT", "301.0000"), (data["o"], data["Q"]))  # price x quantity, tick + step decimals
        await ws.close()

    async def test_positions_carry_cumulative_interest(self):
        await self.bob.order(symbol=PERP, side="Ask", orderType="Limit", price="180", quantity="1")
        await self.alice.order(symbol=PERP, side="Bid", orderType="Market", quantity="1")
        [position] = await self.alice.ok("GET", "/api/v1/position")
        self.assertEqual("0", position["cumulativeInterest"])

    async def test_mark_price_klines_follow_the_mark_not_the_trades(self):
        exchange = self.server.exchange
        await self.bob.order(symbol=PERP, side="Ask", orderType="Limit", price="200", quantity="1")
        await self.bob.order(symbol=PERP, side="Bid", orderType="Limit", price="190", quantity="1")
        exchange.refresh_marks()  # mark = mid of the book = 195, without a trade
        query = {"symbol": PERP, "interval": "1m", "startTime": "0"}
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/klines", query))  # no trade: no Last candle
        mark = await self.newest_kline({**query, "priceType": "Mark"})
        self.assertEqual((Decimal("195"), "0", "0"), (Decimal(mark["close"]), mark["volume"], mark["trades"]))
        index = await self.newest_kline({**query, "priceType": "Index"})
        self.assertEqual(exchange.indexes[PERP], Decimal(index["close"]))
        await self.alice.order(symbol=PERP, side="Bid", orderType="Market", quantity="1")  # trades at 200
        last = await self.newest_kline(query)
        self.assertEqual((Decimal("200"), "1"), (Decimal(last["close"]), last["trades"]))
        mark = await self.newest_kline({**query, "priceType": "Mark"})
        self.assertEqual(Decimal("195"), Decimal(mark["close"]))  # marks move on refresh only

    async def newest_kline(self, query):
        """The newest candle with prices (a minute may have turned since the sample: a null row then)."""
        rows = [r for r in await self.alice.ok("GET", "/api/v1/klines", query) if r["close"] is not None]
        self.assertTrue(rows, query)
        return rows[-1]
