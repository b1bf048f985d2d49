"""Hummingbot's own PositionExecutor (Strategy V2) on the real SPOT connector against an in-process emulator, at
Hummingbot's own poll intervals (issue 22, item 7): an executor that starts while a market order of the bot is
in flight passes its budget check. Spot has no balance stream, so Hummingbot's available balance is the last
poll corrected by the orders in flight (amount x price for a buy): a market buy without a price made it NaN and
the executor died in `validate_sufficient_balance` (seen with Hummingbot's pmm_simple and dman_maker_v2)."""
import time
from decimal import Decimal
from typing import Dict

from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.strategy_v2.executors.position_executor.data_types import (
    PositionExecutorConfig,
    TripleBarrierConfig,
)
from hummingbot.strategy_v2.executors.position_executor.position_executor import PositionExecutor
from hummingbot.strategy_v2.models.base import RunnableStatus
from scripts.backpack_support.script_base import BackpackScriptBase
from test.strategy_v2.support import PAIR, PerpStrategyOnEmulatorTestCase, until

SPOT_CONNECTOR = "backpack"
LATE_S = 3.0  # the market buy reaches the matching engine this late: in flight (unanswered) meanwhile


class Host(BackpackScriptBase):
    markets = {SPOT_CONNECTOR: {PAIR}}

    def on_tick(self):
        pass


class SpotBudgetOnEmulatorTests(PerpStrategyOnEmulatorTestCase):

    def make_connector(self, api_key: str, secret: str) -> ConnectorBase:
        return BackpackExchange(api_key, secret, trading_pairs=[PAIR])

    def make_host(self, connectors: Dict[str, ConnectorBase]) -> Host:
        return Host(connectors)

    async def test_executor_starting_while_a_market_buy_is_in_flight_passes_its_budget_check(self):
        connector = self.connector
        self.assertEqual((5.0, 120.0), (connector.SHORT_POLL_INTERVAL, connector.LONG_POLL_INTERVAL))
        await until(lambda: connector.get_available_balance("USDC") == Decimal("10000")
                    and connector.get_price(PAIR, True).is_finite(), "the polled balance and a book", 10)
        faults = self.server.faults
        faults.late_order_creates, faults.late_after_s, faults.late_answer = 1, LATE_S, "hang"
        market = self.host.buy(SPOT_CONNECTOR, PAIR, Decimal("0.5"), OrderType.MARKET)  # no price, as a script does
        order = connector.in_flight_orders[market]
        self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
        self.assertTrue(connector.get_available_balance("USDC").is_finite())

        entry = connector.get_price(PAIR, False) * Decimal("0.98")  # a resting limit buy, well below the market
        executor = PositionExecutor(self.host, PositionExecutorConfig(
            timestamp=time.time(), connector_name=SPOT_CONNECTOR, trading_pair=PAIR, side=TradeType.BUY,
            amount=Decimal("0.1"), entry_price=entry,
            triple_barrier_config=TripleBarrierConfig(open_order_type=OrderType.LIMIT, time_limit=60)),
            update_interval=0.2)
        executor.start()
        await until(lambda: executor._open_order is not None or executor.status == RunnableStatus.TERMINATED,
                    "the executor to place its open order", 10)
        self.assertIsNone(executor.close_type, "the executor ended at its budget check")
        self.assertIsNotNone(executor._open_order)
        self.assertFalse(order.is_done, "the market buy was still in flight when the executor checked its budget")

        await until(lambda: order.is_done, "the market buy to be reconciled and filled", 20)
        self.assertEqual(Decimal("0.5"), order.executed_amount_base)
        executor.early_stop()
        await until(lambda: executor.status == RunnableStatus.TERMINATED, "the executor to stop", 20)
        await until(lambda: not self.open_orders_in_the_emulator(), "its resting order to be cancelled", 20)
        self.assertEqual([], [o for o in connector.in_flight_orders.values() if not o.is_done])
