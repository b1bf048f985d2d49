"""`backpack_market_maker`: a market-making controller for Backpack spot (or perpetuals).

Quotes `buy_spreads` / `sell_spreads` levels around the mid price; each level is one PositionExecutor with
the triple barrier of the config (stop loss, take profit, time limit). Backpack specifics:
- the opening order is post-only (LIMIT_MAKER): it never pays taker fees, and a quote that would cross is
  moved back to the touch instead of being refused by the exchange;
- prices are rounded to the market's tick (down for bids, up for asks, so a level never gets closer to the
  mid than asked) and a level below the market's minimum size is skipped with a warning.
Unfilled executors are refreshed (stopped and re-quoted) after `executor_refresh_time` seconds. On perpetuals each
filled level also gets an exchange-side stop (`exchange_protection`, controllers/backpack_exchange_protection.py).
"""
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Optional

from pydantic import Field, model_validator

from controllers.backpack_exchange_protection import ExchangeProtectionConfig, ExchangeProtectionControllerMixin
from hummingbot.core.data_type.common import OrderType, PriceType, TradeType
from hummingbot.strategy_v2.controllers.market_making_controller_base import (
    MarketMakingControllerBase,
    MarketMakingControllerConfigBase,
)
from hummingbot.strategy_v2.executors.position_executor.data_types import (
    PositionExecutorConfig,
    TripleBarrierConfig,
)


class BackpackMarketMakerConfig(ExchangeProtectionConfig, MarketMakingControllerConfigBase):
    controller_name: str = "backpack_market_maker"
    connector_name: str = Field(default="backpack", json_schema_extra={
        "prompt": "Connector (backpack or backpack_perpetual): ", "prompt_on_new": True})
    trading_pair: str = Field(default="SOL-USDC", json_schema_extra={
        "prompt": "Trading pair to quote (e.g. SOL-USDC): ", "prompt_on_new": True})
    skip_rebalance: bool = Field(default=True, json_schema_extra={
        "prompt": "Skip buying the base asset the asks need (true/false): "})

    @model_validator(mode="after")
    def _one_share_per_level(self):
        # Hummingbot's validator fills in equal shares only when the field is given; left out, it stays None.
        for side in ("buy", "sell"):
            if getattr(self, f"{side}_amounts_pct") is None:
                self.__dict__[f"{side}_amounts_pct"] = [Decimal(1)] * len(getattr(self, f"{side}_spreads"))
        return self

    @property
    def triple_barrier_config(self) -> TripleBarrierConfig:
        barriers = super().triple_barrier_config
        return barriers.model_copy(update={"open_order_type": OrderType.LIMIT_MAKER})


class BackpackMarketMaker(ExchangeProtectionControllerMixin, MarketMakingControllerBase):
    def __init__(self, config: BackpackMarketMakerConfig, *args, **kwargs):
        super().__init__(config, *args, **kwargs)
        self.config = config
        self.start_exchange_protection()

    def get_executor_config(self, level_id: str, price: Decimal, amount: Decimal) -> Optional[PositionExecutorConfig]:
        side = self.get_trade_type_from_level_id(level_id)
        pair, connector = self.config.trading_pair, self.config.connector_name
        rules = self.market_data_provider.get_trading_rules(connector, pair)
        tick = rules.min_price_increment
        price = (price / tick).to_integral_value(rounding=ROUND_DOWN if side == TradeType.BUY else ROUND_UP) * tick
        # Post-only: a bid at or above the best ask (or an ask at or below the best bid) would be refused.
        if side == TradeType.BUY:
            best_ask = Decimal(str(self.market_data_provider.get_price_by_type(connector, pair, PriceType.BestAsk)))
            price = min(price, best_ask - tick)
        else:
            best_bid = Decimal(str(self.market_data_provider.get_price_by_type(connector, pair, PriceType.BestBid)))
            price = max(price, best_bid + tick)
        amount = self.market_data_provider.quantize_order_amount(connector, pair, amount)
        if amount < rules.min_order_size:
            self.logger().warning(f"Level {level_id} skipped: {amount} {pair} is below the minimum order size "
                                  f"{rules.min_order_size} (raise total_amount_quote).")
            return None
        return PositionExecutorConfig(timestamp=self.market_data_provider.time(), level_id=level_id,
                                      connector_name=connector, trading_pair=pair, side=side, entry_price=price,
                                      amount=amount, triple_barrier_config=self.config.triple_barrier_config,
                                      leverage=self.config.leverage)

    def to_format_status(self):
        reference = self.processed_data.get("reference_price")
        return [f"  {self.config.connector_name} {self.config.trading_pair}: mid {reference}, "
                f"{len([e for e in self.executors_info if e.is_active])} active executors"]
