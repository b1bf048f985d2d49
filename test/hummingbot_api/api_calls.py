"""What hummingbot-api does with a connector, as plain functions, so tests drive OUR connectors its way.

hummingbot-api (github.com/hummingbot/hummingbot-api, read at commit ee7ce5cf7d81, June 2026) runs trading
connectors inside its own process, without Hummingbot's clock or `start_network`. Each function below names
the file and function of the API whose calls it makes, in the same order and with the same arguments; the
code is ours (the API is not a dependency: it needs FastAPI, a database and Docker).
"""
import asyncio
import inspect
import math
import time
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional

from hummingbot.client.config.config_helpers import get_connector_class
from hummingbot.client.settings import AllConnectorSettings
from hummingbot.connector.perpetual_derivative_py_base import PerpetualDerivativePyBase
from hummingbot.core.data_type.common import OrderType, PositionAction, PositionMode, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from hummingbot.core.utils.async_utils import safe_ensure_future
from test.waiting import wait_for

API_REPOSITORY = "hummingbot/hummingbot-api"
# The API's terminal states (services/unified_connector_service.py, reconcile_active_orders).
TERMINAL_STATES = {OrderState.FILLED, OrderState.CANCELED, OrderState.FAILED, OrderState.COMPLETED}
NETWORK_TASKS = ("_trading_rules_polling_task", "_trading_fees_polling_task", "_status_polling_task",
                 "_user_stream_tracker_task", "_user_stream_event_listener_task", "_lost_orders_update_task")


def create_trading_connector(connector_name: str, api_keys: Dict[str, str]):
    """services/unified_connector_service.py `_create_trading_connector`: the registry's init parameters
    with no trading pair, trading required, the account's keys; the class from the registry."""
    setting = AllConnectorSettings.get_connector_settings()[connector_name]
    params = setting.conn_init_parameters(trading_pairs=[], trading_required=True, api_keys=api_keys)
    return get_connector_class(connector_name)(**params)


async def initialize_trading_connector(connector) -> None:
    """services/unified_connector_service.py `_create_and_initialize_trading_connector`, without the database
    (no orders to load): symbol map, rules and balances; for perps HEDGE when supported, then positions;
    the network tasks; an order status update only when orders are tracked."""
    await connector._initialize_trading_pair_symbol_map()
    await connector._update_trading_rules()
    await connector._update_balances()
    if isinstance(connector, PerpetualDerivativePyBase):
        if PositionMode.HEDGE in connector.supported_position_modes():
            connector.set_position_mode(PositionMode.HEDGE)
        await connector._update_positions()
    start_connector_network(connector)
    if connector.in_flight_orders:
        connector._set_current_timestamp(time.time())
        await connector._update_order_status()


def start_connector_network(connector) -> None:
    """services/unified_connector_service.py `_start_connector_network`: the polling loops, the user stream
    tracker, its event listener and the lost-orders loop, one by one. No status polling task, no order book
    tracker (started by the first pair added), no `start_network`."""
    connector._trading_rules_polling_task = safe_ensure_future(connector._trading_rules_polling_loop())
    connector._trading_fees_polling_task = safe_ensure_future(connector._trading_fees_polling_loop())
    connector._user_stream_tracker_task = connector._create_user_stream_tracker_task()
    connector._user_stream_event_listener_task = safe_ensure_future(connector._user_stream_event_listener())
    connector._lost_orders_update_task = safe_ensure_future(connector._lost_orders_update_polling_loop())


async def stop_connector_network(connector) -> None:
    """services/unified_connector_service.py `_stop_connector_network`: cancel the tasks, stop the order book
    tracker, then `stop_network()`."""
    for name in NETWORK_TASKS:
        task = getattr(connector, name, None)
        if task:
            task.cancel()
            setattr(connector, name, None)
    connector.order_book_tracker.stop()
    await connector.stop_network()


async def add_trading_pair(connector, trading_pair: str, timeout: float = 30.0) -> bool:
    """services/unified_connector_service.py `_add_trading_pair_to_tracker`, then `_wait_for_order_book`, then
    services/trading_service.py `_register_trading_pair_with_connector` and a balance update (`add_market`).

    The first pair starts the tracker (registered in the tracker's list first); later pairs go through the
    connector's `add_trading_pair`."""
    tracker = connector.order_book_tracker
    running = any(task is not None and not task.done()
                  for task in (tracker._order_book_stream_listener_task, tracker._init_order_books_task))
    if running and tracker.ready:
        if trading_pair not in tracker.order_books and not await connector.add_trading_pair(trading_pair):
            return False
    else:
        if trading_pair not in tracker._trading_pairs:
            tracker._trading_pairs.append(trading_pair)
        tracker.start()
        await asyncio.wait_for(tracker.wait_ready(), timeout)
    await wait_for(lambda: _book_has_both_sides(tracker, trading_pair), f"the {trading_pair} book", timeout)
    if trading_pair not in connector._trading_pairs:
        connector._trading_pairs.append(trading_pair)
    await connector._update_balances()
    return True


