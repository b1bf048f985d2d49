"""The spot connector against the emulator with a maker-rebate fee tier: the tier reaches `get_fee`, a maker fill
reports the rebate (a negative fee in the asset received), and the balances equal the emulator's ledger."""
from decimal import Decimal

from backpack_emulator.admin_client import AdminClient

from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack import test_backpack_e2e_emulator as spot_e2e
from test.connector.backpack.test_backpack_e2e_emulator import PAIR, EmulatorTestCase, wait_for


class AccountFeesOnEmulatorTests(EmulatorTestCase):
    assert_balances_match_ledger = spot_e2e.TradingAgainstEmulatorTests.assert_balances_match_ledger

    async def test_maker_rebate_in_fee_estimates_fills_and_balances(self):
        async with AdminClient(self.server.rest_url) as admin:
            await admin.set_fee_tier(self.api_key, spotMakerFee="-1", spotTakerFee="5")
        await self.exchange._update_trading_fees()  # what the hourly trading-fees poll does
        self.assertEqual(Decimal("-0.0001"), self.exchange.get_fee(
            "SOL", "USDC", OrderType.LIMIT_MAKER, TradeType.BUY, Decimal("1"), Decimal("150")).percent)

        order_id = self.exchange.buy(PAIR, Decimal("2"), OrderType.LIMIT_MAKER, Decimal("150"))
        await wait_for(lambda: order_id in self.exchange.in_flight_orders
                       and self.exchange.in_flight_orders[order_id].exchange_order_id, "the order to rest")
        await self.taker_sells("2", "150")
        await wait_for(lambda: len(self.logged(MarketEvent.OrderFilled)) == 1, "the fill")
        fee = self.logged(MarketEvent.OrderFilled)[0].trade_fee
        self.assertEqual([("SOL", Decimal("-0.0002"))], [(f.token, f.amount) for f in fee.flat_fees])
        self.assertEqual(Decimal("-0.0002"), fee.fee_amount_in_token(PAIR, Decimal("150"), Decimal("2"), "SOL"))

        await self.assert_balances_match_ledger()
        self.assertEqual(Decimal("102.0002"), self.exchange.get_balance("SOL"))  # 100 + 2 bought + the rebate
