"""ExchangeProtection's own logic (controllers/backpack_exchange_protection.py) against a fake connector: the registry on
disk, what a restart keeps and cancels, the sweep of legs whose executor is gone, and the config switch."""
import tempfile
import unittest
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional

from controllers.backpack_exchange_protection import (
    MAX_LEGS_PER_EXECUTOR,
    REFUSAL_BACKOFF_S,
    STOP_LOSS,
    TAKE_PROFIT,
    ExchangeProtection,
    ExchangeProtectionConfig,
    ProtectionRegistry,
)
from hummingbot.core.data_type.common import TradeType

PAIR = "SOL-USDC"


class FakeTracker:
    def __init__(self):
        self.orders: Dict[str, SimpleNamespace] = {}

    def fetch_order(self, client_order_id: str):
        return self.orders.get(client_order_id)


class FakeConnector:
    """What ExchangeProtection uses of the perpetual connector."""

    def __init__(self):
        self.ready = True
        self._order_tracker = FakeTracker()
        self.account_positions: Dict[str, SimpleNamespace] = {}
        self.sent: List[tuple] = []
        self.cancelled: List[str] = []
        self.kept: List[str] = []
        self.positions_read = 0
        self.exchange_open: Optional[List[str]] = []
        self.next_id = 100

    def _order(self, side: str, amount: Decimal, **kwargs) -> str:
        self.next_id += 1
        order_id = str(self.next_id)
        self.sent.append((side, amount, kwargs))
        self._order_tracker.orders[order_id] = SimpleNamespace(is_done=False)
        return order_id

    def buy(self, pair, amount, order_type, price, **kwargs):
        return self._order("BUY", amount, **kwargs)

    def sell(self, pair, amount, order_type, price, **kwargs):
        return self._order("SELL", amount, **kwargs)

    def cancel(self, pair, order_id):
        self.cancelled.append(order_id)

    def keep_on_cancel_all(self, order_id):
        self.kept.append(order_id)

    async def _update_positions(self):
        self.positions_read += 1

    def hold(self, amount: str):
        self.account_positions = {PAIR: SimpleNamespace(trading_pair=PAIR, amount=Decimal(amount))} \
            if Decimal(amount) else {}


def executor(executor_id: str, done: bool = False) -> SimpleNamespace:
    return SimpleNamespace(id=executor_id, is_done=done, is_trading=not done, type="position_executor",
                           custom_info={"exchange_protection": {}})


