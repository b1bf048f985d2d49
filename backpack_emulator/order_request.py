"""Validation of an ``OrderExecutePayload`` into an :class:`Order` (bad input -> ApiError, no state change)."""
from decimal import Decimal
from typing import Any, Dict, Mapping, Optional

from backpack_emulator.decimals import is_multiple, parse_decimal
from backpack_emulator.errors import ApiError, bad_request
from backpack_emulator.markets import Market
from backpack_emulator.orders import Order
from backpack_emulator.params import is_ascii_digits
from backpack_emulator.slippage import parse_tolerance
from backpack_emulator.triggers import parse_legs, parse_trigger

SIDES = ("Bid", "Ask")
ORDER_TYPES = ("Limit", "Market")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
STP_MODES = ("RejectTaker", "RejectMaker", "RejectBoth", "Allow")
MAX_CLIENT_ID = 2**32 - 1


def parse_bool(payload: Mapping[str, Any], key: str) -> Optional[bool]:
    raw = payload.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool):  # never the text "true": the typed decoder refuses it (request_schema)
        return raw
    raise bad_request(f"Invalid `{key}`: expected a boolean")


def parse_client_id(raw: Any) -> Optional[int]:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not is_ascii_digits(str(raw)):
        raise bad_request("Invalid `clientId`: expected an unsigned 32-bit integer")
    value = int(raw)
    if value > MAX_CLIENT_ID:
        raise bad_request("Invalid `clientId`: expected an unsigned 32-bit integer")
    return value


def _enum(payload: Mapping[str, Any], key: str, allowed: tuple, default: Optional[str] = None) -> str:
    value = payload.get(key, default)
    if value not in allowed:
        raise bad_request(f"Invalid `{key}`: expected one of {', '.join(allowed)}")
    return value


def _positive(payload: Mapping[str, Any], key: str) -> Optional[Decimal]:
    if payload.get(key) is None:
        return None
    value = parse_decimal(payload[key])
    if value is None or value <= 0:
        raise bad_request(f"Invalid `{key}`: expected a positive decimal")
    return value


def _check_quantity(quantity: Decimal, market: Market) -> None:
    if not is_multiple(quantity, market.step_size):
        raise bad_request("Quantity decimal too long")
    if quantity < market.min_quantity:
        raise ApiError(400, "INVALID_QUANTITY", f"Quantity is below the minimum of {market.min_quantity}")
    if quantity > market.max_quantity:
        raise ApiError(400, "INVALID_QUANTITY", f"Quantity is above the maximum of {market.max_quantity}")


def build_order(payload: Any, market: Market, account: str, order_id: str, created_ms: int) -> Order:
    if not isinstance(payload, dict):
        raise bad_request("Invalid order payload: expected a JSON object")
    trigger = parse_trigger(payload, market)  # trigger orders are sized by triggerQuantity (triggers.py)
    legs = parse_legs(payload, market)
    side = _enum(payload, "side", SIDES)
    order_type = _enum(payload, "orderType", ORDER_TYPES)
    time_in_force = _enum(payload, "timeInForce", TIME_IN_FORCE, "GTC")
    stp = _enum(payload, "selfTradePrevention", STP_MODES, "RejectTaker")
    quantity = _positive(payload, "quantity") if trigger is None else trigger.quantity
    quote_quantity = _positive(payload, "quoteQuantity")
    price = _positive(payload, "price")
    post_only = bool(parse_bool(payload, "postOnly"))
    reduce_only = parse_bool(payload, "reduceOnly")
    client_id = parse_client_id(payload.get("clientId"))
    auto_lend_redeem = bool(parse_bool(payload, "autoLendRedeem"))
    for flag in ("autoLend", "autoBorrowRepay"):
        parse_bool(payload, flag)  # valid, no effect here: the emulator has no interest or repayment model
    if parse_bool(payload, "autoBorrow"):
        raise ApiError(400, "NOT_IMPLEMENTED", "Borrowing by orders (autoBorrow) is not supported by the emulator")
    if order_type == "Limit":
        if (quantity is None and trigger is None) or price is None:
            raise bad_request("Limit orders must specify a `price` and a `quantity`")
        if quote_quantity is not None:
            raise bad_request("`quoteQuantity` is only valid on market orders")
        if not is_multiple(price, market.tick_size):
            raise bad_request("Price decimal too long")
    else:
        if trigger is None and (quantity is None) == (quote_quantity is None):
            raise bad_request("Market orders must specify a `quantity` or `quoteQuantity`")
        price = None
        post_only = False  # a market order never rests, whatever its time in force says
    if quantity is not None:
        _check_quantity(quantity, market)
    tolerance, tolerance_type = parse_tolerance(payload, order_type)
    order = Order(id=order_id, account=account, symbol=market.symbol, side=side, order_type=order_type,
                  time_in_force=time_in_force, quantity=None if trigger else quantity, price=price,
                  quote_quantity=quote_quantity, client_id=client_id, post_only=post_only,
                  reduce_only=reduce_only if market.is_perp else None,
                  auto_lend_redeem=auto_lend_redeem and not market.is_perp,
                  self_trade_prevention=stp, created_ms=created_ms, slippage_tolerance=tolerance,
                  slippage_tolerance_type=tolerance_type)
    order.trigger, order.legs = trigger, legs or None
    return order


def order_selector(params: Dict[str, Any]) -> tuple:
    """(orderId, clientId) of a query/cancel request: exactly one of them must be given."""
    order_id, client_id = params.get("orderId"), params.get("clientId")
    if (order_id is None) == (client_id is None):
        raise bad_request("Must specify either `clientId` or `orderId`")
    return (str(order_id) if order_id is not None else None), parse_client_id(client_id)
