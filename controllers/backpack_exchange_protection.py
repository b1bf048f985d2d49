"""Exchange-side protection of the positions our V2 controllers open on `backpack_perpetual`.

Hummingbot's PositionExecutor watches its stop loss / take profit itself: when the bot dies, the position is left
unprotected. With `exchange_protection` on (the default for perpetual connectors), each position an executor
opens also gets a reduce-only Backpack trigger order (market once triggered) at the executor's stop-loss price,
and one at its take-profit price when the take profit is a MARKET one (a LIMIT take profit already rests on the
exchange as the executor's own order). The executor side of it (place, move, cancel, a leg's fill as the
executor's close) is `backpack_protected_executor.py`; this module keeps the legs of one controller:

- a registry on disk (`<data>/backpack_protection/<controller id>.json`, or `$BACKPACK_PROTECTION_DIR`), written
  when a leg is asked for (before the create is sent), so a restarted bot knows which of its orders protect what;
- after a restart (executors are not restored by Hummingbot), `reconcile`: the legs Hummingbot restored from its
  saved order states (and, when it did not, the ones the exchange still lists as open, taken back into tracking)
  are kept while they protect a position still open on their side, up to its size; the others (orphans: the
  position was closed, e.g. by the other leg while the bot was down) are cancelled. Nothing is placed then, so a
  restart never doubles a stop; a leg that filled while the bot was down is reported by the connector (once);
- while running, legs whose executor is gone (it ended holding its position, or failed to close) follow the same
  rule, so they are cancelled once their position is closed; a cancel that failed is sent again (back-off) while
  the leg is open; legs kept for a position are left out of the connector's cancel_all (the bot's stop).
"""
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from pydantic import BaseModel, Field, field_validator, model_validator

from hummingbot import data_path
from hummingbot.connector.exchange.backpack.backpack_trigger_orders import TRIGGER_BY, trigger_by_name
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState, OrderUpdate

PROTECTION_DIR_ENV = "BACKPACK_PROTECTION_DIR"
STOP_LOSS, TAKE_PROFIT = "stop_loss", "take_profit"
# Hummingbot sends a cancel once (a 5xx/timeout/429 is only logged): a leg still open is asked again after these.
CANCEL_RETRY_DELAYS_S = (5.0, 10.0, 20.0, 40.0, 60.0)  # then every 60 s while the order is open
MAX_LEGS_PER_EXECUTOR = 20  # accepted placements, moves included: refused ones do not count
REFUSAL_BACKOFF_S = 30.0  # after a refused leg (e.g. a PostOnly/LimitOnly market), the executor waits this long


class ExchangeProtectionConfig(BaseModel):
    """Fields of our controller configs (mixed into them)."""
    exchange_protection: Optional[bool] = Field(default=None, json_schema_extra={
        "prompt": "Exchange-side stop loss / take profit for each position (empty: on for perpetuals): "})
    exchange_protection_trigger_by: str = Field(default="LastPrice", json_schema_extra={
        "prompt": f"Price the exchange-side orders trigger on ({', '.join(TRIGGER_BY)}): "})

    @field_validator("exchange_protection_trigger_by")
    @classmethod
    def _official_trigger_by(cls, value: str) -> str:
        official = trigger_by_name(value)
        if official is None:
            raise ValueError(f"exchange_protection_trigger_by must be one of {', '.join(TRIGGER_BY)}")
        return official

    @model_validator(mode="after")
    def _perpetuals_only(self):
        if self.exchange_protection and not self._on_perpetual():
            raise ValueError("exchange_protection protects perpetual positions: it needs a *_perpetual connector "
                             f"(not {getattr(self, 'connector_name', None)})")
        return self

    def _on_perpetual(self) -> bool:
        return str(getattr(self, "connector_name", "")).endswith("_perpetual")

    def exchange_protection_on(self) -> bool:
        return self._on_perpetual() if self.exchange_protection is None else self.exchange_protection


