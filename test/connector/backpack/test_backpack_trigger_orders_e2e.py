"""The spot connector against the emulator with an exchange-side stop: a stop-limit sell waits TriggerPending (an
open order of the bot), the last price reaches it, the exchange places it and it fills; events once, balances =
the ledger. A stop that cannot be placed when triggered is reported as a failed order."""
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack import test_backpack_e2e_emulator as spot_e2e
from test.connector.backpack.test_backpack_e2e_emulator import PAIR, EmulatorTestCase, wait_for


class TriggerOrdersOnEmulatorTests(EmulatorTestCase):
    assert_balances_match_ledger = spot_e2e.TradingAgainstEmulatorTests.assert_balances_match_ledger

    async def taker_order(self, side: TradeType, amount: str, price: str, time_in_force: str = "GTC"):
        await self.taker._place_order(order_id=self.taker_order_id(), trading_pair=PAIR, amount=Decimal(amount),
                                      trade_type=side, order_type=OrderType.LIMIT, price=Decimal(price),
                                      time_in_force=time_in_force)

    def last_trade_at(self, price: str):
        """Another account's trade at `price` (recorded as the market's last trade), then the price watch."""
        self.server.exchange.public_trades["SOL_USDC"].append({"price": price})
        self.server.exchange.triggers.check("SOL_USDC")

    async def test_stop_limit_sell_triggers_and_fills(self):
        ledger = self.server.exchange
        await self.taker_order(TradeType.BUY, "5", "174")  # what the stop will sell into
        order_id = self.exchange.sell(PAIR, Decimal("1.5"), OrderType.LIMIT, Decimal("173"),
                                      trigger_price=Decimal("175"))
        await wait_for(lambda: order_id in self.exchange.in_flight_orders
                       and self.exchange.in_flight_orders[order_id].exchange_order_id, "the stop to be placed")
        order = self.exchange.in_flight_orders[order_id]
        self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertEqual("TriggerPending", ledger.open_orders[order.exchange_order_id].status)
        self.assertEqual([order_id], [e.order_id for e in self.logged(MarketEvent.SellOrderCreated)])
        await self.exchange._update_order_status()  # a status poll sees it pending: still open, no event
        self.assertEqual(OrderState.OPEN, order.current_state)

        self.last_trade_at("175")
        await wait_for(lambda: self.logged(MarketEvent.SellOrderCompleted), "the stop to fill")
        self.assertEqual([(Decimal("1.5"), Decimal("174"))],
                         [(f.amount, f.price) for f in self.logged(MarketEvent.OrderFilled)])
        self.assertNotIn(order_id, self.exchange.in_flight_orders)
        await self.assert_balances_match_ledger()

    async def test_a_stop_that_cannot_be_placed_is_a_failed_order(self):
        ledger = self.server.exchange
        order_id = self.exchange.buy(PAIR, Decimal("100"), OrderType.LIMIT, Decimal("186"),
                                     trigger_price=Decimal("185"))  # 18,600 USDC: more than the 10,000 held
        await wait_for(lambda: order_id in self.exchange.in_flight_orders
                       and self.exchange.in_flight_orders[order_id].exchange_order_id, "the stop to be placed")
        self.last_trade_at("185")
        await wait_for(lambda: self.logged(MarketEvent.OrderFailure), "the failure")
        self.assertEqual(order_id, self.logged(MarketEvent.OrderFailure)[0].order_id)
        self.assertNotIn(order_id, self.exchange.in_flight_orders)
        await self.assert_balances_match_ledger()
