"""Hummingbot's own PositionExecutor (Strategy V2) on the real perpetual connector against an in-process emulator
(real sockets on 127.0.0.1), driven by Hummingbot's Clock like a running bot, on both Hummingbot lines (the host is the line's script base).

(b) one executor at a time closes by take-profit, stop-loss and time limit; each ends flat, and its PnL and fees
    equal the emulator's fills and ledger;
(c) two opposite executors overlap: Backpack perps are one-way, so the second nets the first to zero. On 20251103
    both reduce-only closes have nothing to reduce: the exchange expires them with ReduceOnlyNotReduced, the
    connector reports failures, and the executors end (close type FAILED) after a bounded number of orders, flat.
    On 20260922 the closes are plain orders in a ONEWAY account: they net back to flat and both end by time limit.
The market is moved through the emulator's generator (its fair price), the way a real market would move."""
import time
from decimal import Decimal
from typing import Dict, List, Tuple

from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.strategy_v2.executors.position_executor.data_types import (
    PositionExecutorConfig,
    TripleBarrierConfig,
)
from hummingbot.strategy_v2.executors.position_executor.position_executor import PositionExecutor
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executors import CloseType
from scripts.backpack_support.script_base import BackpackScriptBase
from test.strategy_v2.support import CONNECTOR, PAIR, PerpStrategyOnEmulatorTestCase, until

AMOUNT = Decimal("0.5")
MAX_RETRIES = 4
EXECUTOR_TIMEOUT_S = 40
# Hummingbot 20260922's PositionExecutor sends its closes in a ONEWAY account as plain (netting) orders, 20251103's
# as reduce-only ones: the line's own behaviour decides what (c) expects.
NETTING_CLOSES = hasattr(PositionExecutor, "close_position_action")


class Host(BackpackScriptBase):
    """The strategy an executor belongs to: a script of the line (ScriptStrategyBase on 20251103; StrategyV2Base on
    20260922, which removed the former and is what executors are typed against there)."""
    markets = {CONNECTOR: {PAIR}}

    def on_tick(self):
        pass


