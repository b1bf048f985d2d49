"""The spot connector against the emulator: a market buy sized in USDC (`quote_quantity`) and a market order with
a slippage tolerance, reported like any order (fills, completion or cancel of the rest), balances = the ledger."""
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack import test_backpack_e2e_emulator as spot_e2e
from test.connector.backpack.test_backpack_e2e_emulator import PAIR, EmulatorTestCase, wait_for


class MarketOrderOptionsOnEmulatorTests(EmulatorTestCase):
    assert_balances_match_ledger = spot_e2e.TradingAgainstEmulatorTests.assert_balances_match_ledger

    async def rest_asks(self, *prices: str):
        # A bid too, so both sides of the book are quoted (the slippage order below has no price of its own).
        await self.taker._place_order(order_id=self.taker_order_id(), trading_pair=PAIR, amount=Decimal("1"),
                                      trade_type=TradeType.BUY, order_type=OrderType.LIMIT, price=Decimal("170"))
        for price in prices:
            await self.taker._place_order(order_id=self.taker_order_id(), trading_pair=PAIR, amount=Decimal("1"),
                                          trade_type=TradeType.SELL, order_type=OrderType.LIMIT, price=Decimal(price))
        await wait_for(lambda: self.exchange.get_price(PAIR, True) == Decimal(prices[0]), "the asks in the book")

    async def test_buy_500_usdc_of_sol(self):
        await self.rest_asks("180", "181", "182")
        # Tracked as 2.77 (500 at 180) until the answer says 2.76 were executed: the FILLED update must not wait
        # out Hummingbot's 5 s for fills that never come (it would warn).
        with self.assertNoLogs("hummingbot.connector.client_order_tracker", level="WARNING"):
            order_id = self.exchange.buy(PAIR, Decimal("0"), OrderType.MARKET, quote_quantity=Decimal("500"))
            await wait_for(lambda: self.logged(MarketEvent.BuyOrderCompleted), "the order to complete")
        completed = self.logged(MarketEvent.BuyOrderCompleted)[0]
        self.assertEqual((order_id, Decimal("2.76")), (completed.order_id, completed.base_asset_amount))
        self.assertEqual(Decimal("180") + 181 + Decimal("0.76") * 182, completed.quote_asset_amount)
        self.assertEqual([Decimal("1"), Decimal("1"), Decimal("0.76")], [f.amount for f in self.logged(MarketEvent.OrderFilled)])
        self.assertNotIn(order_id, self.exchange.in_flight_orders)
        sent = self.server.request_log.entries(path="/api/v1/order", method="POST")[-1]["params"]
        self.assertEqual(("500", None), (sent["quoteQuantity"], sent.get("quantity")))
        await self.assert_balances_match_ledger()

    async def test_slippage_tolerance_fills_what_it_can_and_cancels_the_rest(self):
        await self.rest_asks("180", "181", "190")
        order_id = self.exchange.buy(PAIR, Decimal("3"), OrderType.MARKET, slippage_tolerance=Decimal("1"),
                                     slippage_tolerance_type="Percent")
        await wait_for(lambda: self.logged(MarketEvent.OrderCancelled), "the remainder to be cancelled")
        self.assertEqual(order_id, self.logged(MarketEvent.OrderCancelled)[0].order_id)
        self.assertEqual([Decimal("1"), Decimal("1")], [f.amount for f in self.logged(MarketEvent.OrderFilled)])
        self.assertEqual([], self.logged(MarketEvent.BuyOrderCompleted))
        history = self.server.exchange.order_history[self.api_key][-1]
        self.assertEqual(("Expired", "SlippageToleranceExceeded"), (history.status, history.expiry_reason))
        await self.assert_balances_match_ledger()
