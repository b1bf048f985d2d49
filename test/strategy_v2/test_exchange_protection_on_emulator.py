"""Exchange-side protection of our V2 controllers (controllers/backpack_exchange_protection.py), end to end: our loader
script runs the trend follower through Hummingbot's own V2 framework (controllers, ExecutorOrchestrator, executors,
MarketsRecorder) on the real perpetual connector against an in-process emulator on 127.0.0.1.

The controller gets a signal (`threshold_bps` 0: either side, the random walk's) until it has opened one position,
then none. The scenarios (reliability numbering):
63. the position gets a reduce-only stop on the exchange at the executor's stop-loss price, for its size;
64. the executor closes the position itself (time limit): the stop is cancelled, nothing is left open;
65. the price gaps through the stop while the bot runs: the position is closed once, never reversed, and the
    executor ends STOP_LOSS with PnL and fees of the exchange's fills;
66. the bot is killed, the stop fills while it is down: after the restart (Hummingbot's saved order states restored)
    the position is flat, the stop's fill is reported once, the orphaned take profit is cancelled, nothing placed;
67. the bot is killed and restarted with the position still open: the stop is kept, not placed a second time.
The restart is Hummingbot's: a new connector with the saved order states, a new strategy and controller.
"""
import asyncio
import os
import time
from decimal import Decimal
from typing import Dict, List
from unittest.mock import patch

import yaml

# first: Hummingbot's client modules put the installed copies ahead on sys.path once imported
from backpack_emulator.triggers import PENDING
from controllers.backpack_exchange_protection import PROTECTION_DIR_ENV, STOP_LOSS, TAKE_PROFIT
from hummingbot.client import settings
from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import MarketEvent
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executors import CloseType
from scripts.backpack_v2_controllers import BackpackV2Controllers, BackpackV2ControllersConfig
from test.strategy_v2.support import (
    CONNECTOR,
    PAIR,
    SPOT,
    PerpStrategyOnEmulatorTestCase,
    stop_trade_recorder,
    until,
)

CONTROLLER_ID = "protected"
TIMEOUT_S = 30
STOP_LOSS_PCT = Decimal("0.02")
NO_SIGNAL_BPS = 100000


def controller_config(**overrides) -> dict:
    config = {
        "id": CONTROLLER_ID, "controller_name": "backpack_trend_follower", "controller_type": "directional_trading",
        "connector_name": CONNECTOR, "trading_pair": PAIR, "position_mode": "ONEWAY", "leverage": 5,
        "total_amount_quote": 100, "max_executors_per_side": 1, "cooldown_time": 10000,
        "interval": "1s", "fast_period": 2, "slow_period": 3, "threshold_bps": NO_SIGNAL_BPS,
        "stop_loss": float(STOP_LOSS_PCT), "take_profit": 0.05, "time_limit": 600, "take_profit_order_type": "LIMIT",
    }
    config.update(overrides)
    return config