class PositionExecutorsOnEmulatorTests(PerpStrategyOnEmulatorTestCase):

    def make_host(self, connectors: Dict[str, ConnectorBase]) -> Host:
        return Host(connectors)

    @staticmethod
    async def until(condition, what: str, timeout: float = EXECUTOR_TIMEOUT_S):
        await until(condition, what, timeout)

    # ----- helpers -----

    def executor(self, side: TradeType, **barriers) -> PositionExecutor:
        config = PositionExecutorConfig(
            timestamp=time.time(), connector_name=CONNECTOR, trading_pair=PAIR, side=side, amount=AMOUNT, leverage=5,
            triple_barrier_config=TripleBarrierConfig(open_order_type=OrderType.MARKET,
                                                      take_profit_order_type=OrderType.LIMIT, **barriers))
        executor = PositionExecutor(self.host, config, update_interval=0.2, max_retries=MAX_RETRIES)
        executor.start()
        return executor

    async def run_to_the_end(self, executor: PositionExecutor, move_ticks: int = 0) -> Tuple[List[dict], Decimal]:
        """Runs one executor to its end; returns the emulator fills it made and the ledger's USDC change."""
        fills_before, usdc_before = len(self.fills()), self.usdc()
        await self.until(lambda: executor._open_order is not None and executor._open_order.is_filled,
                         "the open order to fill")
        await self.until(lambda: self.position() != 0, "the position on the exchange")
        if move_ticks:
            self.move_market(move_ticks)
        await self.until(lambda: executor.status == RunnableStatus.TERMINATED, "the executor to end")
        await self.until(lambda: self.position() == 0, "a flat position")
        return self.fills()[fills_before:], self.usdc() - usdc_before

    def assert_pnl_and_fees_equal_the_ledger(self, executor: PositionExecutor, fills: List[dict], usdc_change):
        fees = sum(Decimal(f["fee"]) for f in fills)
        gross = sum((Decimal(f["quantity"]) * Decimal(f["price"]) * (1 if f["side"] == "Ask" else -1) for f in fills),
                    Decimal(0))
        info = executor.executor_info
        self.assertEqual({"USDC"}, {f["feeSymbol"] for f in fills})
        self.assertEqual(fees, info.cum_fees_quote)
        self.assertLess(abs(gross - fees - info.net_pnl_quote), Decimal("1e-12"))
        self.assertEqual(gross - fees, usdc_change)  # what the exchange credited: realised PnL less fees
        return gross, fees

    # ----- (b) -----

    async def test_take_profit_stop_loss_and_time_limit_each_end_flat_with_pnl_and_fees_of_the_ledger(self):
        report = []
        scenarios = [
            ("take profit", TradeType.BUY, {"take_profit": Decimal("0.002"), "stop_loss": Decimal("0.05"),
                                             "time_limit": 120}, 150, CloseType.TAKE_PROFIT),
            ("stop loss", TradeType.SELL, {"take_profit": Decimal("0.05"), "stop_loss": Decimal("0.003"),
                                           "time_limit": 120}, 150, CloseType.STOP_LOSS),
            ("time limit", TradeType.BUY, {"take_profit": Decimal("0.05"), "stop_loss": Decimal("0.05"),
                                           "time_limit": 3}, 0, CloseType.TIME_LIMIT),
        ]
        for name, side, barriers, move, close_type in scenarios:
            with self.subTest(name):
                started = time.monotonic()
                executor = self.executor(side, **barriers)
                fills, usdc_change = await self.run_to_the_end(executor, move)
                self.assertEqual(close_type, executor.close_type)
                self.assertEqual(AMOUNT, sum(Decimal(f["quantity"]) for f in fills if f["side"] == "Bid"))
                self.assertEqual(AMOUNT, sum(Decimal(f["quantity"]) for f in fills if f["side"] == "Ask"))
                gross, fees = self.assert_pnl_and_fees_equal_the_ledger(executor, fills, usdc_change)
                if close_type == CloseType.TAKE_PROFIT:
                    self.assertGreater(gross, 0)
                if close_type == CloseType.STOP_LOSS:
                    self.assertLess(gross, 0)
                report.append(f"{name}: {len(fills)} fills, PnL {gross - fees:+.6f} USDC (fees {fees}), "
                              f"{time.monotonic() - started:.1f} s")
        self.assertEqual([], [order for order in self.connector.in_flight_orders.values() if not order.is_done])
        print("\n[v2 executors] " + "; ".join(report))

    # ----- (c) -----

    async def test_overlapping_opposite_executors_net_out_and_end_with_a_bounded_number_of_orders(self):
        started, orders_before = time.monotonic(), len(self.orders_sent())
        wide = {"take_profit": Decimal("0.05"), "stop_loss": Decimal("0.05")}
        long = self.executor(TradeType.BUY, time_limit=8, **wide)  # both open well before either closes
        await self.until(lambda: long._open_order is not None and long._open_order.is_filled, "the long to open")
        short = self.executor(TradeType.SELL, time_limit=8, **wide)
        await self.until(lambda: short._open_order is not None and short._open_order.is_filled, "the short to open")
        await self.until(lambda: self.position() == 0, "the two positions to net out")
        await self.until(lambda: long.status == RunnableStatus.TERMINATED and short.status == RunnableStatus.TERMINATED,
                         "both executors to end", 60)
        self.assertEqual(Decimal(0), self.position())
        sent = self.orders_sent()[orders_before:]
        expired = [o for o in self.server.exchange.order_history[self.api_key]
                   if o.expiry_reason == "ReduceOnlyNotReduced"]
        if NETTING_CLOSES:
            # Hummingbot 20260922 closes in a ONEWAY account with plain orders: the long's close sells, the short's
            # buys, they net back to flat, and both executors end by their time limit.
            self.assertEqual((CloseType.TIME_LIMIT, CloseType.TIME_LIMIT), (long.close_type, short.close_type))
            self.assertEqual(6, len(sent))  # 2 opens, 2 take-profit limits, 2 closes
            self.assertEqual([], [o["params"] for o in sent if o["params"].get("reduceOnly")])
            self.assertEqual([], expired)
        else:
            # Hummingbot 20251103 closes reduce-only: the exchange expires both, and the executors end FAILED.
            self.assertEqual((CloseType.FAILED, CloseType.FAILED), (long.close_type, short.close_type))
            # 2 opens, 2 resting take-profit limits, and per executor one close per two counted retries (a failure
            # counts one, each 5 s shutdown cycle one more) until max_retries: MAX_RETRIES // 2 + 1 closes
            self.assertLessEqual(len(sent), 4 + 2 * (MAX_RETRIES // 2 + 1))
            self.assertGreaterEqual(len(expired), 2)
        self.assertEqual([], [order for order in self.connector.in_flight_orders.values() if not order.is_done])
        self.assertEqual([], self.open_orders_in_the_emulator())
        print(f"\n[v2 overlap] {len(sent)} orders sent, {len(expired)} closes expired ReduceOnlyNotReduced, executors "
              f"{long.close_type.name}/{short.close_type.name} after {time.monotonic() - started:.1f} s, position flat")
