"""Exchange-side trigger orders and take profit / stop loss, as keywords of `buy()` / `sell()` (spot and perp).

- `trigger_price=Decimal("175")` (+ optional `trigger_by="MarkPrice"`: `LastPrice`, `MarkPrice` or `IndexPrice`)
  sends the order as a Backpack trigger order (official `OrderExecutePayload`: `triggerPrice`, `triggerBy`, and the
  amount as `triggerQuantity` instead of `quantity`, as the exchange requires both or neither). The exchange holds
  it `TriggerPending` until the price is reached, then places it with the same id: the bot tracks it as an open
  order from the create's answer on, then its fills like any order; a trigger that cannot be placed
  (`TriggerFailed`) is reported as a failed order.
- `take_profit_trigger_price`, `take_profit_limit_price`, `take_profit_trigger_by`, `stop_loss_trigger_price`,
  `stop_loss_limit_price`, `stop_loss_trigger_by` (perpetual connector): take profit / stop loss attached to the
  order. Once it is done with fills, the exchange creates one reduce-only trigger order per leg for the quantity
  executed (`relatedOrderId` = the order's id). The connector adopts those legs as the bot's own orders (client
  order ids `tp-<id>` / `sl-<id>` of the entry's id), so their fills, fees and position changes are reported like
  any order of the bot, and the bot's cancel-all cancels them (by exchange id); orders of the account that are
  not the bot's are never touched (the native cancel-all sends `orderType` `RestingLimitOrder`).
Bad values fail the order with a clear error before anything is sent.
- `keep_on_cancel_all(order_id)`: a trigger order left out of the connector's `cancel_all` (what a strategy's stop
  sends), e.g. an exchange-side stop kept to protect a position the bot stops holding; it is still cancelled by id.
"""
from decimal import Decimal
from typing import Any, Dict, Optional, Set, Tuple

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_messages import trade_type_for_side
from hummingbot.connector.exchange.backpack.backpack_order_options import _positive_decimal, official_spelling
from hummingbot.connector.exchange.backpack.backpack_order_placement import decimal_text
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState, OrderUpdate

TRIGGER_BY = ("LastPrice", "MarkPrice", "IndexPrice")
LEGS = {"take_profit": ("takeProfit", "tp"), "stop_loss": ("stopLoss", "sl")}  # keyword -> (wire prefix, id prefix)
LEG_KEYWORDS = tuple(f"{leg}_{part}" for leg in LEGS for part in ("trigger_price", "limit_price", "trigger_by"))


def trigger_by_name(value: Any) -> Optional[str]:
    """The official spelling of a reference price ("markprice" -> "MarkPrice"); None when it is not one."""
    return official_spelling(value, TRIGGER_BY)


