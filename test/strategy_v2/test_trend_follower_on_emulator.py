"""The trend follower (controllers/directional_trading/backpack_trend_follower.py) signalling for real: our V2 loader
script (scripts/backpack_v2_controllers.py, StrategyV2Base on both lines) loads it from a controller config file,
through Hummingbot's own V2 framework (controllers, MarketDataProvider and its candles feed, ExecutorOrchestrator,
PositionExecutor, MarketsRecorder), on the real perpetual connector against an in-process emulator on 127.0.0.1.

The market is flat at first (no signal); then the emulator's fair price jumps up, the 1s candles follow from its
trades, the fast moving average crosses above the slow one and the controller opens a long; the price then falls
below where it started, the averages cross the other way and, once the long has ended by its time limit, it opens
a short. The bot is stopped with the short open: it closes it. Every order is on the emulator in that order, nothing
stays open, and the balances, fills and PnL are the emulator's."""
import asyncio
import time
from decimal import Decimal
from typing import Dict, List
from unittest.mock import patch

import pandas as pd
import yaml

from hummingbot.client import settings
from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.core.data_type.common import TradeType
from hummingbot.strategy_v2.executors.position_executor.position_executor import PositionExecutor
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executors import CloseType
from scripts.backpack_v2_controllers import BackpackV2Controllers, BackpackV2ControllersConfig
from test.strategy_v2.support import CONNECTOR, PAIR, SPOT, PerpStrategyOnEmulatorTestCase, until

CONTROLLER_ID = "trend"
TIME_LIMIT_S = 8  # the controller sees the fall within ~2 s of 1s candles; a loaded machine gets the rest
CONTROLLER = {
    "id": CONTROLLER_ID, "controller_name": "backpack_trend_follower", "controller_type": "directional_trading",
    "connector_name": CONNECTOR, "trading_pair": PAIR, "position_mode": "ONEWAY", "leverage": 5,
    "total_amount_quote": 100, "max_executors_per_side": 1, "cooldown_time": 1,
    # 1s candles: the averages follow the emulator's trades within seconds. The generator's random walk moves
    # the fast average away from the slow one by ~0.1% at most: 40 bps is no signal, a 1.2% move is one.
    "interval": "1s", "fast_period": 3, "slow_period": 30, "threshold_bps": 40,
    # wide barriers: each position ends by its time limit (or the stop of the bot), not by the moves below
    "stop_loss": 0.2, "take_profit": 0.2, "time_limit": TIME_LIMIT_S, "take_profit_order_type": "LIMIT",
}
MOVE = Decimal("0.012")
TIMEOUT_S = 30


