"""Property test over thousands of seeded random orders (in-process, every event recorded):
value conserved including fees and funding, nothing negative, locks match open orders, books never
crossed, every fill reported exactly once in REST fill history and once on the private stream,
and the depth stream rebuilds each book exactly."""
import random
import unittest
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any, Dict, List, Tuple

from backpack_emulator import account_views
from backpack_emulator.errors import ApiError
from backpack_emulator.exchange import Exchange

ACCOUNTS = [f"acct{i}" for i in range(5)]
START = {"USDC": Decimal("2000000"), "SOL": Decimal("5000"), "BTC": Decimal("20")}
ORDERS = 5000


class RecordingSink:
    def __init__(self) -> None:
        self.public: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
        self.private: List[Tuple[str, str, Dict[str, Any]]] = []

    def wants(self, stream: str) -> bool:
        return True

    def wants_private(self, account: str) -> bool:
        return True

    def publish(self, stream: str, data: Dict[str, Any]) -> None:
        self.public[stream].append(data)

    def publish_private(self, account: str, stream: str, symbol: str, data: Dict[str, Any]) -> None:
        self.private.append((account, stream, data))


def random_payload(rng: random.Random, exchange: Exchange) -> Dict[str, Any]:
    symbol = rng.choice(list(exchange.markets))
    market = exchange.markets[symbol]
    center = market.initial_price
    offset_ticks = rng.randint(-40, 40) * (1 if symbol.startswith("SOL") else 50)
    price = center + offset_ticks * market.tick_size
    quantity = rng.randint(1, 300) * (market.step_size if symbol.startswith("SOL") else market.step_size * 10)
    payload: Dict[str, Any] = {"symbol": symbol, "side": rng.choice(("Bid", "Ask")),
                               "selfTradePrevention": rng.choice(("RejectTaker", "RejectMaker", "RejectBoth", "Allow"))}
    kind = rng.random()
    if kind < 0.15:
        payload.update(orderType="Market", quantity=str(quantity))
    elif kind < 0.2 and not market.is_perp:
        payload.update(orderType="Market", quoteQuantity=str((quantity * price).quantize(Decimal("0.01"))))
    else:
        payload.update(orderType="Limit", price=str(price), quantity=str(quantity),
                       timeInForce=rng.choice(("GTC", "GTC", "GTC", "IOC", "FOK")), postOnly=rng.random() < 0.1)
    if market.is_perp and rng.random() < 0.2:
        payload["reduceOnly"] = True
    if rng.random() < 0.3:
        payload["clientId"] = rng.randint(0, 50)
    return payload