class BackpackTriggerOrdersMixin:
    SUPPORTS_ATTACHED_TP_SL = False  # the perpetual connector: Backpack attaches TP/SL to futures orders
    _protection_requests: Optional[Dict[str, Dict[str, Decimal]]] = None  # entry client id -> {prefix: trigger}
    _kept_on_cancel_all: Optional[Set[str]] = None  # client order ids cancel_all leaves alone

    def keep_on_cancel_all(self, order_id: str):
        """The order protects a position past the bot's stop: `cancel_all` leaves it on the exchange."""
        tracked = self._order_tracker.all_fillable_orders
        self._kept_on_cancel_all = {i for i in (self._kept_on_cancel_all or ()) if i in tracked} | {order_id}

    def _kept_on_cancel_all_order(self, order: Any) -> bool:
        return order.client_order_id in (self._kept_on_cancel_all or ())

    def _tick_price(self, trading_pair: str, value: Any) -> Optional[Decimal]:
        price = _positive_decimal(value)
        if price is None:
            return None
        price = self.quantize_order_price(trading_pair, price)
        return price if price > 0 else None

    def _trigger_option_error(self, trading_pair: str, entry_side: Optional[TradeType] = None,
                              **kwargs) -> Optional[str]:
        suffix = "The order will not be created."
        if kwargs.get("trigger_price") is not None:
            if self._tick_price(trading_pair, kwargs["trigger_price"]) is None:
                return f"Invalid trigger_price {kwargs['trigger_price']}: it must be at least one tick. {suffix}"
            if kwargs.get("quote_quantity") is not None:
                return f"A trigger order is sized by its amount, not quote_quantity. {suffix}"
        elif kwargs.get("trigger_by") is not None:
            return f"trigger_by goes with trigger_price. {suffix}"
        for name in ("trigger_by", "take_profit_trigger_by", "stop_loss_trigger_by"):
            if kwargs.get(name) is not None and trigger_by_name(kwargs[name]) is None:
                return f"Invalid {name} {kwargs[name]}: use one of {', '.join(TRIGGER_BY)}. {suffix}"
        legs = {leg: self._tick_price(trading_pair, kwargs.get(f"{leg}_trigger_price")) for leg in LEGS}
        if not any(kwargs.get(name) is not None for name in LEG_KEYWORDS):
            return None
        if not self.SUPPORTS_ATTACHED_TP_SL:
            return f"Take profit / stop loss are attached to perpetual orders only (use {self.name}_perpetual). {suffix}"
        if kwargs.get("position_action") == PositionAction.CLOSE:
            return f"Take profit / stop loss protect the position an order opens, not a closing order. {suffix}"
        for leg in LEGS:
            given = [part for part in ("trigger_price", "limit_price", "trigger_by")
                     if kwargs.get(f"{leg}_{part}") is not None]
            if given and legs[leg] is None:
                return f"Invalid or missing {leg}_trigger_price (at least one tick). {suffix}"
            limit = kwargs.get(f"{leg}_limit_price")
            if limit is not None and self._tick_price(trading_pair, limit) is None:
                return f"Invalid {leg}_limit_price {limit}: it must be at least one tick. {suffix}"
        take_profit, stop_loss = legs["take_profit"], legs["stop_loss"]
        if take_profit is not None and stop_loss is not None and entry_side is not None and \
                (take_profit <= stop_loss if entry_side == TradeType.BUY else take_profit >= stop_loss):
            side = "above" if entry_side == TradeType.BUY else "below"
            return (f"The take profit ({take_profit}) of a {entry_side.name} must be {side} its stop loss "
                    f"({stop_loss}). {suffix}")
        return None

    def _validation_error(self, trading_pair: str, order_type: OrderType, price: Optional[Decimal],
                          amount: Optional[Decimal] = None, **kwargs) -> Optional[str]:
        if trading_pair in self._trading_rules:
            problem = self._trigger_option_error(trading_pair, **kwargs)
            if problem is not None:
                return problem
        return super()._validation_error(trading_pair, order_type, price, amount, **kwargs)

    async def _create_order(self, trade_type: TradeType, order_id: str, trading_pair: str, amount: Decimal,
                            order_type: OrderType, price: Optional[Decimal] = None, **kwargs):
        kwargs["entry_side"] = trade_type  # for the TP/SL direction check in the validation (never sent)
        if any(kwargs.get(f"{leg}_trigger_price") is not None for leg in LEGS) and trading_pair in self._trading_rules \
                and self._trigger_option_error(trading_pair, **kwargs) is None:
            if self._protection_requests is None:
                self._protection_requests = {}
            self._protection_requests[order_id] = {
                prefix: self._tick_price(trading_pair, kwargs[f"{leg}_trigger_price"])
                for leg, (_, prefix) in LEGS.items() if kwargs.get(f"{leg}_trigger_price") is not None}
        try:
            await super()._create_order(trade_type=trade_type, order_id=order_id, trading_pair=trading_pair,
                                        amount=amount, order_type=order_type, price=price, **kwargs)
        finally:
            entry = self._order_tracker.fetch_order(client_order_id=order_id)
            if self._protection_requests and order_id in self._protection_requests and \
                    (entry is None or not (entry.exchange_order_id or self._outcome_unknown(entry))):
                del self._protection_requests[order_id]  # refused or never sent: it never gets legs
            self._prune_protection_requests()

    def _prune_protection_requests(self):
        """Forgets entries whose legs can no longer come: the entry left the tracker (and its cache of completed
        orders: no leg could be matched to it), or it failed / was cancelled with nothing filled."""
        for client_order_id in list(self._protection_requests or ()):
            entry = self._order_tracker.fetch_order(client_order_id=client_order_id)
            if entry is None or ((entry.is_failure or entry.is_cancelled) and not entry.executed_amount_base):
                del self._protection_requests[client_order_id]

    async def _order_payload(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                             order_type: OrderType, price: Optional[Decimal], **kwargs) -> Dict[str, Any]:
        payload = await super()._order_payload(order_id, trading_pair, amount, trade_type, order_type, price, **kwargs)
        if kwargs.get("trigger_price") is not None:
            payload["triggerQuantity"] = payload.pop("quantity")  # both or neither: the exchange refuses the rest
            payload["triggerPrice"] = decimal_text(self._tick_price(trading_pair, kwargs["trigger_price"]))
            if kwargs.get("trigger_by") is not None:
                payload["triggerBy"] = trigger_by_name(kwargs["trigger_by"])
        for leg, (wire, _) in LEGS.items():
            if kwargs.get(f"{leg}_trigger_price") is None:
                continue
            payload[f"{wire}TriggerPrice"] = decimal_text(self._tick_price(trading_pair, kwargs[f"{leg}_trigger_price"]))
            if kwargs.get(f"{leg}_limit_price") is not None:
                payload[f"{wire}LimitPrice"] = decimal_text(self._tick_price(trading_pair, kwargs[f"{leg}_limit_price"]))
            if kwargs.get(f"{leg}_trigger_by") is not None:
                payload[f"{wire}TriggerBy"] = trigger_by_name(kwargs[f"{leg}_trigger_by"])
        return payload

    # ----- the exchange's TP/SL legs of the bot's orders: adopted as the bot's own

    async def _process_order_event(self, data: Dict[str, Any]):
        if data.get("e") == CONSTANTS.TRIGGER_PLACED_EVENT and data.get("I") is not None and self._protection_requests:
            self._prune_protection_requests()  # (walked per event anyway)
            await self._adopt_leg(data)
        await super()._process_order_event(data)

    def _entry_of(self, related_id: str) -> Optional[Tuple[Any, Dict[str, Decimal]]]:
        for client_order_id, legs in (self._protection_requests or {}).items():
            entry = self._order_tracker.fetch_order(client_order_id=client_order_id)
            if entry is not None and entry.exchange_order_id == related_id:
                return entry, legs
        return None

    async def _adopt_leg(self, data: Dict[str, Any]):
        exchange_order_id, related_id = str(data.get("i")), str(data.get("I"))
        if self._order_tracker.fetch_order(exchange_order_id=exchange_order_id) is not None:
            return  # already adopted (a repeated event)
        found = self._entry_of(related_id)
        amount = _positive_decimal(data.get("Y"))
        trigger = _positive_decimal(data.get("P"))
        if found is None or amount is None or trigger is None:
            return
        entry, legs = found
        prefix = next((p for p, price in legs.items() if price == trigger), None)
        if prefix is None:
            return
        limit = _positive_decimal(data.get("p"))
        client_order_id = f"{prefix}-{entry.client_order_id}"
        position = {"position_action": PositionAction.CLOSE} if self.SUPPORTS_ATTACHED_TP_SL else {}
        self.start_tracking_order(order_id=client_order_id, exchange_order_id=exchange_order_id,
                                  trading_pair=entry.trading_pair, trade_type=trade_type_for_side(data.get("S", "")),
                                  price=limit or trigger, amount=amount,
                                  order_type=OrderType.LIMIT if limit is not None else OrderType.MARKET, **position)
        self.logger().info(f"The exchange placed the {'take profit' if prefix == 'tp' else 'stop loss'} of order "
                           f"{entry.client_order_id}: tracked as order {client_order_id} ({amount} at {trigger}).")
        await self._order_tracker.apply_order_update(OrderUpdate(
            client_order_id=client_order_id, exchange_order_id=exchange_order_id, trading_pair=entry.trading_pair,
            update_timestamp=self.current_timestamp, new_state=OrderState.OPEN))
        if all(self._order_tracker.fetch_order(client_order_id=f"{p}-{entry.client_order_id}") for p in legs):
            self._protection_requests.pop(entry.client_order_id, None)  # every leg is tracked
