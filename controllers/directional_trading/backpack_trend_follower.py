"""`backpack_trend_follower`: a directional controller for Backpack perpetuals (or spot).

Signal from the candles of `candles_connector` / `candles_trading_pair` (default: the traded market): long
when the fast simple moving average of the closes is above the slow one by more than `threshold_bps`, short
when below, flat otherwise. Each signal opens a PositionExecutor (market order) with the triple barrier of the
config. The controller needs `slow_period` candles before it can decide; Backpack's kline history (and the
emulator's) fills the feed at start, so there is no warm-up wait.

Backpack perpetuals are one-way (one net position per market): a long and a short executor that overlap would net
each other out on the exchange, so a signal waits until the executors of the other side have ended. Set
`position_mode: ONEWAY` in the config (Hummingbot's default, HEDGE, is refused with one log line and the connector
stays ONEWAY). On perpetuals each position also gets an exchange-side
stop (`exchange_protection`, controllers/backpack_exchange_protection.py).
"""
import time
from decimal import Decimal
from typing import List, Optional

import pandas as pd
from pydantic import Field

from controllers.backpack_exchange_protection import ExchangeProtectionConfig, ExchangeProtectionControllerMixin
from hummingbot.core.data_type.common import TradeType
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
from hummingbot.strategy_v2.controllers.directional_trading_controller_base import (
    DirectionalTradingControllerBase,
    DirectionalTradingControllerConfigBase,
)

BPS = Decimal("0.0001")


class BackpackTrendFollowerConfig(ExchangeProtectionConfig, DirectionalTradingControllerConfigBase):
    controller_name: str = "backpack_trend_follower"
    connector_name: str = Field(default="backpack_perpetual", json_schema_extra={
        "prompt": "Connector (backpack_perpetual or backpack): ", "prompt_on_new": True})
    trading_pair: str = Field(default="SOL-USDC", json_schema_extra={
        "prompt": "Trading pair (e.g. SOL-USDC): ", "prompt_on_new": True})
    candles_connector: Optional[str] = Field(default=None, json_schema_extra={
        "prompt": "Candles connector (empty: the traded connector): "})
    candles_trading_pair: Optional[str] = Field(default=None, json_schema_extra={
        "prompt": "Candles trading pair (empty: the traded pair): "})
    interval: str = Field(default="1m", json_schema_extra={"prompt": "Candle interval (e.g. 1m): "})
    fast_period: int = Field(default=20, gt=0, json_schema_extra={"prompt": "Fast moving average, in candles: "})
    slow_period: int = Field(default=100, gt=1, json_schema_extra={"prompt": "Slow moving average, in candles: "})
    threshold_bps: Decimal = Field(default=Decimal("0"), ge=0, json_schema_extra={
        "prompt": "Minimum distance between the averages for a signal, in basis points: "})

    @property
    def candles_source(self) -> CandlesConfig:
        return CandlesConfig(connector=self.candles_connector or self.connector_name,
                             trading_pair=self.candles_trading_pair or self.trading_pair,
                             interval=self.interval, max_records=self.slow_period + 20)


class BackpackTrendFollower(ExchangeProtectionControllerMixin, DirectionalTradingControllerBase):
    def __init__(self, config: BackpackTrendFollowerConfig, *args, **kwargs):
        # 20251103's controllers read the feeds from `config.candles_config`; 20260922 removed that field and
        # asks get_candles_config() (below) instead.
        if "candles_config" in type(config).model_fields and not config.candles_config:
            config.candles_config = [config.candles_source]
        super().__init__(config, *args, **kwargs)
        self.config = config
        self._created = time.time()
        self._warm = False
        self.start_exchange_protection()

    def can_create_executor(self, signal: int) -> bool:
        """Hummingbot's check (per side limit, cooldown), and no executor of the other side still active: a long over
        an active short would net it out (both executors' reduce-only closes then find nothing to close). Hummingbot
        holds a short back while any executor is active, but not a long (its side filter reads
        `x.side == BUY if signal > 0 else SELL`)."""
        side = TradeType.BUY if signal > 0 else TradeType.SELL
        if any(info.is_active and info.side != side for info in self.executors_info):
            return False
        return super().can_create_executor(signal)

    def get_candles_config(self) -> List[CandlesConfig]:
        return [self.config.candles_source]

    async def update_processed_data(self):
        source = self.config.candles_source
        candles = self.market_data_provider.get_candles_df(source.connector, source.trading_pair, source.interval,
                                                           source.max_records)
        signal, features = 0, pd.DataFrame()
        if len(candles) >= self.config.slow_period:
            if not self._warm:
                self._warm = True
                self.logger().info(f"Candles ready: {len(candles)} {source.interval} candles of {source.connector} "
                                   f"{source.trading_pair}, {time.time() - self._created:.1f} s after start")
            closes = candles["close"].astype(float)
            features = pd.DataFrame({"close": closes,
                                     "fast": closes.rolling(self.config.fast_period).mean(),
                                     "slow": closes.rolling(self.config.slow_period).mean()})
            fast, slow = features["fast"].iloc[-1], features["slow"].iloc[-1]
            gap = Decimal(str(fast - slow)) / Decimal(str(slow))
            threshold = self.config.threshold_bps * BPS
            signal = 1 if gap > threshold else -1 if gap < -threshold else 0
        self.processed_data = {"signal": signal, "features": features}

    def to_format_status(self) -> List[str]:
        return [f"  signal {self.processed_data.get('signal', 0)} on {self.config.trading_pair}"] + \
            super().to_format_status()
