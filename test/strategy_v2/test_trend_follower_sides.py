"""The trend follower never opens a position over an active one of the other side.

Backpack perpetuals are one-way: a long opened while a short executor is active nets the short out on the exchange,
and both executors' reduce-only closes then find nothing to close. Hummingbot's DirectionalTradingControllerBase
(both lines) holds a short back while any executor is active, but lets a long through over an active short (its
side filter reads `x.side == BUY if signal > 0 else SELL`): seen on the emulator as a long and a short that netted
out. The controller here is the real one, fed a signal and the executors' infos as the orchestrator reports them.
"""
import asyncio
import unittest
from decimal import Decimal
from types import SimpleNamespace
from unittest.mock import MagicMock

from controllers.directional_trading.backpack_trend_follower import BackpackTrendFollower, BackpackTrendFollowerConfig
from hummingbot.core.data_type.common import TradeType

NOW = 1_800_000_000.0


def executor_info(side: TradeType, active: bool = True) -> SimpleNamespace:
    return SimpleNamespace(side=side, is_active=active, timestamp=NOW - 100)


class TrendFollowerSidesTests(unittest.TestCase):
    def setUp(self):
        config = BackpackTrendFollowerConfig(id="trend", connector_name="backpack_perpetual", trading_pair="SOL-USDC",
                                             position_mode="ONEWAY", total_amount_quote=100, max_executors_per_side=1,
                                             cooldown_time=10, exchange_protection=False)
        provider = MagicMock()
        provider.time.return_value = NOW
        provider.get_price_by_type.return_value = Decimal("100")
        self.controller = BackpackTrendFollower(config, provider, asyncio.Queue())

    def proposed_sides(self, signal: int, executors) -> list:
        self.controller.processed_data = {"signal": signal}
        self.controller.executors_info = list(executors)
        return [action.executor_config.side for action in self.controller.create_actions_proposal()]

    def test_a_long_waits_while_a_short_is_active(self):
        self.assertEqual([], self.proposed_sides(1, [executor_info(TradeType.SELL)]))

    def test_a_short_waits_while_a_long_is_active(self):
        self.assertEqual([], self.proposed_sides(-1, [executor_info(TradeType.BUY)]))

    def test_a_signal_opens_once_the_other_side_has_ended(self):
        self.assertEqual([TradeType.BUY], self.proposed_sides(1, [executor_info(TradeType.SELL, active=False)]))
        self.assertEqual([TradeType.SELL], self.proposed_sides(-1, [executor_info(TradeType.BUY, active=False)]))
        self.assertEqual([TradeType.BUY], self.proposed_sides(1, []))

    def test_the_per_side_limit_still_holds(self):
        self.assertEqual([], self.proposed_sides(1, [executor_info(TradeType.BUY)]))  # max_executors_per_side 1
