"""Auto Lend and borrows (issue 12, item 1): the real spot connector against the emulator on 127.0.0.1.

With Auto Lend on, Backpack lends idle funds: `/api/v1/capital` shows (almost) nothing and the funds are
positive `netQuantity` rows of `/api/v1/borrowLend/positions`. The connector must report them (total and
available: it sends `autoLendRedeem`, so the exchange redeems what an order needs), Hummingbot's budget
checker must let an order through on them, and a borrow must not count as the user's balance.
"""
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.data_type.order_candidate import OrderCandidate
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.test_backpack_e2e_emulator import PAIR, EmulatorTestCase, wait_for


class AutoLendAgainstEmulatorTests(EmulatorTestCase):
    def switch_auto_lend_on(self):
        self.server.exchange.settings[self.api_key].auto_lend = True
        self.server.exchange.lending.sweep()

    def ledger_total(self, asset: str) -> Decimal:
        return self.server.exchange.ledger.total(self.api_key, asset)

    async def test_lent_funds_are_balances_and_orders_can_use_them(self):
        self.switch_auto_lend_on()
        ledger = self.server.exchange.ledger
        self.assertEqual((Decimal(0), Decimal(100)), (ledger.available(self.api_key, "SOL"),
                                                      ledger.net_lend(self.api_key, "SOL")))  # all lent
        await self.exchange._update_all_balances()
        for asset in ("SOL", "USDC"):
            self.assertEqual(self.ledger_total(asset), self.exchange.get_balance(asset))
            self.assertEqual(self.ledger_total(asset), self.exchange.get_available_balance(asset))

        candidate = OrderCandidate(trading_pair=PAIR, is_maker=True, order_type=OrderType.LIMIT,
                                   order_side=TradeType.SELL, amount=Decimal("2"), price=Decimal("200"))
        self.assertEqual(Decimal("2"), self.exchange.budget_checker.adjust_candidate(candidate).amount)

        order_id = self.exchange.sell(PAIR, Decimal("2"), OrderType.LIMIT, Decimal("200"))
        await wait_for(lambda: self.logged(MarketEvent.SellOrderCreated) or self.logged(MarketEvent.OrderFailure),
                       "the order to be created or to fail")
        self.assertEqual([], self.logged(MarketEvent.OrderFailure))
        self.assertEqual(OrderState.OPEN, self.exchange.in_flight_orders[order_id].current_state)
        [resting] = self.emulator_open_orders()
        self.assertEqual(Decimal("2"), ledger.locked(self.api_key, "SOL"))  # redeemed from the lend for the order
        await self.exchange._update_all_balances()
        self.assertEqual((Decimal("100"), Decimal("98")),
                         (self.exchange.get_balance("SOL"), self.exchange.get_available_balance("SOL")))

    async def test_borrowed_funds_are_not_the_users_balance(self):
        self.server.exchange.lending.execute(self.api_key, {"side": "Borrow", "symbol": "USDC", "quantity": "500"})
        self.assertEqual(Decimal("10500"), self.server.exchange.ledger.available(self.api_key, "USDC"))
        with self.assertLogs(self.exchange.logger(), level="WARNING") as logs:
            await self.exchange._update_all_balances()
        self.assertIn("borrowed 500 USDC", "\n".join(logs.output))
        self.assertEqual((Decimal("10000"), Decimal("10000")),
                         (self.exchange.get_balance("USDC"), self.exchange.get_available_balance("USDC")))
        self.assertEqual(self.ledger_total("USDC"), self.exchange.get_balance("USDC"))