class ExchangeProtectionTests(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.directory = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.connector = FakeConnector()

        self.now = 1000.0

    def manager(self) -> ExchangeProtection:
        return ExchangeProtection("ctl", "backpack_perpetual", {"backpack_perpetual": self.connector}, "MarkPrice",
                                  directory=self.directory, clock=lambda: self.now)

    def test_a_leg_is_a_reduce_only_trigger_order_registered_before_it_is_sent_on(self):
        manager = self.manager()
        order_id = manager.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("170"))
        side, amount, kwargs = self.connector.sent[0]
        self.assertEqual(("SELL", Decimal("2")), (side, amount))
        self.assertEqual((Decimal("170"), "MarkPrice", "CLOSE"),
                         (kwargs["trigger_price"], kwargs["trigger_by"], kwargs["position_action"].name))
        saved = ProtectionRegistry(self.directory / "ctl.json").legs[order_id]
        self.assertEqual(("ex1", STOP_LOSS, "SELL", Decimal("2"), Decimal("170")),
                         (saved.executor_id, saved.kind, saved.side, saved.amount, saved.trigger_price))

    async def test_restart_keeps_the_stop_of_an_open_position_and_cancels_the_orphans(self):
        first = self.manager()
        stop = first.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("170"))
        take_profit = first.place("ex1", TAKE_PROFIT, PAIR, TradeType.SELL, Decimal("2"), Decimal("200"))
        second_stop = first.place("ex2", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("171"))
        short_stop = first.place("ex3", STOP_LOSS, PAIR, TradeType.BUY, Decimal("1"), Decimal("190"))
        self.connector.hold("2")  # long 2: one stop and one take profit protect it

        restarted = self.manager()  # a new process: the registry from disk, no executor
        await restarted.update([])
        self.assertEqual(1, self.connector.positions_read)  # positions read fresh before deciding
        self.assertEqual([second_stop, short_stop], self.connector.cancelled)  # a duplicate, and a short's stop
        self.assertNotIn(stop, self.connector.cancelled)
        self.assertNotIn(take_profit, self.connector.cancelled)
        self.assertEqual({stop, take_profit}, set(self.connector.kept))  # the bot's stop leaves them too
        self.assertEqual(4, len(self.connector.sent))  # nothing placed by the restart

        self.connector.hold("0")  # the take profit fills: the stop is an orphan now
        self.connector._order_tracker.orders[take_profit].is_done = True
        await restarted.update([])
        self.assertEqual(stop, self.connector.cancelled[-1])
        self.assertNotIn(take_profit, ProtectionRegistry(self.directory / "ctl.json").legs)

    async def test_legs_of_a_running_executor_are_left_to_it(self):
        manager = self.manager()
        stop = manager.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("170"))
        self.connector.hold("0")  # e.g. the position update not in yet
        await manager.update([executor("ex1")])
        self.assertEqual([], self.connector.cancelled)
        await manager.update([executor("ex1", done=True)])  # gone and nothing to protect: cancelled
        self.assertEqual([stop], self.connector.cancelled)

    async def test_release_cancels_unless_the_executor_kept_its_position(self):
        manager = self.manager()
        stop = manager.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("170"))
        manager.release("ex1", keep=True)
        self.assertEqual([], self.connector.cancelled)
        self.assertEqual([stop], self.connector.kept)  # left out of the connector's cancel_all on the bot's stop
        manager.release("ex1", keep=False)
        manager.release("ex1", keep=False)
        self.assertEqual([stop], self.connector.cancelled)  # asked once

    async def test_a_cancel_that_failed_is_sent_again_while_the_leg_is_open(self):
        manager = self.manager()
        old = manager.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("170"))
        manager.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("3"), Decimal("171"))  # moved
        self.connector.hold("3")
        manager.cancel(old)  # Hummingbot sends it once; a 5xx/timeout leaves the order TriggerPending
        self.assertEqual([old], self.connector.cancelled)
        await manager.update([executor("ex1")])
        self.assertEqual([old], self.connector.cancelled)  # not at once: a back-off
        self.now += 5
        await manager.update([executor("ex1")])
        self.assertEqual([old, old], self.connector.cancelled)  # still open: asked again
        self.now += 5
        await manager.update([executor("ex1")])
        self.assertEqual(2, len(self.connector.cancelled))  # the next try waits longer (10 s)
        self.now += 5
        await manager.update([executor("ex1")])
        self.assertEqual(3, len(self.connector.cancelled))
        manager.release("ex1", keep=True)  # the executor ends holding: the replaced leg still goes
        self.now += 20
        manager.release("ex1", keep=True)
        self.assertEqual([old] * 4, self.connector.cancelled)
        self.connector._order_tracker.orders[old].is_done = True  # cancelled at last
        self.now += 600
        await manager.update([executor("ex1")])
        self.assertEqual(4, len(self.connector.cancelled))
        self.assertNotIn(old, manager.registry.legs)
        self.assertNotIn(old, manager._seen)  # forgotten once ended (not kept for the bot's lifetime)

    async def test_a_refusal_streak_does_not_use_up_the_placement_budget(self):
        manager = self.manager()
        self.connector.hold("2")
        for _ in range(MAX_LEGS_PER_EXECUTOR + 5):  # e.g. a PostOnly session refusing every trigger market order
            self.assertTrue(manager.may_place("ex1"))
            refused = manager.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("170"))
            order = self.connector._order_tracker.orders[refused]
            order.is_done, order.is_failure = True, True
            await manager.update([executor("ex1")])
            self.assertFalse(manager.may_place("ex1"))  # backs off after a refusal
            self.now += REFUSAL_BACKOFF_S
        self.assertTrue(manager.may_place("ex1"))  # the market reopened: placing resumes
        for _ in range(MAX_LEGS_PER_EXECUTOR):
            manager.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("170"))
        with self.assertLogs("controllers.backpack_exchange_protection", "WARNING") as logs:
            self.assertFalse(manager.may_place("ex1"))  # accepted legs do count
            self.assertFalse(manager.may_place("ex1"))
        self.assertEqual(1, len(logs.records))  # warned once

    async def test_a_leg_the_connector_does_not_track_after_a_restart_is_looked_up_on_the_exchange(self):
        first = self.manager()
        gone = first.place("ex1", STOP_LOSS, PAIR, TradeType.SELL, Decimal("2"), Decimal("170"))
        self.connector._order_tracker.orders.clear()  # Hummingbot's saved order states were not restored
        restarted = self.manager()
        calls = []

        async def no_answer():
            calls.append(1)
            return None
        self.connector._fetch_open_orders = no_answer
        await restarted.update([])
        self.assertFalse(restarted.reconciled)  # no answer: nothing decided on a guess, asked again
        self.assertEqual([], self.connector.cancelled)

        async def not_open():
            calls.append(1)
            return SimpleNamespace(status_of=lambda order, symbol: None)

        async def symbol(pair):
            return "SOL_USDC_PERP"
        self.connector._fetch_open_orders = not_open
        self.connector.exchange_symbol_associated_to_pair = symbol
        await restarted.update([])
        self.assertTrue(restarted.reconciled)
        self.assertEqual(2, len(calls))
        self.assertNotIn(gone, ProtectionRegistry(self.directory / "ctl.json").legs)  # nothing left on the exchange


class ConfigTests(unittest.TestCase):
    def test_on_by_default_for_perpetuals_only_and_refused_on_spot(self):
        class Config(ExchangeProtectionConfig):
            connector_name: str

        self.assertTrue(Config(connector_name="backpack_perpetual").exchange_protection_on())
        self.assertFalse(Config(connector_name="backpack").exchange_protection_on())
        self.assertFalse(Config(connector_name="backpack_perpetual", exchange_protection=False).exchange_protection_on())
        with self.assertRaises(ValueError):
            Config(connector_name="backpack", exchange_protection=True)
        with self.assertRaises(ValueError):
            Config(connector_name="backpack_perpetual", exchange_protection_trigger_by="Mid")
        self.assertEqual("IndexPrice", Config(connector_name="backpack_perpetual",
                                              exchange_protection_trigger_by="indexprice").exchange_protection_trigger_by)
