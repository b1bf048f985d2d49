"""A post-only market maker for Backpack spot or perpetuals, with order refresh and inventory limits.

    bin/hummingbot_quickstart.py -p "$CONFIG_PASSWORD" -f backpack_post_only_maker.py --headless

Every `order_refresh_s` it cancels its resting orders and quotes one bid and one ask around the mid
price (`spread_bps` each side), as post-only (LIMIT_MAKER) orders so it never pays taker fees.
Inventory is the base balance on spot and the signed position on perpetuals: at or above
`max_inventory` it stops bidding, at or below `min_inventory` it stops asking. A side is also skipped
when the available funds cannot pay for it. `run_duration_s` > 0 ends the run (exit status 0).
"""
import os
from decimal import Decimal
from typing import Dict, List, Optional, Set

from pydantic import Field

from hummingbot.client.config.config_data_types import BaseClientModel
from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.event.events import MarketOrderFailureEvent
from scripts.backpack_support import app_control
from scripts.backpack_support.markets import default_markets, markets_of
from scripts.backpack_support.script_base import BackpackScriptBase

BPS = Decimal("0.0001")


class BackpackPostOnlyMakerConfig(BaseClientModel):
    script_file_name: str = os.path.basename(__file__)
    exchange: str = Field("backpack", json_schema_extra={
        "prompt": "Exchange connector (backpack or backpack_perpetual)", "prompt_on_new": True})
    trading_pair: str = Field("SOL-USDC", json_schema_extra={
        "prompt": "Trading pair to quote", "prompt_on_new": True})
    order_amount: Decimal = Field(Decimal("0.1"), gt=0, json_schema_extra={
        "prompt": "Order size in base asset", "prompt_on_new": True})
    spread_bps: Decimal = Field(Decimal("20"), gt=0, json_schema_extra={
        "prompt": "Distance of each quote from the mid price, in basis points", "prompt_on_new": True})
    order_refresh_s: float = Field(15.0, gt=0, json_schema_extra={
        "prompt": "Seconds between two order refreshes", "prompt_on_new": True})
    max_inventory: Decimal = Field(Decimal("150"), json_schema_extra={
        "prompt": "Stop bidding at this base inventory (spot balance or perp position)", "prompt_on_new": True})
    min_inventory: Decimal = Field(Decimal("50"), json_schema_extra={
        "prompt": "Stop asking at this base inventory (negative allows a short perp position)",
        "prompt_on_new": True})
    run_duration_s: float = Field(0.0, ge=0, json_schema_extra={
        "prompt": "Stop after this many seconds (0 = run until stopped)"})


class BackpackPostOnlyMaker(BackpackScriptBase):
    markets: Dict[str, Set[str]] = default_markets(BackpackPostOnlyMakerConfig)  # no config file: the defaults

    @classmethod
    def init_markets(cls, config: BackpackPostOnlyMakerConfig):
        cls.markets = markets_of(config)

    def __init__(self, connectors: Dict[str, ConnectorBase], config: Optional[BackpackPostOnlyMakerConfig] = None):
        super().__init__(connectors, config)
        self.config = config or BackpackPostOnlyMakerConfig()
        self._next_refresh = 0.0
        self._run = app_control.RunDuration(self.config.run_duration_s)

    @property
    def connector(self) -> ConnectorBase:
        return self.connectors[self.config.exchange]

    @property
    def is_perpetual(self) -> bool:
        return "perpetual" in self.config.exchange

    def on_tick(self):
        if self._run.over(self.current_timestamp, self.logger()):
            return
        if self.current_timestamp < self._next_refresh:
            return
        self._next_refresh = self.current_timestamp + self.config.order_refresh_s
        self._cancel_resting_orders()
        self._place_quotes()

    def inventory(self) -> Decimal:
        base = self.config.trading_pair.split("-")[0]
        if not self.is_perpetual:
            return self.connector.get_balance(base)
        # Signed (short < 0); summed so that hedge mode's long and short legs net out.
        positions = self.connector.account_positions.values()
        return sum((p.amount for p in positions if p.trading_pair == self.config.trading_pair), Decimal(0))

    def _cancel_resting_orders(self) -> None:
        orders = self.get_active_orders(self.config.exchange)
        if orders:
            self.logger().info(f"Refreshing quotes: cancelling {len(orders)} resting orders")
        for order in orders:
            self.cancel(self.config.exchange, order.trading_pair, order.client_order_id)

    def _place_quotes(self) -> None:
        pair = self.config.trading_pair
        mid = self.connector.get_mid_price(pair)
        if not mid.is_finite() or mid <= 0:
            self.logger().warning(f"No mid price for {pair} yet: not quoting")
            return
        inventory = self.inventory()
        for side in self._sides_allowed(inventory):
            offset = self.config.spread_bps * BPS
            raw_price = mid * (1 - offset) if side == TradeType.BUY else mid * (1 + offset)
            price = self.connector.quantize_order_price(pair, raw_price)
            amount = self.connector.quantize_order_amount(pair, self.config.order_amount)
            if amount <= 0:
                self.logger().warning(f"Order amount {self.config.order_amount} is below {pair}'s minimum size")
                return
            if not self._can_pay(side, amount, price):
                self.logger().info(f"Skipping the {side.name} quote: not enough available funds")
                continue
            action = self._position_action(side, inventory)
            place = self.buy if side == TradeType.BUY else self.sell
            order_id = place(self.config.exchange, pair, amount, OrderType.LIMIT_MAKER, price, action)
            self.logger().info(f"Placed post-only {side.name} {amount} {pair} at {price} ({order_id})")

    def _sides_allowed(self, inventory: Decimal) -> List[TradeType]:
        sides = []
        if inventory < self.config.max_inventory:
            sides.append(TradeType.BUY)
        else:
            self.logger().info(f"Inventory {inventory} >= max_inventory {self.config.max_inventory}: not bidding")
        if inventory > self.config.min_inventory:
            sides.append(TradeType.SELL)
        else:
            self.logger().info(f"Inventory {inventory} <= min_inventory {self.config.min_inventory}: not asking")
        return sides

    def _can_pay(self, side: TradeType, amount: Decimal, price: Decimal) -> bool:
        base, quote = self.config.trading_pair.split("-")
        if self.is_perpetual or side == TradeType.BUY:
            # Perp margin at leverage 1 is the notional: a conservative bound for any leverage.
            return self.connector.get_available_balance(quote) >= amount * price
        return self.connector.get_available_balance(base) >= amount

    def _position_action(self, side: TradeType, inventory: Decimal) -> PositionAction:
        reduces = (side == TradeType.SELL and inventory > 0) or (side == TradeType.BUY and inventory < 0)
        return PositionAction.CLOSE if self.is_perpetual and reduces else PositionAction.OPEN

    def did_fail_order(self, event: MarketOrderFailureEvent):
        self.logger().warning(f"Order {event.order_id} was rejected: {event.error_message}")

    def format_status(self) -> str:
        if not self.ready_to_trade:
            return "Market connectors are not ready."
        lines = [f"Post-only maker on {self.config.exchange} {self.config.trading_pair}",
                 f"  inventory: {self.inventory()} (limits {self.config.min_inventory} .. {self.config.max_inventory})"]
        for order in self.get_active_orders(self.config.exchange):
            side = "BUY" if order.is_buy else "SELL"
            lines.append(f"  {side} {order.quantity} @ {order.price} ({order.client_order_id})")
        return "\n".join(lines)
