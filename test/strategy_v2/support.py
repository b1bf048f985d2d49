"""What the Strategy V2 tests on the emulator share: an in-process emulator over 127.0.0.1 with one funded account,
the real perpetual connector on it, a real trade recorder on a throwaway SQLite file, and Hummingbot's Clock
driving the connector and a strategy (the test's `make_host`), like a running bot. Bounded in time."""
import asyncio
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Dict, List
from unittest.mock import patch

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer
from hummingbot.client.config.client_config_map import ClientConfigMap, MarketDataCollectionConfigMap
from hummingbot.client.config.config_helpers import ClientConfigAdapter
from hummingbot.client.hummingbot_application import HummingbotApplication
from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.markets_recorder import MarketsRecorder
from hummingbot.core.clock import Clock
from hummingbot.core.clock_mode import ClockMode
from hummingbot.core.web_assistant.connections.connections_factory import ConnectionsFactory
from hummingbot.model.sql_connection_manager import SQLConnectionManager, SQLConnectionType
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

CONNECTOR, PAIR, PERP, SPOT = "backpack_perpetual", "SOL-USDC", "SOL_USDC_PERP", "SOL_USDC"
READY_TIMEOUT_S = 30


async def until(condition, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def start_trade_recorder(connectors: List[ConnectorBase], db_path: Path, strategy_name: str) -> MarketsRecorder:
    """Hummingbot's own MarketsRecorder (the shared instance executors and the V2 orchestrator write to), on a
    SQLite file of the test: the launcher creates one per run; a test run has none otherwise."""
    sql = SQLConnectionManager(ClientConfigAdapter(ClientConfigMap()), SQLConnectionType.TRADE_FILLS,
                               db_path=str(db_path))
    recorder = MarketsRecorder(sql, connectors, config_file_path=f"{strategy_name}.yml", strategy_name=strategy_name,
                               market_data_collection=MarketDataCollectionConfigMap())
    recorder.start()
    return recorder


def stop_trade_recorder(recorder: MarketsRecorder):
    recorder.stop()
    recorder._sql_manager.engine.dispose()
    MarketsRecorder._shared_instance = None


class PerpStrategyOnEmulatorTestCase(IsolatedAsyncioWrapperTestCase):
    """One emulator, one perpetual connector with 10 000 USDC, one strategy from `make_host`, one clock."""
    seed = 3
    tick_size = 0.2

    def make_host(self, connectors: Dict[str, ConnectorBase]):
        raise NotImplementedError

    def make_connector(self, api_key: str, secret: str) -> ConnectorBase:
        return BackpackPerpetualDerivative(api_key, secret, trading_pairs=[PAIR])

    async def asyncSetUp(self):
        await super().asyncSetUp()
        ConnectionsFactory()._shared_client = None  # a session of an earlier test belongs to a closed loop
        self.api_key, secret = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=self.seed, market_data=True,
                                     market_data_interval_s=0.05, funding_interval_s=10 ** 7,
                                     accounts={self.api_key: {"USDC": "10000"}})
        await self.server.start()
        # The whole test long: candles feeds that controllers start later read the URLs when they are built.
        env = patch.dict(os.environ, {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url,
                                      CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url})
        env.start()
        self.addCleanup(env.stop)
        self.home = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.connector = self.make_connector(self.api_key, secret)
        # StrategyV2Base.start asks the main application whether MQTT is on; without one it would build it from
        # conf/conf_client.yml, which each Hummingbot line writes in its own format (and refuses the other's).
        HummingbotApplication.main_application(client_config_map=ClientConfigAdapter(ClientConfigMap()))
        await self.start_bot()

    async def start_bot(self):
        """The trade recorder, the strategy of `make_host` and the clock on `self.connector`, as a bot starts."""
        self.recorder = start_trade_recorder([self.connector], self.home / "trades.sqlite", type(self).__name__)
        self.host = self.make_host({self.connector.name: self.connector})
        self.clock = Clock(ClockMode.REALTIME, tick_size=self.tick_size)
        self.clock.add_iterator(self.connector)
        self.clock.add_iterator(self.host)
        self.clock.__enter__()
        self.clock_task = asyncio.ensure_future(self.clock.run())
        await self.connector.start_network()
        await until(lambda: self.connector.ready and self.server.hub.wants_private(self.api_key),
                    "the connector to be ready", READY_TIMEOUT_S)

    async def asyncTearDown(self):
        await self.connector.stop_network()
        self.clock_task.cancel()
        await asyncio.gather(self.clock_task, return_exceptions=True)
        self.clock.__exit__(None, None, None)
        stop_trade_recorder(self.recorder)
        await self.server.stop()
        await ConnectionsFactory().close()
        await super().asyncTearDown()
        self.assertEqual([], self.server.refusals(), "requests the strict decoder refused")

    # ----- the emulator's side -----

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

    def orders_sent(self) -> List[dict]:
        return [entry for entry in self.server.request_log.entries(path="/api/v1/order", method="POST")
                if entry["apiKey"] == self.api_key]

    def open_orders_in_the_emulator(self) -> List:
        return [order for order in self.server.exchange.open_orders.values() if order.account == self.api_key]

    async def assert_balances_equal_the_ledger(self):
        """The connector's USDC (total = the account's USDC + unrealized PnL, the perp running alone; available =
        free margin) is the emulator's account."""
        await self.connector._update_all_balances()
        summary = self.server.exchange.settlement.margin_summary(self.api_key)
        self.assertEqual((self.usdc() + summary["pnlUnrealized"], summary["netEquityAvailable"]),
                         (self.connector.get_balance("USDC"), self.connector.get_available_balance("USDC")))
