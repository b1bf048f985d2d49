"""The perp calls of hummingbot-api's PerpetualTradingService (services/perpetual_trading_service.py) on
`backpack_perpetual`, against the emulator: position mode, leverage, positions (the funding info of
routers/market_data.py is in test_connector_lifecycle)."""
from decimal import Decimal

from hummingbot.core.data_type.common import PositionMode
from test.hummingbot_api import api_calls
from test.hummingbot_api.api_case import PAIR, ApiOnEmulatorCase
from test.waiting import wait_for


class PerpetualServiceTests(ApiOnEmulatorCase):
    MARKET_DATA = False

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.perp = self.create("backpack_perpetual")
        await api_calls.initialize_trading_connector(self.perp)  # HEDGE unsupported: not asked for

    async def test_position_mode_oneway_only(self):
        self.assertEqual([PositionMode.ONEWAY], self.perp.supported_position_modes())
        self.assertEqual({"status": "success", "position_mode": "ONEWAY"},
                         await api_calls.set_position_mode(self.perp, PositionMode.ONEWAY))
        self.assertEqual("refused", (await api_calls.set_position_mode(self.perp, PositionMode.HEDGE))["status"])
        self.assertEqual(PositionMode.ONEWAY, self.perp.position_mode)

    async def test_leverage_is_set_on_the_account(self):
        await self.perp._execute_set_leverage(PAIR, 5)  # `set_leverage`
        self.assertEqual(5, self.server.exchange.settings[self.api_key].leverage_limit)
        self.assertEqual(5, self.perp.get_leverage(PAIR))

    async def test_positions_as_the_api_lists_them(self):
        self.assertEqual([], await api_calls.account_positions(self.perp))
        self.open_perp_position("Ask", "2", "180")
        # The stream's position update comes first (a REST snapshot asked before it arrived is older for that pair
        # and is not applied: backpack_perpetual_positions), then the mark moves and the API reads the positions.
        await wait_for(lambda: any(p.trading_pair == PAIR for p in self.perp.account_positions.values()),
                       "the stream's position update")
        self.server.exchange.marks["SOL_USDC_PERP"] = Decimal("175")
        rows = await api_calls.account_positions(self.perp)
        self.assertEqual([{"trading_pair": PAIR, "side": "SHORT", "amount": -2.0, "entry_price": 180.0,
                           "unrealized_pnl": 10.0, "leverage": float(self.perp.get_leverage(PAIR))}], rows)