class ProtectionOnEmulatorCase(PerpStrategyOnEmulatorTestCase):
    seed = 5
    CONTROLLER: dict = controller_config()

    def make_connector(self, api_key: str, secret: str) -> ConnectorBase:
        self._keys = (api_key, secret)
        return super().make_connector(api_key, secret)

    def make_host(self, connectors: Dict[str, ConnectorBase]) -> BackpackV2Controllers:
        controllers = self.home / "controllers"
        controllers.mkdir(exist_ok=True)
        (controllers / "protected.yml").write_text(yaml.safe_dump(self.CONTROLLER))
        if not hasattr(self, "seen"):
            for patcher in (patch.object(settings, "CONTROLLERS_CONF_DIR_PATH", controllers),
                            patch.dict(os.environ, {PROTECTION_DIR_ENV: str(self.home / "protection")})):
                patcher.start()
                self.addCleanup(patcher.stop)
        self.seen = {}
        self.fill_log = EventLogger()
        connectors[CONNECTOR].add_listener(MarketEvent.OrderFilled, self.fill_log)
        return BackpackV2Controllers(connectors, BackpackV2ControllersConfig(controllers_config=["protected.yml"]))

    async def asyncTearDown(self):
        if not self.host._is_stop_triggered:
            await asyncio.wait_for(self.host.on_stop(), TIMEOUT_S)
        await super().asyncTearDown()

    # ----- helpers -----

    @property
    def manager(self):
        return self.host.controllers[CONTROLLER_ID].exchange_protection

    def executors(self) -> List:
        for executor in self.host.executor_orchestrator.active_executors.get(CONTROLLER_ID, []):
            self.seen.setdefault(executor.config.id, executor)
        return list(self.seen.values())

    async def opened_position(self):
        """One executor: the controller's own signal (threshold 0: either side, the random walk's) until it has
        proposed one executor, then no proposal at all. Gated at the proposal, not by putting the threshold back
        once the executor shows: the orchestrator creates it a tick later, when the walk may have turned and the
        controller proposed the other side too; and Hummingbot 20260922 replaces the controller's config with a copy
        every 10 s (update_config), so a config object held by the test stops being the controller's."""
        controller = self.host.controllers[CONTROLLER_ID]
        proposals, proposed = controller.create_actions_proposal, []

        def the_first_proposal_only():
            if not proposed:
                proposed.extend(proposals()[:1])
                return list(proposed)
            return []

        controller.create_actions_proposal = the_first_proposal_only
        controller.config.threshold_bps = Decimal(0)
        await until(lambda: self.executors(), "the controller's executor", TIMEOUT_S)
        executor = self.executors()[0]
        await until(lambda: executor._open_order is not None and executor._open_order.is_filled,
                    "the open order to fill", TIMEOUT_S)
        await until(lambda: STOP_LOSS in self.manager.legs_of(executor.config.id) and self.pending_triggers(),
                    "the exchange-side stop", TIMEOUT_S)
        self.assertEqual([executor], self.executors())
        sign = 1 if executor.config.side == TradeType.BUY else -1
        self.assertEqual(sign * executor._open_order.executed_amount_base, self.position())  # one position, its own
        return executor

    def pending_triggers(self) -> List:
        return [o for o in self.open_orders_in_the_emulator() if o.status == PENDING]

    def trigger_creates(self) -> List[dict]:
        return [e for e in self.orders_sent() if "triggerPrice" in e["params"]]

    def move_against(self, executor, fraction: Decimal):
        sign = -1 if executor.config.side == TradeType.BUY else 1
        self.move_market(int(self.server.generator.fair_ticks[SPOT] * fraction) * sign)

    async def kill_bot(self) -> dict:
        """The process dies: nothing is cancelled or closed, Hummingbot's saved order states stay."""
        saved = dict(self.connector.tracking_states)
        for executor in self.executors():
            executor.terminated.set()  # its loop ends without stop(): nothing sent
        for controller in self.host.controllers.values():
            controller.terminated.set()
        self.host.listen_to_executor_actions_task.cancel()
        self.host.market_data_provider.stop()
        self.host._is_stop_triggered = True
        self.clock_task.cancel()
        await asyncio.gather(self.clock_task, return_exceptions=True)
        self.clock.__exit__(None, None, None)
        await self.connector.stop_network()
        stop_trade_recorder(self.recorder)
        return saved

    async def restart_bot(self, saved: dict):
        """Hummingbot starting again: a new connector with the saved order states, the strategy and its controller."""
        self.connector = self.make_connector(*self._keys)
        self.connector.restore_tracking_states(saved)
        await self.start_bot()
        await until(lambda: self.manager.reconciled, "the protection to be reconciled", TIMEOUT_S)

    def registry(self) -> List[dict]:
        path = self.home / "protection" / f"{CONTROLLER_ID}.json"
        return yaml.safe_load(path.read_text()) if path.exists() else []


class StopWithThePositionTests(ProtectionOnEmulatorCase):
    CONTROLLER = controller_config(time_limit=8)

    async def test_63_64_stop_placed_with_the_position_and_cancelled_when_the_executor_closes(self):
        executor = await self.opened_position()
        [stop] = self.pending_triggers()
        entry = executor._open_order.average_executed_price
        long = executor.config.side == TradeType.BUY
        expected = entry * (1 - STOP_LOSS_PCT) if long else entry * (1 + STOP_LOSS_PCT)
        self.assertEqual(("Ask" if long else "Bid", True), (stop.side, stop.reduce_only))
        self.assertEqual(abs(self.position()), stop.trigger.quantity)
        self.assertLess(abs(stop.trigger.price - expected), Decimal("0.01"))  # one tick, rounded away from entry
        self.assertTrue(stop.trigger.price <= expected if long else stop.trigger.price >= expected)
        self.assertEqual([stop.client_id], [int(leg["order_id"]) for leg in self.registry()])

        await until(lambda: executor.status == RunnableStatus.TERMINATED, "the time limit", TIMEOUT_S)
        self.assertEqual(CloseType.TIME_LIMIT, executor.close_type)
        await until(lambda: not self.open_orders_in_the_emulator(), "the stop to be cancelled", TIMEOUT_S)
        self.assertEqual(Decimal(0), self.position())
        await until(lambda: self.registry() == [], "the registry to forget the stop", TIMEOUT_S)
        self.assertEqual(1, len(self.trigger_creates()))
        self.assertEqual([], [o for o in self.connector.in_flight_orders.values() if not o.is_done])


