"""Runs Strategy V2 controllers on Backpack: the loader script for `conf/controllers/*.yml`.

    bin/hummingbot_quickstart.py -f backpack_v2_controllers.py -c backpack_v2_spot.yml --headless

Settings (`conf/scripts/<name>.yml`, every field optional):
- `controllers_config`: controller config files in `conf/controllers/` (default: the spot market maker
  `backpack_spot_mm.yml`); each names its `controller_type` / `controller_name`, i.e. the module
  `controllers/<controller_type>/<controller_name>.py` of this repository;
- `markets`, `candles_config`: extra markets and candles feeds besides the controllers' own;
- `run_duration_s` (> 0): stop after that long, with exit status 0 in headless mode.

The controllers decide; this script only applies their perpetual settings once at start (position mode
and leverage, one request per connector and pair), lets Hummingbot's executor orchestrator run their
executors (position executors with the exchange-side stop of `exchange_protection`,
controllers/backpack_protected_executor.py), and logs a summary of every controller's executors when it stops.
"""
import os
from collections import Counter
from typing import Dict, List, Optional, Set

from pydantic import Field

from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.connector.markets_recorder import MarketsRecorder
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
from hummingbot.strategy.strategy_v2_base import StrategyV2Base, StrategyV2ConfigBase
from hummingbot.strategy_v2.models.executor_actions import CreateExecutorAction, StopExecutorAction
from controllers.backpack_protected_executor import install_protected_executors
from scripts.backpack_support import app_control

DEFAULT_CONTROLLERS = ["backpack_spot_mm.yml"]


class BackpackV2ControllersConfig(StrategyV2ConfigBase):
    script_file_name: str = os.path.basename(__file__)
    markets: Dict[str, Set[str]] = Field(default={})
    candles_config: List[CandlesConfig] = Field(default=[])
    controllers_config: List[str] = Field(default=DEFAULT_CONTROLLERS, json_schema_extra={
        "prompt": "Controller configs in conf/controllers/ (comma-separated): ", "prompt_on_new": True})
    run_duration_s: float = Field(default=0.0, ge=0, json_schema_extra={
        "prompt": "Stop after this many seconds (0 = run until stopped): "})


class BackpackV2Controllers(StrategyV2Base):
    # Without a config file Hummingbot never calls init_markets: these are the default controller's markets.
    markets: Dict[str, Set[str]] = {"backpack": {"SOL-USDC"}}

    def __init__(self, connectors: Dict[str, ConnectorBase], config: Optional[BackpackV2ControllersConfig] = None):
        config = config or BackpackV2ControllersConfig()
        super().__init__(connectors, config)
        self.config = config
        # Position executors with an exchange-side stop for controllers that ask for one (plain ones otherwise).
        install_protected_executors(self.executor_orchestrator)
        self._run = app_control.RunDuration(self.config.run_duration_s)

    def apply_initial_setting(self):
        """Position mode and leverage of the perpetual controllers, each asked once per connector / pair (the
        connector logs one clear line when a mode is refused, e.g. HEDGE on Backpack)."""
        modes: Dict[str, Set[str]] = {}
        leverages: Dict[tuple, int] = {}
        for controller in self.controllers.values():
            connector = getattr(controller.config, "connector_name", None)
            if connector not in self.connectors or not self.is_perpetual(connector):
                continue
            mode = getattr(controller.config, "position_mode", None)
            if mode is not None:
                modes.setdefault(connector, set()).add(getattr(mode, "name", str(mode)).upper())
            leverage = getattr(controller.config, "leverage", None)
            if leverage is not None:
                leverages[(connector, controller.config.trading_pair)] = leverage
        for connector, names in modes.items():
            for name in sorted(names):
                self.connectors[connector].set_position_mode(name)
        for (connector, pair), leverage in leverages.items():
            self.connectors[connector].set_leverage(pair, leverage)

    def on_tick(self):
        if self._run.over(self.current_timestamp, self.logger()):
            return
        super().on_tick()

    def create_actions_proposal(self) -> List[CreateExecutorAction]:
        return []  # the controllers send their own actions

    def stop_actions_proposal(self) -> List[StopExecutorAction]:
        return []

    async def on_stop(self):
        # Hummingbot 20251103's orchestrator forgets its executors at stop without storing them: keep them to
        # summarise and record them once they are done.
        executors = {cid: list(found) for cid, found in self.executor_orchestrator.active_executors.items()}
        await super().on_stop()
        recorder = MarketsRecorder.get_instance()
        for controller_id in self.controllers:
            self.logger().info(self.summary_line(controller_id, executors.get(controller_id, [])))
            for executor in executors.get(controller_id, []):
                recorder.store_or_update_executor(executor)

    @staticmethod
    def summary_line(controller_id: str, executors: List) -> str:
        infos = [executor.executor_info for executor in executors]
        close_types = Counter(info.close_type.name if info.close_type else "ACTIVE" for info in infos)
        filled = [info for info in infos if info.filled_amount_quote > 0]
        pnl = sum((info.net_pnl_quote for info in infos), 0)
        return (f"V2 summary {controller_id}: {len(infos)} executors, {len(filled)} filled, close types "
                f"{dict(sorted(close_types.items()))}, net PnL {pnl:.6f} quote")
