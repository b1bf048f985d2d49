"""What must hold after every scenario, checked against the emulator's own state:

- every order the emulator knows for the account is tracked by the connector in the same state
  (resting: tracked with the same exchange id, state and executed amount; finished: exactly one
  completion / cancel event), and the connector tracks no live order the emulator does not have. An order
  the connector failed as presumed never executed (its create got no clear answer, `BackpackOrderNeverExecuted`)
  that the exchange executed late all the same has that failure as its one final event (Hummingbot has no event
  for "failed, then found", as for its lost orders): it must be finished on the emulator (the connector cancels
  it) and its fills emitted like any other;
- no order is duplicated (one emulator order per client id, one created / final event per order);
- every fill is emitted exactly once (OrderFilledEvent per trade id) with the emulator's price/amount;
- balances (and perp positions) equal the emulator's ledger.

The connectors reconcile by themselves (streams + status polls), so the check waits for convergence
and only then counts. Counts go into the scenario's `ScenarioStats`.
"""
from collections import Counter
from decimal import Decimal
from typing import Dict, List, Tuple

from hummingbot.connector.exchange_py_base import ExchangePyBase
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.reliability.report import ScenarioStats
from test.reliability.venue import Venue, wait_for

LIVE_STATUSES = {"New": OrderState.OPEN, "PartiallyFilled": OrderState.PARTIALLY_FILLED,
                 "TriggerPending": OrderState.OPEN}  # a trigger order waiting for its price is an open order
FAILED_STATUSES = ("TriggerFailed",)
FINAL_EVENTS = {"Filled": (MarketEvent.BuyOrderCompleted, MarketEvent.SellOrderCompleted),
                "Cancelled": (MarketEvent.OrderCancelled, MarketEvent.OrderExpired),
                "Expired": (MarketEvent.OrderCancelled, MarketEvent.OrderExpired)}
CREATED_EVENTS = (MarketEvent.BuyOrderCreated, MarketEvent.SellOrderCreated)
LIVE_HB_STATES = (OrderState.PENDING_CREATE, OrderState.OPEN, OrderState.PARTIALLY_FILLED,
                  OrderState.PENDING_CANCEL)
CONVERGE_S = 12.0
PRESUMED_NEVER_EXECUTED = "BackpackOrderNeverExecuted"  # the failure's error_type (backpack_presumed_failed)


def _is_perp(connector: ExchangePyBase) -> bool:
    return connector.name.endswith("perpetual")


def _problems(venue: Venue, connector: ExchangePyBase) -> Dict[str, List[str]]:
    """Problems by counter ("lost", "duplicated", "mismatches"); empty lists when all is well."""
    found: Dict[str, List[str]] = {"lost": [], "duplicated": [], "mismatches": []}
    perp = _is_perp(connector)
    # Orders without clientId were placed outside the bot (manual orders), and other bots' orders are theirs: not
    # the connector's to track, except the take profit / stop loss legs the exchange created for an order of the
    # bot (tracked as tp-/sl-<id>).
    orders = [o for o in venue.emulator_orders() if o.symbol.endswith("_PERP") == perp and o.client_id is not None
              and o.id not in venue.other_bots_orders]
    keyed = [(str(o.client_id), o) for o in orders] + _bot_legs(venue, perp)
    events = venue.events[connector.name]
    tracked = connector.in_flight_orders

    for client_id, count in Counter(o.client_id for o in orders).items():
        if count > 1:
            found["duplicated"].append(f"{count} emulator orders with clientId {client_id}")
    created = Counter(e.order_id for e in events.of(*CREATED_EVENTS))
    finals = Counter(e.order_id for e in events.of(*{t for ts in FINAL_EVENTS.values() for t in ts},
                                                   MarketEvent.OrderFailure))
    for order_id, count in list(created.items()) + list(finals.items()):
        if count > 1:
            found["duplicated"].append(f"{count} events of the same kind for order {order_id}")

    for order_id, order in keyed:
        mine = tracked.get(order_id)
        if order.status in LIVE_STATUSES:
            if mine is None:
                found["lost"].append(f"resting order {order_id} ({order.status}) is not tracked")
            elif (mine.current_state, mine.exchange_order_id, mine.executed_amount_base) != (
                    LIVE_STATUSES[order.status], order.id, order.executed_quantity):
                found["lost"].append(f"order {order_id}: connector {mine.current_state.name} "
                                     f"{mine.exchange_order_id} {mine.executed_amount_base}, emulator "
                                     f"{order.status} {order.id} {order.executed_quantity}")
        else:
            # A reduce-only order expired with nothing to reduce is reported as failed (README, perp connector).
            failed = order.status in FAILED_STATUSES or order.expiry_reason == "ReduceOnlyNotReduced"
            final = (MarketEvent.OrderFailure,) if failed else FINAL_EVENTS[order.status]
            ended = [e for e in events.of(*final) if e.order_id == order_id] or \
                [e for e in events.of(MarketEvent.OrderFailure)
                 if e.order_id == order_id and e.error_type == PRESUMED_NEVER_EXECUTED]
            if (mine is not None and not mine.is_done) or not ended:
                found["lost"].append(f"order {order_id} is {order.status} on the emulator, connector: "
                                     f"{mine.current_state.name if mine else 'no final event'}")
    known = {key for key, _ in keyed}
    for order_id, mine in tracked.items():
        if mine.current_state in LIVE_HB_STATES and order_id not in known:
            found["lost"].append(f"phantom order {order_id} ({mine.current_state.name}) unknown to the emulator")

    _check_fills(venue, connector, events.of(MarketEvent.OrderFilled), found)
    _check_ledger(venue, connector, found)
    return found