class ExchangeProtectionControllerMixin:
    """Mixed into our controllers (before Hummingbot's base class): owns the controller's ExchangeProtection and
    runs it on each control tick."""
    exchange_protection: Optional["ExchangeProtection"] = None

    def start_exchange_protection(self):
        config = self.config
        if config.exchange_protection_on():
            self.exchange_protection = ExchangeProtection(config.id, config.connector_name,
                                                          self.market_data_provider.connectors,
                                                          config.exchange_protection_trigger_by)

    async def control_task(self):
        await super().control_task()
        if self.exchange_protection is not None:
            await self.exchange_protection.update(self.executors_info)


@dataclass
class Leg:
    order_id: str
    executor_id: str
    kind: str  # STOP_LOSS or TAKE_PROFIT
    trading_pair: str
    side: str  # the leg's side, "SELL" for a long's protection
    amount: Decimal
    trigger_price: Decimal

    def to_json(self) -> Dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Leg":
        return cls(**{**data, "amount": Decimal(data["amount"]), "trigger_price": Decimal(data["trigger_price"])})


class ProtectionRegistry:
    """The legs of one controller, in the order they were asked for, saved to a JSON file on every change."""

    def __init__(self, path: Path):
        self.path = path
        self.legs: Dict[str, Leg] = {}
        if path.exists():
            for row in json.loads(path.read_text() or "[]"):
                leg = Leg.from_json(row)
                self.legs[leg.order_id] = leg

    def add(self, leg: Leg):
        self.legs[leg.order_id] = leg
        self.save()

    def remove(self, order_ids: Iterable[str]):
        gone = [order_id for order_id in order_ids if self.legs.pop(order_id, None) is not None]
        if gone:
            self.save()

    def save(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps([leg.to_json() for leg in self.legs.values()], indent=1))
        os.replace(temporary, self.path)  # atomic: a crash leaves the old file or the new one


def protection_dir() -> Path:
    return Path(os.environ.get(PROTECTION_DIR_ENV) or Path(data_path()) / "backpack_protection")


