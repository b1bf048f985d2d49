"""Market states at run time (spot and perp): Backpack's `orderBookState` of each market.

`GET /api/v1/markets` carries `orderBookState` (`Open`, `PostOnly`, `LimitOnly`, `CancelOnly`, `Closed`, official
OpenAPI `OrderBookState`); it changes while a bot runs (market sessions of equity and RWA markets, maintenance,
listings). The connector keeps every visible market of its type whatever the state (a pair that closes stays
known: its orders, fills and cancels go on) and:
- re-reads the markets every MARKET_STATES_INTERVAL_S (Hummingbot's trading-rules loop, one request for every
  market), so the trading rules follow the state: `supports_market_orders` / `supports_limit_orders`;
- refuses, before anything is sent, an order the state forbids: none in `Closed` / `CancelOnly`, no MARKET order
  in `LimitOnly` / `PostOnly`, no IOC/FOK (they can only take) in `PostOnly`; cancels are always sent;
- is not `ready` while one of its trading pairs is `Closed` / `CancelOnly` (status entry `trading_pairs_open`),
  so a strategy does not start trading a closed market; `market_state(pair)` and `is_trading_open(pair)` tell
  a running strategy per pair;
- logs each change once: a warning when a pair stops taking some orders, an info line when it is Open again.
`GET /api/v1/market-sessions` (sessions by name and time of day) is not read: it names no market, and the
state in `/api/v1/markets` is what the exchange enforces.
"""
from typing import Any, Dict, Iterable, List, Optional

from hummingbot.connector.trading_rule import TradingRule
from hummingbot.connector.utils import combine_to_hb_trading_pair
from hummingbot.core.data_type.common import OrderType

OPEN = "Open"
POST_ONLY = "PostOnly"
LIMIT_ONLY = "LimitOnly"
CANCEL_ONLY = "CancelOnly"
CLOSED = "Closed"
NO_NEW_ORDERS = (CANCEL_ONLY, CLOSED)
NO_MARKET_ORDERS = (LIMIT_ONLY, POST_ONLY)
KNOWN_STATES = (OPEN, POST_ONLY, LIMIT_ONLY, CANCEL_ONLY, CLOSED)
TAKING_TIME_IN_FORCES = ("IOC", "FOK")


def state_error(trading_pair: str, state: str, order_type: OrderType, time_in_force: Any = None) -> Optional[str]:
    """Why the market's state forbids the order (None when it may go)."""
    suffix = "The order will not be created."
    if state not in KNOWN_STATES:
        return f"{trading_pair} is in an unknown state {state!r} on Backpack: no new orders. {suffix}"
    if state in NO_NEW_ORDERS:
        return f"{trading_pair} is {state} on Backpack: it takes no new orders (cancels only). {suffix}"
    if state in NO_MARKET_ORDERS and order_type == OrderType.MARKET:
        return f"{trading_pair} is {state} on Backpack: market orders are not accepted, use limit orders. {suffix}"
    if state == POST_ONLY and time_in_force is not None and str(time_in_force).upper() in TAKING_TIME_IN_FORCES:
        return (f"{trading_pair} is PostOnly on Backpack: an {str(time_in_force).upper()} order could only take "
                f"liquidity. {suffix}")
    return None


class BackpackMarketStatesMixin:
    MARKET_STATES_INTERVAL_S = 30.0
    TRADING_RULES_INTERVAL = MARKET_STATES_INTERVAL_S  # Hummingbot's loop (its default: 30 minutes)
    _market_states: Optional[Dict[str, str]] = None  # trading pair -> orderBookState

    def market_state(self, trading_pair: str) -> Optional[str]:
        """Backpack's `orderBookState` of the pair (None until the markets were read)."""
        return (self._market_states or {}).get(trading_pair)

    def is_trading_open(self, trading_pair: str) -> bool:
        """Whether the pair takes new orders (limit orders at least): not Closed, CancelOnly or unknown."""
        state = self.market_state(trading_pair)
        return state is not None and state in KNOWN_STATES and state not in NO_NEW_ORDERS

    @property
    def status_dict(self) -> Dict[str, bool]:
        status = super().status_dict
        status["trading_pairs_open"] = not self.is_trading_required or all(
            self.market_state(pair) is None or self.is_trading_open(pair) for pair in self.trading_pairs)
        return status

    def _validation_error(self, trading_pair: str, order_type: OrderType, price: Any,
                          amount: Any = None, **kwargs) -> Optional[str]:
        state = self.market_state(trading_pair)
        if state is not None and trading_pair in self._trading_rules:
            problem = state_error(trading_pair, state, order_type, kwargs.get("time_in_force"))
            if problem is not None:
                return problem
        return super()._validation_error(trading_pair, order_type, price, amount, **kwargs)

    def _rules_with_market_states(self, exchange_info: Any, rules: List[TradingRule]) -> List[TradingRule]:
        """The trading rules of one `/api/v1/markets` answer, with what each market's state allows."""
        states = {combine_to_hb_trading_pair(m["baseSymbol"], m["quoteSymbol"]): str(m.get("orderBookState", OPEN))
                  for m in self._markets(exchange_info)}
        for rule in rules:
            state = states.get(rule.trading_pair, OPEN)
            rule.supports_limit_orders = state in KNOWN_STATES and state not in NO_NEW_ORDERS
            rule.supports_market_orders = state == OPEN
        self._record_market_states(states)
        return rules

    def _record_market_states(self, states: Dict[str, str]):
        previous = self._market_states or {}
        for pair in self._watched_pairs(states):
            state, before = states[pair], previous.get(pair)
            if state == before or (before is None and state == OPEN):
                continue
            if state == OPEN:
                self.logger().info(f"{pair} is Open again on Backpack: every order type is accepted.")
            else:
                what = {POST_ONLY: "only post-only (maker) limit orders rest; market and IOC/FOK orders are refused",
                        LIMIT_ONLY: "limit orders only; market orders are refused",
                        CANCEL_ONLY: "no new orders, cancels only", CLOSED: "no new orders, cancels only"}
                self.logger().warning(f"{pair} is {state} on Backpack: {what.get(state, 'no new orders')}.")
        self._market_states = states

    def _watched_pairs(self, states: Dict[str, str]) -> Iterable[str]:
        pairs = self.trading_pairs or list(states)
        return [pair for pair in pairs if pair in states]