class ExchangePropertyTest(unittest.TestCase):
    def test_random_order_flow_keeps_every_invariant(self):
        for seed in (1, 2, 3):
            with self.subTest(seed=seed):
                self.run_flow(seed)

    def run_flow(self, seed: int) -> None:
        rng = random.Random(seed)
        exchange = Exchange()
        sink = RecordingSink()
        exchange.sink = sink
        for account in ACCOUNTS:
            exchange.add_account(account, START)
        accepted = rejected = 0
        for step in range(ORDERS):
            account = rng.choice(ACCOUNTS)
            action = rng.random()
            try:
                if action < 0.85:
                    exchange.execute_order(account, random_payload(rng, exchange))
                    accepted += 1
                elif action < 0.97:
                    mine = [o for o in exchange.open_orders.values() if o.account == account]
                    if mine:
                        order = rng.choice(mine)
                        exchange.cancel_order(account, order.symbol, order.id, None)
                else:
                    exchange.cancel_all(account, rng.choice(list(exchange.markets)))
            except ApiError:
                rejected += 1
            if step % 200 == 0:
                exchange.refresh_marks()
                exchange.next_funding_ms = {"SOL_USDC_PERP": 0, "BTC_USDC_PERP": 0}  # funding is due now
                self.assertGreaterEqual(exchange.run_funding(), 0)
            self.check_books(exchange)
        self.assertGreater(accepted, ORDERS * 0.6)
        self.assertTrue(any(exchange.funding_history.values()), "no funding was paid")
        self.assertGreater(rejected, 0)
        self.check_ledger(exchange)
        self.check_fills_reported_once(exchange, sink)
        self.check_depth_stream(exchange, sink)

    def check_books(self, exchange: Exchange) -> None:
        for book in exchange.books.values():
            bid, ask = book.best_bid(), book.best_ask()
            if bid is not None and ask is not None:
                self.assertLess(bid, ask, f"{book.symbol} crossed")

    def check_ledger(self, exchange: Exchange) -> None:
        ledger = exchange.ledger
        for asset, start in START.items():
            total = ledger.grand_total(asset)
            if asset == "USDC":  # perp PnL not yet realised sits in the positions' cost basis
                total -= sum((p.net_cost for p in exchange.positions.values()), Decimal(0))
            self.assertEqual(start * len(ACCOUNTS), total, f"{asset} not conserved")
        fees = ledger.total("__fees__", "USDC") + ledger.total("__fees__", "SOL")
        self.assertGreater(fees, 0)
        reserved: Dict[Tuple[str, str], Decimal] = defaultdict(Decimal)
        for order in exchange.open_orders.values():
            market = exchange.markets[order.symbol]
            if not market.is_perp:
                reserved[(order.account, market.quote if order.is_bid else market.base)] += order.reserved
        for account in ledger.accounts():
            for asset in ledger.assets(account):
                self.assertGreaterEqual(ledger.available(account, asset), 0, (account, asset))
                self.assertEqual(reserved[(account, asset)], ledger.locked(account, asset), (account, asset))
        for symbol in exchange.markets:
            if exchange.markets[symbol].is_perp:
                net = sum((p.net_quantity for (a, s), p in exchange.positions.items() if s == symbol), Decimal(0))
                self.assertEqual(0, net)

    def check_fills_reported_once(self, exchange: Exchange, sink: RecordingSink) -> None:
        # Compared as numbers: the stream pads to the market's scales ("0.0010"), REST history trims ("0.001").
        on_ws = Counter((account, d["i"], d["t"], Decimal(d["l"]), Decimal(d["L"]), d["n"], d["N"])
                        for account, stream, d in sink.private if d["e"] == "orderFill")
        on_rest = Counter()
        for account in ACCOUNTS:
            for fill in account_views.fill_history(exchange, account, {"limit": 1000000}):
                on_rest[(account, fill["orderId"], fill["tradeId"], Decimal(fill["quantity"]), Decimal(fill["price"]),
                         fill["fee"], fill["feeSymbol"])] += 1
        self.assertGreater(len(on_rest), 100)
        self.assertEqual(on_rest, on_ws)
        self.assertEqual({1}, set(on_rest.values()))
        for symbol in exchange.markets:
            ids = [t["t"] for t in sink.public[f"trade.{symbol}"]]
            self.assertEqual(list(range(1, len(ids) + 1)), ids)

    def check_depth_stream(self, exchange: Exchange, sink: RecordingSink) -> None:
        for symbol, book in exchange.books.items():
            rebuilt: Dict[str, Dict[Decimal, Decimal]] = {"a": {}, "b": {}}
            previous = 0
            for diff in sink.public[f"depth.{symbol}"]:
                self.assertEqual(previous + 1, diff["U"])
                previous = diff["u"]
                for side in ("a", "b"):
                    for price, quantity in diff[side]:
                        if Decimal(quantity) == 0:
                            rebuilt[side].pop(Decimal(price), None)
                        else:
                            rebuilt[side][Decimal(price)] = Decimal(quantity)
            self.assertEqual(book.update_id, previous)
            self.assertEqual(dict(book.asks.snapshot(10**6)), rebuilt["a"])
            self.assertEqual(dict(book.bids.snapshot(10**6)), rebuilt["b"])


class BadInputFuzzTest(unittest.TestCase):
    """Arbitrary payloads: either a valid order or a clean ApiError that changed nothing."""

    def test_payloads_never_crash_and_rejections_change_nothing(self):
        from hypothesis import HealthCheck, given, settings, strategies as st

        values = st.one_of(st.none(), st.booleans(), st.integers(-10, 2**33), st.text(max_size=8),
                           st.sampled_from(["180", "0.01", "1e3", "NaN", "-1", "180.001", "0.5", "Infinity"]),
                           st.lists(st.integers(), max_size=2))
        keys = st.sampled_from(["symbol", "side", "orderType", "price", "quantity", "quoteQuantity", "timeInForce",
                                "postOnly", "reduceOnly", "clientId", "selfTradePrevention", "triggerPrice"])
        enums = st.fixed_dictionaries({}, optional={
            "symbol": st.sampled_from(["SOL_USDC", "SOL_USDC_PERP", "BTC_USDC", "X", 5]),
            "side": st.sampled_from(["Bid", "Ask", "bid"]), "orderType": st.sampled_from(["Limit", "Market", "Stop"])})
        payloads = st.builds(lambda base, extra: {**extra, **base}, enums, st.dictionaries(keys, values, max_size=6))

        exchange = Exchange()
        exchange.add_account("fuzz", {"USDC": "1000", "SOL": "5"})

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(payload=payloads)
        def check(payload):
            before = {a: (exchange.ledger.available("fuzz", a), exchange.ledger.locked("fuzz", a))
                      for a in ("USDC", "SOL")}
            history = len(exchange.order_history["fuzz"])
            try:
                order = exchange.execute_order("fuzz", payload)
            except ApiError as error:
                self.assertIn(error.status, (400,))
                after = {a: (exchange.ledger.available("fuzz", a), exchange.ledger.locked("fuzz", a))
                         for a in ("USDC", "SOL")}
                self.assertEqual(before, after)
                self.assertEqual(history, len(exchange.order_history["fuzz"]))
                return
            self.assertIn(order.status, ("New", "PartiallyFilled", "Filled", "Expired"))
            if order.is_open:
                exchange.cancel_order("fuzz", order.symbol, order.id, None)

        check()