def _bot_legs(venue: Venue, perp: bool) -> List[Tuple[str, object]]:
    """(tp-/sl-<entry client id>, leg) of every take profit / stop loss leg of an order of the bot."""
    orders = {o.id: o for o in venue.emulator_orders()}
    legs = []
    for order in venue.emulator_orders():
        entry = orders.get(order.related_order_id) if order.related_order_id else None
        if entry is None or entry.client_id is None or order.symbol.endswith("_PERP") != perp:
            continue
        take_profit = (entry.legs or {}).get("takeProfit")
        prefix = "tp" if take_profit is not None and take_profit.trigger_price == order.trigger.price else "sl"
        legs.append((f"{prefix}-{entry.client_id}", order))
    return legs


def _check_fills(venue: Venue, connector: ExchangePyBase, filled: list, found: Dict[str, List[str]]):
    perp = _is_perp(connector)
    expected: Dict[str, Tuple[Decimal, Decimal]] = {
        str(f["tradeId"]): (Decimal(f["price"]), Decimal(f["quantity"]))
        for f in venue.emulator_fills() if f["symbol"].endswith("_PERP") == perp}
    emitted = Counter(str(e.exchange_trade_id) for e in filled)
    for trade_id, count in emitted.items():
        if count > 1:
            found["duplicated"].append(f"trade {trade_id} emitted {count} times")
        if trade_id not in expected:
            found["duplicated"].append(f"trade {trade_id} emitted but unknown to the emulator")
    for trade_id, (price, quantity) in expected.items():
        events = [e for e in filled if str(e.exchange_trade_id) == trade_id]
        if not events:
            found["lost"].append(f"trade {trade_id} never emitted")
        elif (events[0].price, events[0].amount) != (price, quantity):
            found["mismatches"].append(f"trade {trade_id}: {events[0].amount}@{events[0].price}, "
                                       f"emulator {quantity}@{price}")


def _check_ledger(venue: Venue, connector: ExchangePyBase, found: Dict[str, List[str]]):
    ex, key = venue.server.exchange, venue.api_key
    if not _is_perp(connector):
        for asset in ex.ledger.assets(key):
            want = (ex.ledger.total(key, asset), ex.ledger.available(key, asset))
            have = (connector.get_balance(asset), connector.get_available_balance(asset))
            if want != have:
                found["mismatches"].append(f"{asset} balance total/available {have}, ledger {want}")
        return
    summary = ex.settlement.margin_summary(key)
    # The account's USDC too unless a spot connector of the key runs in the process (backpack_perpetual_balances).
    assets = ex.ledger.total(key, "USDC") if connector.reports_account_assets else 0
    want = (assets + summary["pnlUnrealized"], summary["netEquityAvailable"])
    have = (connector.get_balance("USDC"), connector.get_available_balance("USDC"))
    if want != have:
        found["mismatches"].append(f"perp USDC total/available {have}, emulator {want}")
    positions = {p.symbol: p.net_quantity for p in ex.open_positions(key)}
    held = {f"{p.trading_pair.replace('-', '_')}_PERP": p.amount for p in connector.account_positions.values()}
    if positions != held:
        found["mismatches"].append(f"positions {held}, emulator {positions}")


async def assert_consistent(test, venue: Venue, stats: ScenarioStats, timeout: float = CONVERGE_S):
    """Waits for every connector to agree with the emulator, fills in the counters and asserts zeros."""
    problems: Dict[str, List[str]] = {}

    def converged() -> bool:
        nonlocal problems
        problems = {"lost": [], "duplicated": [], "mismatches": []}
        for connector in venue.connectors:
            for counter, items in _problems(venue, connector).items():
                problems[counter] += [f"{connector.name}: {item}" for item in items]
        return not any(problems.values())

    try:
        await wait_for(converged, "the connectors to agree with the emulator", timeout=timeout, step=0.1)
    except AssertionError:
        pass  # counted and reported below
    stats.orders = len(venue.emulator_orders())
    stats.fills = len(venue.emulator_fills())
    stats.lost = len(problems["lost"])
    stats.duplicated = len(problems["duplicated"])
    stats.mismatches = len(problems["mismatches"])
    test.assertEqual({"lost": [], "duplicated": [], "mismatches": []}, problems)
