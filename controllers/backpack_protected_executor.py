"""Hummingbot's PositionExecutor with an exchange-side stop (and take profit) for its position.

Used for the executors of our controllers whose config has exchange protection on (backpack_exchange_protection.py;
our loader script installs it with `install_protected_executors`). Otherwise it is Hummingbot's PositionExecutor:
- once its opening order has fills, it asks the controller's ExchangeProtection for a reduce-only trigger order
  at its stop-loss price (`entry x (1 - stop_loss)` for a long), and one at its take-profit price when the take
  profit is a MARKET one, both for the amount it holds; when that amount or the entry price changes (partial fills)
  the new legs are placed before the old ones are cancelled, so the position is never without its stop;
- its own stop loss fires first while the bot runs (it counts the fees, the exchange's is the price alone); a leg
  that fills first (a gap, a stalled bot) is taken as its close: close type STOP_LOSS / TAKE_PROFIT, PnL and fees
  from the leg's fills, its other orders cancelled, no close order of its own;
- its closes are reduce-only (Hummingbot 20260922 sends them as plain orders in a ONEWAY account: one racing a
  triggered stop could open the opposite position);
- when it ends, its legs are cancelled; if it ends holding the position (POSITION_HOLD) or failed to close it
  (FAILED), they stay and protect the position until it is closed (and the bot's stop, the connector's
  cancel_all, leaves them);
- after a refused leg it waits (ExchangeProtection.may_place): refusals do not use up its placement budget.
"""
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Dict, Optional

from controllers.backpack_exchange_protection import STOP_LOSS, TAKE_PROFIT, ExchangeProtection
from hummingbot.core.data_type.common import PositionAction, PriceType, TradeType
from hummingbot.strategy_v2.executors.position_executor.position_executor import PositionExecutor
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executors import CloseType, TrackedOrder

KEEP_LEGS_ON = (CloseType.POSITION_HOLD, CloseType.FAILED)


def install_protected_executors(orchestrator):
    """The strategy's orchestrator creates this class for `position_executor` configs (its own mapping only)."""
    orchestrator._executor_mapping = {**type(orchestrator)._executor_mapping, "position_executor": ProtectedPositionExecutor}


class ProtectedPositionExecutor(PositionExecutor):
    @property
    def protection(self) -> Optional[ExchangeProtection]:
        controller = getattr(self._strategy, "controllers", {}).get(self.config.controller_id)
        manager = getattr(controller, "exchange_protection", None)
        if manager is None or manager.connector_name != self.config.connector_name or not self.is_perpetual:
            return None
        return manager

    @property
    def close_position_action(self) -> PositionAction:
        if self.protection is not None:
            return PositionAction.CLOSE
        return super().close_position_action  # Hummingbot 20260922 (20251103 has no such property)

    async def control_task(self):
        await super().control_task()
        if self.status == RunnableStatus.RUNNING:
            self.protect()

    def leg_prices(self) -> Dict[str, Decimal]:
        """Where the exchange-side legs go: the executor's barrier prices from the average entry, rounded to the
        tick away from the entry (never tighter than the executor's own barriers)."""
        barriers = self.config.triple_barrier_config
        entry = self._open_order.average_executed_price
        tick = self.trading_rules.min_price_increment
        sign = 1 if self.config.side == TradeType.BUY else -1
        prices = {}
        if barriers.stop_loss:
            prices[STOP_LOSS] = entry * (1 - sign * barriers.stop_loss)
        if barriers.take_profit and not barriers.take_profit_order_type.is_limit_type():
            prices[TAKE_PROFIT] = entry * (1 + sign * barriers.take_profit)
        rounded = {}
        for kind, price in prices.items():
            down = (kind == STOP_LOSS) == (self.config.side == TradeType.BUY)
            rounded[kind] = (price / tick).to_integral_value(rounding=ROUND_FLOOR if down else ROUND_CEILING) * tick
        return rounded

    def protect(self):
        manager = self.protection
        if manager is None or self._open_order is None or not self._open_order.executed_amount_base > 0:
            return
        amount = self.amount_to_close
        if amount < self.trading_rules.min_order_size:
            return
        current = manager.legs_of(self.config.id)
        mid = self.get_price(self.config.connector_name, self.config.trading_pair, PriceType.MidPrice)
        for kind, price in self.leg_prices().items():
            leg = current.get(kind)
            if leg is not None and leg.amount == amount and leg.trigger_price == price:
                continue
            if self._crossed(kind, price, mid):
                continue  # the executor's own barrier closes a position already past the price
            if not manager.may_place(self.config.id):
                return  # right after a refusal, or its budget used up (the manager warns once)
            manager.place(self.config.id, kind, self.config.trading_pair, self.close_order_side, amount, price)
            if leg is not None:
                manager.cancel(leg.order_id)  # moved: the new leg first, then the old one goes

    def _crossed(self, kind: str, price: Decimal, mid: Decimal) -> bool:
        below = (kind == STOP_LOSS) == (self.config.side == TradeType.BUY)  # the leg triggers when the price falls
        return mid <= price if below else mid >= price

    def process_order_completed_event(self, _, market, event):
        super().process_order_completed_event(_, market, event)
        manager = self.protection
        leg = manager.leg(event.order_id) if manager is not None else None
        if leg is None or leg.executor_id != self.config.id or self.status == RunnableStatus.TERMINATED:
            return
        self.logger().info(f"Executor {self.config.id}: the exchange-side {leg.kind.replace('_', ' ')} "
                           f"{event.order_id} closed the position.")
        self._close_order = TrackedOrder(order_id=event.order_id)
        self._close_order.order = self.get_in_flight_order(self.config.connector_name, event.order_id)
        self.close_type = CloseType.STOP_LOSS if leg.kind == STOP_LOSS else CloseType.TAKE_PROFIT
        self.close_timestamp = self._strategy.current_timestamp
        self.cancel_open_orders()
        self._status = RunnableStatus.SHUTTING_DOWN

    def stop(self):
        ending = self.status != RunnableStatus.TERMINATED
        super().stop()
        manager = self.protection
        if ending and manager is not None:
            manager.release(self.config.id, keep=self.close_type in KEEP_LEGS_ON)

    def get_custom_info(self) -> Dict:
        info = super().get_custom_info()
        manager = self.protection
        if manager is not None:
            info["exchange_protection"] = {kind: leg.order_id for kind, leg in manager.legs_of(self.config.id).items()}
        return info