class ExchangeProtection:
    _logger: Optional[logging.Logger] = None

    @classmethod
    def logger(cls) -> logging.Logger:
        if cls._logger is None:
            cls._logger = logging.getLogger(__name__)
        return cls._logger

    def __init__(self, controller_id: str, connector_name: str, connectors: Dict[str, Any], trigger_by: str,
                 directory: Optional[Path] = None, clock: Callable[[], float] = time.monotonic):
        self.controller_id = controller_id
        self.connector_name = connector_name
        self.trigger_by = trigger_by
        self._connectors = connectors
        self.registry = ProtectionRegistry((directory or protection_dir()) / f"{controller_id}.json")
        self.reconciled = False
        self._clock = clock
        self._seen: set = set()  # legs the connector has tracked in this run
        self._cancel_asked: Dict[str, Tuple[float, int]] = {}  # order id -> (when last asked, times asked)
        self._placed: Dict[str, int] = {}  # executor id -> legs placed and not refused
        self._refused_at: Dict[str, float] = {}  # executor id -> when one of its legs was last refused
        self._budget_warned: set = set()
        self._unprotected_warned = False

    @property
    def connector(self):
        return self._connectors[self.connector_name]

    # ----- what the executors ask

    def legs_of(self, executor_id: str) -> Dict[str, Leg]:
        return {leg.kind: leg for leg in self.registry.legs.values()
                if leg.executor_id == executor_id and leg.order_id not in self._cancel_asked}

    def leg(self, order_id: str) -> Optional[Leg]:
        return self.registry.legs.get(order_id)

    def may_place(self, executor_id: str) -> bool:
        """Whether the executor may place a leg now: not right after a refusal, and within its budget (a leg the
        exchange accepts counts, a refused one does not, so a refusal streak never uses the budget up)."""
        refused = self._refused_at.get(executor_id)
        if refused is not None and self._clock() - refused < REFUSAL_BACKOFF_S:
            return False
        if self._placed.get(executor_id, 0) < MAX_LEGS_PER_EXECUTOR:
            return True
        if executor_id not in self._budget_warned:
            self._budget_warned.add(executor_id)
            self.logger().warning(f"Executor {executor_id} placed {MAX_LEGS_PER_EXECUTOR} exchange-side protection "
                                  f"orders: no more are placed for it; its position keeps its current exchange-side "
                                  f"orders and the executor's own barriers.")
        return False

    def place(self, executor_id: str, kind: str, trading_pair: str, side: TradeType, amount: Decimal,
              trigger_price: Decimal) -> str:
        """A reduce-only trigger order (market once triggered), registered before its create is sent."""
        send = self.connector.buy if side == TradeType.BUY else self.connector.sell
        order_id = send(trading_pair, amount, OrderType.MARKET, trigger_price, position_action=PositionAction.CLOSE,
                        trigger_price=trigger_price, trigger_by=self.trigger_by)
        self.registry.add(Leg(order_id, executor_id, kind, trading_pair, side.name, amount, trigger_price))
        self._placed[executor_id] = self._placed.get(executor_id, 0) + 1
        self.logger().info(f"Exchange-side {kind.replace('_', ' ')} {order_id} for executor {executor_id}: "
                           f"{side.name.lower()} {amount} {trading_pair} when the {self.trigger_by} reaches "
                           f"{trigger_price} (reduce-only).")
        return order_id

    def cancel(self, order_id: str):
        """Asks the connector to cancel the leg; asked again (bounded back-off) while it is still open."""
        leg = self.registry.legs.get(order_id)
        if leg is None:
            return
        order = self.connector._order_tracker.fetch_order(client_order_id=order_id)
        if order is not None and order.is_done:
            return
        asked = self._cancel_asked.get(order_id)
        now = self._clock()
        if asked is not None:
            when, times = asked
            if now - when < CANCEL_RETRY_DELAYS_S[min(times, len(CANCEL_RETRY_DELAYS_S)) - 1]:
                return
            self.logger().warning(f"Exchange-side {leg.kind.replace('_', ' ')} {order_id} is still open after its "
                                  f"cancel: asking again.")
        self._cancel_asked[order_id] = (now, (asked[1] if asked else 0) + 1)
        self.connector.cancel(leg.trading_pair, order_id)

    def release(self, executor_id: str, keep: bool):
        """The executor ended: its legs are cancelled, or (`keep`: it ended holding its position, or failed to
        close it) left to protect the position until it is closed."""
        for leg in [leg for leg in self.registry.legs.values() if leg.executor_id == executor_id]:
            if leg.order_id in self._cancel_asked:
                self.cancel(leg.order_id)  # replaced by a newer leg: goes whatever `keep` says
            elif keep:
                self._keep_on_stop(leg)
                self.logger().info(f"Executor {executor_id} ended with its position: exchange-side "
                                   f"{leg.kind.replace('_', ' ')} {leg.order_id} kept while the position is open.")
            else:
                self.cancel(leg.order_id)

    # ----- what the controller runs on each tick

    async def update(self, executors_info: List[Any]):
        connector = self.connector
        if not connector.ready:
            return
        if not self.reconciled:
            await self.reconcile()
            if not self.reconciled:
                return  # the exchange could not be asked: nothing is cancelled on a guess, tried again next tick
        self._forget_ended()
        for order_id in list(self._cancel_asked):
            self.cancel(order_id)  # a cancel that failed (network, 5xx, 429) is sent again
        active = {info.id for info in executors_info if not info.is_done}
        self._sweep([leg for leg in self.registry.legs.values() if leg.executor_id not in active])
        self._warn_if_unprotected(executors_info)

    async def reconcile(self):
        """After a (re)start: positions read fresh, legs the connector does not track looked up on the exchange."""
        connector = self.connector
        await connector._update_positions()
        untracked = [leg for leg in self.registry.legs.values()
                     if connector._order_tracker.fetch_order(client_order_id=leg.order_id) is None]
        if untracked and not await self._track_again(untracked):
            return
        self.reconciled = True
        if self.registry.legs:
            self.logger().info(f"Exchange-side protection of {self.controller_id}: {len(self.registry.legs)} "
                               f"order(s) from the previous run reconciled with the open positions.")

    async def _track_again(self, legs: List[Leg]) -> bool:
        """Legs Hummingbot did not restore: those still open on the exchange become the bot's orders again (so they
        can be kept or cancelled); the others are forgotten (nothing left on the exchange)."""
        connector = self.connector
        open_orders = await connector._fetch_open_orders()
        if open_orders is None:
            return False
        for leg in legs:
            symbol = await connector.exchange_symbol_associated_to_pair(leg.trading_pair)
            probe = _Probe(leg.order_id)
            status = open_orders.status_of(probe, symbol)
            if status is None:
                self.registry.remove([leg.order_id])
                continue
            connector.start_tracking_order(
                order_id=leg.order_id, exchange_order_id=status.exchange_order_id, trading_pair=leg.trading_pair,
                trade_type=TradeType[leg.side], price=leg.trigger_price, amount=leg.amount,
                order_type=OrderType.MARKET, position_action=PositionAction.CLOSE)
            await connector._order_tracker.apply_order_update(OrderUpdate(
                client_order_id=leg.order_id, exchange_order_id=status.exchange_order_id,
                trading_pair=leg.trading_pair, update_timestamp=connector.current_timestamp,
                new_state=OrderState.OPEN))
            self.logger().info(f"Exchange-side {leg.kind.replace('_', ' ')} {leg.order_id} is open on the exchange: "
                               f"tracked again.")
        return True

    def _forget_ended(self):
        tracker = self.connector._order_tracker
        ended = []
        for leg in self.registry.legs.values():
            order = tracker.fetch_order(client_order_id=leg.order_id)
            if order is not None:
                self._seen.add(leg.order_id)
                if order.is_done:
                    ended.append(leg.order_id)
                    if getattr(order, "is_failure", False):
                        self._refused(leg)
            elif leg.order_id in self._seen:
                ended.append(leg.order_id)  # done and out of the connector's cache
        self.registry.remove(ended)
        for order_id in ended:
            self._cancel_asked.pop(order_id, None)
        self._seen &= set(self.registry.legs)

    def _keep_on_stop(self, leg: Leg):
        """A leg protecting a position no executor runs: the strategy's stop (connector cancel_all) leaves it."""
        keep = getattr(self.connector, "keep_on_cancel_all", None)
        if keep is not None:
            keep(leg.order_id)

    def _refused(self, leg: Leg):
        """A leg that failed (refused before or by the exchange): the executor waits, and it does not count."""
        self._refused_at[leg.executor_id] = self._clock()
        if leg.executor_id in self._placed:
            self._placed[leg.executor_id] = max(0, self._placed[leg.executor_id] - 1)

    def _sweep(self, legs: List[Leg]):
        """Legs without a running executor: kept while they protect an open position on their side (up to its
        size, per kind, oldest first), cancelled otherwise."""
        if not legs:
            return
        positions = self.connector.account_positions
        left: Dict[tuple, Decimal] = {}
        for leg in legs:
            if leg.order_id in self._cancel_asked:
                continue
            position = next((p for p in positions.values() if p.trading_pair == leg.trading_pair), None)
            net = position.amount if position is not None else Decimal(0)
            protects = (net > 0 and leg.side == "SELL") or (net < 0 and leg.side == "BUY")
            key = (leg.trading_pair, leg.kind)
            budget = left.setdefault(key, abs(net))
            if protects and budget > 0:
                left[key] = budget - leg.amount
                self._keep_on_stop(leg)
                continue
            why = "a second one for the same position" if protects else "its position is closed"
            self.logger().info(f"Cancelling exchange-side {leg.kind.replace('_', ' ')} {leg.order_id} of executor "
                               f"{leg.executor_id}: {why}.")
            self.cancel(leg.order_id)

    def _warn_if_unprotected(self, executors_info: List[Any]):
        if self._unprotected_warned:
            return
        for info in executors_info:
            if info.is_trading and info.type == "position_executor" and \
                    "exchange_protection" not in (info.custom_info or {}):
                self._unprotected_warned = True
                self.logger().warning(
                    f"Controller {self.controller_id} has exchange_protection on, but its executors are Hummingbot's "
                    f"plain PositionExecutor: run it with scripts/backpack_v2_controllers.py (or call "
                    f"install_protected_executors on the strategy's executor orchestrator) to place the exchange-side "
                    f"stops.")
                return


class _Probe:
    """What the open-orders matcher needs of an order: its ids."""

    def __init__(self, client_order_id: str):
        self.client_order_id = client_order_id
        self.exchange_order_id = None