def _book_has_both_sides(tracker, trading_pair: str) -> bool:
    book = tracker.order_books.get(trading_pair)
    if book is None:
        return False
    bids, asks = book.snapshot
    return len(bids) > 0 and len(asks) > 0


async def refresh_connector_state(connector) -> None:
    """services/unified_connector_service.py `_update_connector_state` (the periodic refresh): the timestamp,
    balances, positions for perps, then order status when orders are tracked."""
    connector._set_current_timestamp(time.time())
    await connector._update_balances()
    if isinstance(connector, PerpetualDerivativePyBase):
        await connector._update_positions()
    if connector.in_flight_orders:
        await connector._update_order_status()


def place_trade(connector, trading_pair: str, trade_type: TradeType, amount: Decimal, order_type: OrderType,
                price: Optional[Decimal], position_action: PositionAction = PositionAction.OPEN) -> str:
    """services/accounts_service.py `place_trade`: quantized amount, `position_action` passed to spot too,
    a market order's price defaulting to 1."""
    amount = connector.quantize_order_amount(trading_pair, amount)
    send = connector.buy if trade_type == TradeType.BUY else connector.sell
    return send(trading_pair=trading_pair, amount=amount, order_type=order_type, price=price or Decimal("1"),
                position_action=position_action)


def cancel_order(connector, client_order_id: str) -> str:
    """services/accounts_service.py `cancel_order`: the API does not know the pair and passes "NA"."""
    return connector.cancel(trading_pair="NA", client_order_id=client_order_id)


def active_order_view(order: InFlightOrder) -> Dict[str, Any]:
    """routers/trading.py `_standardize_in_flight_order_response`: the fields whose conversion can fail."""
    return {
        "order_id": order.client_order_id,
        "created_at": datetime.fromtimestamp(order.creation_timestamp, tz=timezone.utc).isoformat(),
        "updated_at": datetime.fromtimestamp(getattr(order, "last_update_timestamp", order.creation_timestamp),
                                             tz=timezone.utc).isoformat(),
        "amount": float(order.amount),
        "price": float(order.price) if order.price and not math.isnan(float(order.price)) else None,
        "exchange_order_id": order.exchange_order_id,
    }


