"""The ``account.orderUpdate`` payload of an order, in the live form (API reference §5.4, API_COVERAGE.md).

Captured live frames (the official Rust client's tests; ccxt.pro's comments) fix what is sent:
- decimals at the market's scales: ``q``/``l``/``z`` to the step's decimals (``"0.0010"``), ``p``/``L`` to
  the tick's (``"178.15"``), ``Z`` and a limit order's ``Q`` to both (``"4.299160"``, ``"3568.3445"``);
  ``z``/``Z`` are ``"0"`` until the order has traded;
- ``Q`` on a limit order (price x quantity), on a market order sized by quantity (its expected cost, tick
  decimals: ``"4.30"``) and on a quote-sized one (the quote quantity);
- ``y`` (post only) only when it is set; ``r`` always; ``c`` only when the order has a client id.
"""
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, Optional

from backpack_emulator.decimals import fmt
from backpack_emulator.markets import Market
from backpack_emulator.wire_scale import fixed, places

if TYPE_CHECKING:
    from backpack_emulator.orders import Order


def order_update_json(order: "Order", event: str, event_us: int, engine_us: int,
                      fill: Optional[Dict[str, Any]] = None, market: Optional[Market] = None) -> Dict[str, Any]:
    """Without ``market`` (tests building a frame by hand) decimals are trimmed."""
    price_places = places(market.tick_size) if market is not None else None
    quantity_places = places(market.step_size) if market is not None else None
    quote_places = price_places + quantity_places if market is not None else None

    def traded(value: Decimal, decimals: Optional[int]) -> str:
        return fixed(value, decimals) if value else "0"

    data: Dict[str, Any] = {
        "e": event,
        "E": event_us,
        "s": order.symbol,
        "i": order.id,
        "S": order.side,
        "o": order.order_type.upper(),
        "f": order.time_in_force,
        "X": order.status,
        "z": traded(order.executed_quantity, quantity_places),
        "Z": traded(order.executed_quote_quantity, quote_places),
        "V": order.self_trade_prevention,
        "T": engine_us,
        "O": "USER",
        "r": bool(order.reduce_only),
        # `q` is always there (a required field of the official OrderUpdate): "0" for a quote-sized order.
        "q": fixed(order.quantity, quantity_places) if order.quantity is not None else "0",
    }
    if order.post_only:
        data["y"] = True
    if order.client_id is not None:
        data["c"] = order.client_id
    if order.quote_quantity is not None:
        data["Q"] = fmt(order.quote_quantity)
    elif order.order_type == "Limit" and order.quantity is not None and order.price is not None:
        data["Q"] = fixed(order.quantity * order.price, quote_places)
    elif order.quote_estimate is not None:
        data["Q"] = fixed(order.quote_estimate, price_places)
    if order.price is not None:
        data["p"] = fixed(order.price, price_places)
    if event == "orderExpired" and order.expiry_reason:
        data["R"] = order.expiry_reason
    if fill is not None:
        data.update(fill)
    else:
        data["t"] = None
    return data
