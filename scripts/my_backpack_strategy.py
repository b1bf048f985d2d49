"""The guide's example script (BACKPACK_HEADLESS.md): logs the balances and the top of the order book.

    bin/hummingbot_quickstart.py -p "$CONFIG_PASSWORD" -f my_backpack_strategy.py --headless

Runs until stopped (Ctrl+C, or `kill` for a background run). The config class gives every field a
default, which Hummingbot needs to run a script with `-f` and no `-c` config file.
"""
import os
from typing import Dict, Optional, Set

from pydantic import Field

from hummingbot.client.config.config_data_types import BaseClientModel
from hummingbot.connector.connector_base import ConnectorBase
from scripts.backpack_support import reports
from scripts.backpack_support.markets import default_markets, markets_of
from scripts.backpack_support.script_base import BackpackScriptBase


class MyBackpackStrategyConfig(BaseClientModel):
    script_file_name: str = os.path.basename(__file__)
    exchange: str = Field("backpack", json_schema_extra={
        "prompt": "Exchange connector (backpack or backpack_perpetual)", "prompt_on_new": True})
    trading_pair: str = Field("SOL-USDC", json_schema_extra={
        "prompt": "Trading pair to watch", "prompt_on_new": True})
    report_interval_s: float = Field(10.0, gt=0, json_schema_extra={
        "prompt": "Seconds between two reports"})


class MyBackpackStrategy(BackpackScriptBase):
    markets: Dict[str, Set[str]] = default_markets(MyBackpackStrategyConfig)  # no config file: the defaults

    @classmethod
    def init_markets(cls, config: MyBackpackStrategyConfig):
        cls.markets = markets_of(config)

    def __init__(self, connectors: Dict[str, ConnectorBase], config: Optional[MyBackpackStrategyConfig] = None):
        super().__init__(connectors, config)
        self.config = config or MyBackpackStrategyConfig()
        self._next_report = 0.0

    def on_tick(self):
        # on_tick only runs once the connector is ready: keys accepted, balances and book loaded.
        if self.current_timestamp < self._next_report:
            return
        self._next_report = self.current_timestamp + self.config.report_interval_s
        connector = self.connectors[self.config.exchange]
        for line in reports.balance_lines(connector) + reports.order_book_lines(connector, self.config.trading_pair):
            self.logger().info(line)
