"""An executor run the way hummingbot-api runs them (services/executor_service.py `create_executor`,
`_instantiate_and_register`, `_control_loop`): in the API's process, with the account's trading interface as
its strategy (services/trading_service.py `AccountTradingInterface`), on a connector created and started as the
API does (no Hummingbot clock), against the emulator."""
import asyncio
import time
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.strategy_v2.executors.position_executor.data_types import PositionExecutorConfig, TripleBarrierConfig
from hummingbot.strategy_v2.executors.position_executor.position_executor import PositionExecutor
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executors import CloseType
from test.hummingbot_api import api_calls
from test.hummingbot_api.api_case import PAIR, ApiOnEmulatorCase
from test.waiting import wait_for


class ExecutorInTheApiProcessTests(ApiOnEmulatorCase):
    async def test_a_position_executor_opens_and_closes_on_time_with_the_ledger_s_pnl(self):
        perp = self.create("backpack_perpetual")
        await api_calls.initialize_trading_connector(perp)
        await api_calls.add_trading_pair(perp, PAIR)  # `_prepare_market` -> `add_market`
        interface = api_calls.TradingInterface({"backpack_perpetual": perp})
        control = asyncio.ensure_future(api_calls.executor_control_loop(interface))
        usdc_before = self.server.exchange.ledger.total(self.api_key, "USDC")
        config = PositionExecutorConfig(
            timestamp=interface.current_timestamp, connector_name="backpack_perpetual", trading_pair=PAIR,
            side=TradeType.BUY, amount=Decimal("0.5"), leverage=5,
            triple_barrier_config=TripleBarrierConfig(open_order_type=OrderType.MARKET, time_limit=3,
                                                      take_profit=Decimal("0.05"), stop_loss=Decimal("0.05")))
        executor = PositionExecutor(strategy=interface, config=config, update_interval=1.0, max_retries=10)
        try:
            started, wall_start = time.monotonic(), time.time()
            executor.start()
            await wait_for(lambda: executor.status == RunnableStatus.TERMINATED, "the executor to end", timeout=60)
        finally:
            control.cancel()
        self.assertEqual(CloseType.TIME_LIMIT, executor.close_type)
        self.assertGreater(time.monotonic() - started, 3)
        self.assertEqual([], list(self.server.exchange.open_positions(self.api_key)))
        # Realised PnL less fees: what the exchange credited is what the executor reports.
        credited = self.server.exchange.ledger.total(self.api_key, "USDC") - usdc_before
        self.assertLess(abs(credited - executor.executor_info.net_pnl_quote), Decimal("1e-9"))
        for tracked in (executor._open_order, executor._close_order):  # real times, not NaN
            self.assertTrue(wall_start <= tracked.order.creation_timestamp <= time.time(), tracked.order.creation_timestamp)