class TrendFollowerOnEmulatorTests(PerpStrategyOnEmulatorTestCase):
    seed = 11

    def make_host(self, connectors: Dict[str, ConnectorBase]) -> BackpackV2Controllers:
        controllers = self.home / "controllers"
        controllers.mkdir()
        (controllers / "trend.yml").write_text(yaml.safe_dump(CONTROLLER))
        conf_dir = patch.object(settings, "CONTROLLERS_CONF_DIR_PATH", controllers)
        conf_dir.start()
        self.addCleanup(conf_dir.stop)
        self.seen: Dict[str, PositionExecutor] = {}
        return BackpackV2Controllers(connectors, BackpackV2ControllersConfig(controllers_config=["trend.yml"]))

    async def asyncTearDown(self):
        if not self.host._is_stop_triggered:  # a failed test: stop the bot before its exchange goes away
            await asyncio.wait_for(self.host.on_stop(), TIMEOUT_S)
        await super().asyncTearDown()

    # ----- helpers -----

    def executors(self) -> List[PositionExecutor]:
        """Every executor of the controller so far, oldest first (the orchestrator forgets them at stop)."""
        for executor in self.host.executor_orchestrator.active_executors.get(CONTROLLER_ID, []):
            self.seen.setdefault(executor.config.id, executor)
        return list(self.seen.values())

    async def next_executor(self, what: str) -> PositionExecutor:
        count = len(self.executors())
        await until(lambda: len(self.executors()) > count, what, TIMEOUT_S)
        executor = self.executors()[count]
        await until(lambda: executor._open_order is not None and executor._open_order.is_filled,
                    f"the open order of the {what}", TIMEOUT_S)
        return executor

    def move_market_by(self, fraction: Decimal):
        self.move_market(int(self.server.generator.fair_ticks[SPOT] * fraction))

    def market_orders(self) -> List[dict]:
        return [entry["params"] for entry in self.orders_sent()
                if entry["status"] == 200 and entry["params"]["orderType"] == "Market"
                and "triggerPrice" not in entry["params"]]  # the exchange-side stops are not market orders yet

    # ----- the test -----

    async def test_moving_average_crosses_open_a_long_then_a_short_and_the_stop_leaves_nothing_open(self):
        controller = self.host.controllers[CONTROLLER_ID]
        usdc_before = self.usdc()
        await until(lambda: not controller.processed_data.get("features", pd.DataFrame()).empty,
                    "the controller's first averages (kline history)", TIMEOUT_S)
        self.assertEqual(0, controller.processed_data["signal"])  # a flat market: no signal, no executor
        self.assertEqual([], self.executors())

        started = time.monotonic()
        self.move_market_by(MOVE)
        long = await self.next_executor("executor after the rise")
        features = controller.processed_data["features"]
        self.assertIsInstance(long, PositionExecutor)
        self.assertEqual(TradeType.BUY, long.config.side)
        self.assertGreater(features["fast"].iloc[-1], features["slow"].iloc[-1])
        await until(lambda: self.position() > 0, "the long on the exchange", TIMEOUT_S)
        self.assertEqual(long._open_order.executed_amount_base, self.position())
        [opening] = self.market_orders()
        self.assertEqual(("Bid", Decimal(opening["quantity"])), (opening["side"], self.position()))
        long_s = time.monotonic() - started

        self.move_market_by(-2 * MOVE)  # while the long is open: a new executor waits until it has ended
        short = await self.next_executor("executor after the fall")
        self.assertEqual(TradeType.SELL, short.config.side)
        self.assertEqual((RunnableStatus.TERMINATED, CloseType.TIME_LIMIT), (long.status, long.close_type))
        await until(lambda: self.position() < 0, "the short on the exchange", TIMEOUT_S)
        self.assertEqual(-short._open_order.executed_amount_base, self.position())
        short_s = time.monotonic() - started

        await self.host.on_stop()  # what `stop` does: the orchestrator closes the open short
        await until(lambda: short.status == RunnableStatus.TERMINATED and self.position() == 0,
                    "the stop to close the short", TIMEOUT_S)
        self.assertEqual(CloseType.EARLY_STOP, short.close_type)
        self.assertEqual(2, len(self.executors()))
        # long open, its time-limit close, short open, its close at the stop: in that order on the exchange
        self.assertEqual(["Bid", "Ask", "Ask", "Bid"], [order["side"] for order in self.market_orders()])
        self.assertEqual([], self.open_orders_in_the_emulator())  # the take-profit limits were cancelled
        self.assertEqual([], [order for order in self.connector.in_flight_orders.values() if not order.is_done])
        await self.assert_balances_equal_the_ledger()

        fills = self.fills()
        pnl = sum((executor.executor_info.net_pnl_quote for executor in (long, short)), Decimal(0))
        self.assertLess(abs(self.usdc() - usdc_before - pnl), Decimal("1e-9"))  # the ledger's realised PnL less fees
        self.assertEqual(len(fills), len(self.recorder.get_trades_for_config(self.recorder._config_file_path)))
        stored = {(info.controller_id, info.close_type) for info in self.recorder.get_all_executors()}
        self.assertEqual({(CONTROLLER_ID, CloseType.TIME_LIMIT), (CONTROLLER_ID, CloseType.EARLY_STOP)}, stored)
        print(f"\n[v2 trend] long {long_s:.1f} s after the rise, short {short_s:.1f} s after it; {len(fills)} fills, "
              f"net PnL {pnl:+.6f} USDC, stop flat after {time.monotonic() - started:.1f} s")