class GapThroughTheStopTests(ProtectionOnEmulatorCase):
    async def test_65_price_gaps_through_the_stop_while_running_closed_once_never_reversed(self):
        executor = await self.opened_position()
        size, orders_before = abs(self.position()), len(self.orders_sent())
        self.stop_ids = {leg.order_id for leg in self.manager.legs_of(executor.config.id).values()}
        signs = []
        self.move_against(executor, STOP_LOSS_PCT * 3)
        deadline = time.monotonic() + TIMEOUT_S
        while executor.status != RunnableStatus.TERMINATED and time.monotonic() < deadline:
            signs.append(self.position() * (1 if executor.config.side == TradeType.BUY else -1))
            await asyncio.sleep(0.02)
        self.assertEqual(RunnableStatus.TERMINATED, executor.status)
        self.assertEqual(CloseType.STOP_LOSS, executor.close_type)
        self.assertGreaterEqual(min(signs), 0)  # never on the other side
        await until(lambda: self.position() == 0 and not self.open_orders_in_the_emulator(), "flat, nothing open",
                    TIMEOUT_S)
        closing = [f for f in self.fills() if f["side"] == ("Ask" if executor.config.side == TradeType.BUY else "Bid")]
        self.assertEqual(size, sum(Decimal(f["quantity"]) for f in closing))
        fees = sum(Decimal(f["fee"]) for f in self.fills())
        self.assertEqual(fees, executor.executor_info.cum_fees_quote)
        by_stop = executor._close_order.order_id in self.stop_ids
        print(f"\n[v2 protection] gap: closed by {'the exchange stop' if by_stop else 'the executor'}; "
              f"{len(self.orders_sent()) - orders_before} orders after the gap")
        await self.assert_balances_equal_the_ledger()


class KilledWhileProtectedTests(ProtectionOnEmulatorCase):
    CONTROLLER = controller_config(take_profit_order_type="MARKET")

    async def test_66_stop_fills_while_the_bot_is_down(self):
        executor = await self.opened_position()
        await until(lambda: len(self.pending_triggers()) == 2, "the stop and the take profit", TIMEOUT_S)
        legs = self.manager.legs_of(executor.config.id)
        stop_id = legs[STOP_LOSS].order_id
        size, creates_before = abs(self.position()), len(self.trigger_creates())
        saved = await self.kill_bot()
        self.move_against(executor, STOP_LOSS_PCT * 2)
        await until(lambda: self.position() == 0, "the exchange to close the position while the bot is down", TIMEOUT_S)
        self.assertEqual(1, len(self.pending_triggers()))  # the take profit, now an orphan

        await self.restart_bot(saved)
        await until(lambda: [e for e in self.fill_log.event_log if e.order_id == stop_id],
                    "the stop's fill to be reported after the restart", TIMEOUT_S)
        await until(lambda: not self.open_orders_in_the_emulator(), "the orphaned take profit to be cancelled",
                    TIMEOUT_S)
        await until(lambda: self.registry() == [], "the registry to be empty", TIMEOUT_S)
        await asyncio.sleep(2)  # a few more ticks: nothing reported twice, nothing placed
        stop_fills = [e for e in self.fill_log.event_log if e.order_id == stop_id]
        self.assertEqual(size, sum(e.amount for e in stop_fills))  # the whole stop, each fill once
        self.assertEqual(len({e.exchange_trade_id for e in stop_fills}), len(stop_fills))
        self.assertEqual(creates_before, len(self.trigger_creates()))  # no stop placed again
        self.assertEqual(Decimal(0), self.position())
        self.assertNotIn(PAIR, self.connector.account_positions)
        await self.assert_balances_equal_the_ledger()


class RestartWithTheOpenPositionTests(ProtectionOnEmulatorCase):
    async def test_67_restart_keeps_the_stop_and_places_no_second_one(self):
        await self.opened_position()
        [stop] = self.pending_triggers()
        creates_before = len(self.trigger_creates())
        saved = await self.kill_bot()
        await self.restart_bot(saved)
        await asyncio.sleep(3)  # a few controller ticks after the reconcile
        self.assertEqual([stop], self.pending_triggers())  # kept, still pending on the exchange
        self.assertEqual(creates_before, len(self.trigger_creates()))  # never placed twice
        self.assertEqual([str(stop.client_id)], [leg["order_id"] for leg in self.registry()])
        self.assertIn(str(stop.client_id), self.connector.in_flight_orders)  # still the bot's order
        self.assertNotEqual(Decimal(0), self.position())
        self.assertEqual([], self.executors())  # Hummingbot does not restore executors: the stop protects alone