def order_from_database(client_order_id: str, trading_pair: str, status: str, amount: Decimal,
                        price: Optional[Decimal], exchange_order_id: Optional[str], created_at: float,
                        trade_type: TradeType = TradeType.BUY) -> InFlightOrder:
    """services/unified_connector_service.py `_convert_db_order_to_in_flight`: the API's saved order, rebuilt
    as a plain InFlightOrder (also for perps) with leverage 1 and no position action."""
    state = {"SUBMITTED": OrderState.PENDING_CREATE, "OPEN": OrderState.OPEN,
             "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED}.get(status, OrderState.PENDING_CREATE)
    order = InFlightOrder(client_order_id=client_order_id, trading_pair=trading_pair, order_type=OrderType.LIMIT,
                          trade_type=trade_type, amount=amount, creation_timestamp=created_at, price=price,
                          exchange_order_id=exchange_order_id, initial_state=state, leverage=1,
                          position=PositionAction.NIL)
    order.current_state = state
    return order


async def reconcile_active_orders(connector) -> Dict[str, Any]:
    """services/unified_connector_service.py `reconcile_active_orders`, without the database: every tracked
    order asked with `_request_order_status`; not found -> CANCELLED; other errors leave it untouched;
    terminal orders are dropped from `in_flight_orders`. Returns the state it would save per order."""
    saved: Dict[str, Any] = {}
    for order in list(connector.in_flight_orders.values()):
        try:
            new_state = (await connector._request_order_status(order)).new_state
        except Exception as error:
            if not connector._is_order_not_found_during_status_update_error(error):
                saved[order.client_order_id] = "unverified"
                continue
            new_state = OrderState.CANCELED
        saved[order.client_order_id] = new_state
        if new_state in TERMINAL_STATES:
            connector.in_flight_orders.pop(order.client_order_id, None)
    return saved


async def tokens_info(connector, connector_name: str, rate: Callable[[str], Optional[Decimal]],
                      default_quote: str = "USDC") -> List[Dict[str, Any]]:
    """services/accounts_service.py `_get_connector_tokens_info` (after `_update_balances`): every non-zero
    total of `get_all_balances()`, priced 1 when "USD" is in the token, else by the rate oracle, else by the
    connector's last traded price of `<token>-<default quote>` (backpack and backpack_perpetual: USDC)."""
    rows = []
    for token, units in connector.get_all_balances().items():
        if units == Decimal("0"):
            continue
        if "USD" in token:
            price = Decimal("1")
        else:
            price = rate(token)
            if not price or price <= 0:
                price = Decimal(str(await connector._get_last_traded_price(trading_pair=f"{token}-{default_quote}")))
        rows.append({"token": token, "units": units, "price": price, "value": price * units,
                     "available_units": connector.get_available_balance(token)})
    return rows


async def portfolio_value(connectors: Dict[str, Any], rate: Callable[[str], Optional[Decimal]]) -> Decimal:
    """services/accounts_service.py `update_account_state_loop` + `get_portfolio_value` (in-memory): each
    connector of the account refreshed (`refresh_connector_state`), its tokens valued, the values summed."""
    await asyncio.gather(*(refresh_connector_state(connector) for connector in connectors.values()))
    total = Decimal("0")
    for name, connector in connectors.items():
        total += sum((row["value"] for row in await tokens_info(connector, name, rate)), Decimal("0"))
    return total


async def account_positions(connector) -> List[Dict[str, Any]]:
    """services/perpetual_trading_service.py `get_account_positions`."""
    await connector._update_positions()
    rows = []
    for position in connector.account_positions.values():
        row = {"trading_pair": position.trading_pair, "side": position.position_side.name,
               "amount": float(position.amount), "entry_price": float(position.entry_price),
               "unrealized_pnl": float(position.unrealized_pnl), "leverage": float(position.leverage)}
        if row["amount"] != 0:
            rows.append(row)
    return rows


async def set_position_mode(connector, mode: PositionMode) -> Dict[str, str]:
    """services/perpetual_trading_service.py `set_position_mode`: refused (HTTP 400) unless supported."""
    if mode not in connector.supported_position_modes():
        return {"status": "refused", "supported": [m.value for m in connector.supported_position_modes()]}
    result = connector.set_position_mode(mode)
    if asyncio.iscoroutine(result):
        await result
    return {"status": "success", "position_mode": connector.position_mode.value}


class TradingInterface:
    """services/trading_service.py `AccountTradingInterface`: the `strategy` of executors the API runs in its own
    process. Its time is set by the executor service's control loop (`update_timestamp`, every second); orders
    go straight to the account's connectors."""

    def __init__(self, connectors: Dict[str, Any]):
        self._connectors = connectors
        self.markets: Dict[str, set] = {}
        self._current_timestamp = time.time()

    @property
    def connectors(self) -> Dict[str, Any]:
        return self._connectors

    @property
    def current_timestamp(self) -> float:
        return self._current_timestamp

    def update_timestamp(self) -> None:
        self._current_timestamp = time.time()

    def buy(self, connector_name, trading_pair, amount, order_type, price=Decimal("NaN"),
            position_action=PositionAction.NIL) -> str:
        return self._connectors[connector_name].buy(trading_pair=trading_pair, amount=amount, order_type=order_type,
                                                    price=price, position_action=position_action)

    def sell(self, connector_name, trading_pair, amount, order_type, price=Decimal("NaN"),
             position_action=PositionAction.NIL) -> str:
        return self._connectors[connector_name].sell(trading_pair=trading_pair, amount=amount, order_type=order_type,
                                                     price=price, position_action=position_action)

    def cancel(self, connector_name, trading_pair, order_id) -> str:
        return self._connectors[connector_name].cancel(trading_pair=trading_pair, client_order_id=order_id)

    def get_active_orders(self, connector_name) -> List[InFlightOrder]:
        return list(self._connectors[connector_name].in_flight_orders.values())


async def executor_control_loop(interface: TradingInterface, update_interval: float = 1.0) -> None:
    """services/executor_service.py `_control_loop`: the interface's time, every `update_interval` seconds."""
    while True:
        interface.update_timestamp()
        await asyncio.sleep(update_interval)


def create_rate_source(source_class: type):
    """routers/rate_oracle.py `create_rate_source`: the constructor's signature read with `inspect`; every
    parameter without a default gets "" for str, {} / [] for dicts / lists, else None."""
    kwargs = {}
    for name, parameter in inspect.signature(source_class.__init__).parameters.items():
        if name == "self" or parameter.default is not inspect.Parameter.empty:
            continue
        annotation = parameter.annotation
        kwargs[name] = "" if annotation in (str, "str") else {} if annotation in (dict, "dict") \
            else [] if annotation in (list, "list") else None
    return source_class(**kwargs)
