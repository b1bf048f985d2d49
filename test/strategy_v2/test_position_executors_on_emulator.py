"""Hummingbot's own PositionExecutor (Strategy V2) on the real perpetual connector against an in-process emulator
(real sockets on 127.0.0.1), driven by Hummingbot's Clock like a running bot.

(b) one executor at a time closes by take-profit, stop-loss and time limit; each ends flat, and its PnL and fees
    equal the emulator's fills and ledger;
(c) two opposite executors overlap: Backpack perps are one-way, so the second nets the first to zero and both
    reduce-only closes have nothing to reduce. The exchange expires them with ReduceOnlyNotReduced, the connector
    reports failures, and the executors end (close type FAILED) after a bounded number of orders, flat.
The market is moved through the emulator's generator (its fair price), the way a real market would move."""
import asyncio
import os
import time
from decimal import Decimal
from typing import List, Tuple
from unittest.mock import patch

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.clock import Clock
from hummingbot.core.clock_mode import ClockMode
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.web_assistant.connections.connections_factory import ConnectionsFactory
from hummingbot.strategy.script_strategy_base import ScriptStrategyBase
from hummingbot.strategy_v2.executors.position_executor.data_types import (
    PositionExecutorConfig,
    TripleBarrierConfig,
)
from hummingbot.strategy_v2.executors.position_executor.position_executor import PositionExecutor
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executors import CloseType
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

CONNECTOR, PAIR, PERP, SPOT = "backpack_perpetual", "SOL-USDC", "SOL_USDC_PERP", "SOL_USDC"
AMOUNT = Decimal("0.5")
MAX_RETRIES = 4
EXECUTOR_TIMEOUT_S = 40


class Host(ScriptStrategyBase):
    """The strategy an executor belongs to (what StrategyV2Base is for the orchestrator's executors)."""
    markets = {CONNECTOR: {PAIR}}

    def on_tick(self):
        pass


class PositionExecutorsOnEmulatorTests(IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        ConnectionsFactory()._shared_client = None  # a session of an earlier test belongs to a closed loop
        self.api_key, secret = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=3, market_data=True, market_data_interval_s=0.05,
                                     funding_interval_s=10 ** 7, accounts={self.api_key: {"USDC": "10000"}})
        await self.server.start()
        urls = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, urls):
            self.connector = BackpackPerpetualDerivative(self.api_key, secret, trading_pairs=[PAIR])
        self.host = Host({CONNECTOR: self.connector})
        self.clock = Clock(ClockMode.REALTIME, tick_size=0.2)
        self.clock.add_iterator(self.connector)
        self.clock.add_iterator(self.host)
        self.clock.__enter__()
        self.clock_task = asyncio.ensure_future(self.clock.run())
        await self.connector.start_network()
        await self.until(lambda: self.connector.ready and self.server.hub.wants_private(self.api_key),
                         "the connector to be ready", 30)

    async def asyncTearDown(self):
        await self.connector.stop_network()
        self.clock_task.cancel()
        await asyncio.gather(self.clock_task, return_exceptions=True)
        self.clock.__exit__(None, None, None)
        await self.server.stop()
        await ConnectionsFactory().close()
        await super().asyncTearDown()
        self.assertEqual([], self.server.refusals(), "requests the strict decoder refused")

    @staticmethod
    async def until(condition, what: str, timeout: float = EXECUTOR_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)

    # ----- helpers -----

    def executor(self, side: TradeType, **barriers) -> PositionExecutor:
        config = PositionExecutorConfig(
            timestamp=time.time(), connector_name=CONNECTOR, trading_pair=PAIR, side=side, amount=AMOUNT, leverage=5,
            triple_barrier_config=TripleBarrierConfig(open_order_type=OrderType.MARKET,
                                                      take_profit_order_type=OrderType.LIMIT, **barriers))
        executor = PositionExecutor(self.host, config, update_interval=0.2, max_retries=MAX_RETRIES)
        executor.start()
        return executor

    def move_market(self, ticks: int):
        """Shift the generated fair price (the perp follows its spot market) by `ticks` of 0.01."""
        self.server.generator.fair_ticks[SPOT] += ticks

    def position(self) -> Decimal:
        position = self.server.exchange.positions.get((self.api_key, PERP))
        return position.net_quantity if position is not None else Decimal(0)

    def fills(self) -> List[dict]:
        return [fill for _, fill in self.server.exchange.fills[self.api_key]]

    def usdc(self) -> Decimal:
        return self.server.exchange.ledger.total(self.api_key, "USDC")

    def orders_sent(self) -> int:
        return len(self.server.request_log.entries(path="/api/v1/order", method="POST"))

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
        started, orders_before = time.monotonic(), self.orders_sent()
        wide = {"take_profit": Decimal("0.05"), "stop_loss": Decimal("0.05")}
        long = self.executor(TradeType.BUY, time_limit=8, **wide)  # both open well before either closes
        await self.until(lambda: long._open_order is not None and long._open_order.is_filled, "the long to open")
        short = self.executor(TradeType.SELL, time_limit=8, **wide)
        await self.until(lambda: short._open_order is not None and short._open_order.is_filled, "the short to open")
        await self.until(lambda: self.position() == 0, "the two positions to net out")
        await self.until(lambda: long.status == RunnableStatus.TERMINATED and short.status == RunnableStatus.TERMINATED,
                         "both executors to end", 60)
        self.assertEqual(Decimal(0), self.position())
        self.assertEqual((CloseType.FAILED, CloseType.FAILED), (long.close_type, short.close_type))
        orders = self.orders_sent() - orders_before
        # 2 opens, 2 resting take-profit limits, and per executor one close per two counted retries (a failure
        # counts one, each 5 s shutdown cycle one more) until max_retries: MAX_RETRIES // 2 + 1 closes
        self.assertLessEqual(orders, 4 + 2 * (MAX_RETRIES // 2 + 1))
        expired = [o for history in [self.server.exchange.order_history[self.api_key]] for o in history
                   if o.expiry_reason == "ReduceOnlyNotReduced"]
        self.assertGreaterEqual(len(expired), 2)
        self.assertEqual([], [order for order in self.connector.in_flight_orders.values() if not order.is_done])
        print(f"\n[v2 overlap] {orders} orders sent, {len(expired)} closes expired ReduceOnlyNotReduced, both "
              f"executors FAILED after {time.monotonic() - started:.1f} s, position flat")
