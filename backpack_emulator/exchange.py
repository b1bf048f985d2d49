"""The exchange state and the order lifecycle: accounts, books, orders, fills, positions, events.

Everything here is synchronous and runs on the server's event loop, so each operation is atomic:
a REST snapshot always matches the depth sequence number it reports. The state object outlives a
server (``EmulatorServer(exchange=old.exchange)``), so orders survive a restart.
"""
from collections import defaultdict, deque
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, Deque, Dict, List, Optional, Set, Tuple

from backpack_emulator import funding_clock
from backpack_emulator.accounts import FEE_ACCOUNT, INSURANCE_ACCOUNT, AccountSettings
from backpack_emulator.book import OrderBook
from backpack_emulator.clock import Clock
from backpack_emulator.decimals import fmt
from backpack_emulator.errors import POST_ONLY_CROSS_MESSAGE, ApiError, bad_request, not_found
from backpack_emulator.events import EventSink, NullSink
from backpack_emulator.klines import KlineStore
from backpack_emulator.lending import Lending
from backpack_emulator.ledger import Ledger
from backpack_emulator.market_states import POST_ONLY_MODE, MarketStates
from backpack_emulator.markets import DEFAULT_MARKETS, FUNDING_INTERVAL_MS, Market, find_market
from backpack_emulator.matching import BUDGET_SPENT, fillable_quantity, fillable_quote, match, would_take
from backpack_emulator.order_request import build_order
from backpack_emulator.orders import Order
from backpack_emulator.perps import Position, reducible
from backpack_emulator.quote_estimate import market_order_quote
from backpack_emulator.settlement import Settlement
from backpack_emulator.slippage import stop_reason, worst_price
from backpack_emulator.triggers import PENDING, TriggerEngine
from backpack_emulator.wire_scale import price_text, quantity_text

DEPTH_AGGREGATIONS = ("200ms", "600ms", "1000ms")  # depth.<aggregation>.<symbol> streams
HISTORY_CAP = 100_000  # per account: orders and fills kept for the history endpoints
PUBLIC_TRADES_CAP = 1_000
TICKER_TRADES_CAP = 100_000


@lru_cache(maxsize=None)
def depth_streams(symbol: str) -> Tuple[str, ...]:
    """``depth.<symbol>`` and its aggregated variants; the emulator sends every diff on each of them
    (a valid aggregate: each diff still starts at the previous ``u`` + 1)."""
    return (f"depth.{symbol}", *(f"depth.{aggregation}.{symbol}" for aggregation in DEPTH_AGGREGATIONS))


class Exchange:
    def __init__(self, markets: Optional[Dict[str, Market]] = None, clock: Optional[Clock] = None,
                 funding_interval_ms: int = FUNDING_INTERVAL_MS, history_default_sort: str = "Desc") -> None:
        self.markets: Dict[str, Market] = dict(markets or DEFAULT_MARKETS)
        self.clock = clock or Clock()
        self.sink: EventSink = NullSink()
        self.ledger = Ledger()
        self.settings: Dict[str, AccountSettings] = {}
        self.books: Dict[str, OrderBook] = {s: OrderBook(s, m) for s, m in self.markets.items()}
        self.open_orders: Dict[str, Order] = {}
        self._by_client: Dict[Tuple[str, int], Order] = {}
        self.order_history: Dict[str, Deque[Order]] = defaultdict(lambda: deque(maxlen=HISTORY_CAP))
        self.fills: Dict[str, Deque[Tuple[int, Dict[str, Any]]]] = defaultdict(lambda: deque(maxlen=HISTORY_CAP))
        self.public_trades: Dict[str, Deque[Dict[str, Any]]] = {s: deque(maxlen=PUBLIC_TRADES_CAP) for s in self.markets}
        self.ticker_trades: Dict[str, Deque[Tuple[int, Decimal, Decimal]]] = {
            s: deque(maxlen=TICKER_TRADES_CAP) for s in self.markets}
        self.positions: Dict[Tuple[str, str], Position] = {}
        self.funding_history: Dict[str, Deque[Dict[str, Any]]] = defaultdict(lambda: deque(maxlen=HISTORY_CAP))
        self.funding_rate_history: Dict[str, Deque[Dict[str, Any]]] = {
            s: deque(maxlen=10_000) for s, m in self.markets.items() if m.is_perp}
        self.klines = KlineStore()
        self.price_klines = {"Mark": KlineStore(), "Index": KlineStore()}  # klines?priceType=Mark|Index
        self.unrecorded_accounts: Set[str] = set()  # internal traders: no order/fill history kept
        self.marks: Dict[str, Decimal] = {s: m.initial_price for s, m in self.markets.items()}
        self.indexes: Dict[str, Decimal] = dict(self.marks)
        self.funding_interval_ms = funding_interval_ms
        # Order of the history endpoints without `sortDirection`: undocumented by Backpack, so either.
        self.history_default_sort = history_default_sort
        self.next_funding_ms: Dict[str, int] = {}
        self._order_seq = 0
        self._trade_seq: Dict[str, int] = {s: 0 for s in self.markets}
        self._position_seq = 0
        self._user_seq = 0
        self.settlement = Settlement(self)
        self.lending = Lending(self)
        self.triggers = TriggerEngine(self)
        self.market_states = MarketStates()  # orderBookState per market, set through the admin API
        for internal in (FEE_ACCOUNT, INSURANCE_ACCOUNT):
            self.add_account(internal, {})

    # ----- accounts
    def add_account(self, api_key: str, balances: Dict[str, Any]) -> None:
        """Create the account if new, then credit each balance (decimal strings or numbers)."""
        if not self.ledger.has(api_key):
            self.ledger.open(api_key)
            self._user_seq += 1
            self.settings[api_key] = AccountSettings(user_id=1_000_000 + self._user_seq)
        for asset, amount in balances.items():
            value = Decimal(str(amount))
            if not value.is_finite() or value < 0:
                raise ValueError(f"starting balance for {asset} must be a finite amount >= 0")
            self.ledger.credit(api_key, asset, value)
        self.lending.sweep()

    def has_account(self, api_key: str) -> bool:
        return self.ledger.has(api_key)

    def trades_executed(self) -> int:
        return sum(self._trade_seq.values())

    def market(self, symbol: Any) -> Market:
        market = find_market(self.markets, symbol)
        if market is None:
            raise ApiError(400, "INVALID_MARKET", "Invalid market")
        return market

    # ----- order entry
    def next_order_id(self) -> Tuple[str, int]:
        self._order_seq += 1
        return str(11_000_000_000 + self._order_seq), self._order_seq

    def execute_order(self, account: str, payload: Any) -> Order:
        market = self.market(payload.get("symbol") if isinstance(payload, dict) else None)
        order_id, seq = self.next_order_id()
        order = build_order(payload, market, account, order_id, self.clock.now_ms())
        order.seq = seq
        self.market_states.check_new_order(order)
        if order.client_id is not None and (account, order.client_id) in self._by_client:
            raise ApiError(400, "INVALID_ORDER", f"Order with client ID already exists: {order.client_id}")
        if order.trigger is not None:
            return self.triggers.place(order)  # waits for its price (triggers.py)
        self.admit(order, market)
        return order

    def admit(self, order: Order, market: Market) -> None:
        """Funds or margin for the order, then matching (a triggered order comes here when its price is reached)."""
        book = self.books[market.symbol]
        order.slippage_limit = worst_price(order, market, book)
        if order.post_only and would_take(book, order):
            raise ApiError(400, "INVALID_ORDER", POST_ONLY_CROSS_MESSAGE)
        order.quote_estimate = market_order_quote(book, order, market)
        try:
            if market.is_perp:
                # The generator's own traders hold collateral no order can exhaust; their margin check would
                # walk all of their open orders (~20 per market) for every quote: quadratic in the markets.
                if order.account not in self.unrecorded_accounts:
                    self.settlement.check_margin(order, market, book)
            else:
                self.settlement.reserve(order, market, book)
            self._run(order, market, book)
        finally:
            self.lending.sweep()  # Auto Lend lends what the order freed, brought in or redeemed

    def execute_batch(self, account: str, payloads: Any) -> List[Dict[str, Any]]:
        if not isinstance(payloads, list) or not payloads:
            raise bad_request("Batch body must be a non-empty JSON array of orders")
        results = []
        for payload in payloads:
            try:
                results.append({"operation": "Ok", **self.execute_order(account, payload).rest_json()})
            except ApiError as error:
                results.append({"operation": "Err", **error.body()})
        return results

    def _run(self, order: Order, market: Market, book: OrderBook) -> None:
        if order.account not in self.unrecorded_accounts and order.triggered_ms is None:  # triggers: at placement
            self.order_history[order.account].append(order)
        self._emit_order(order, "orderAccepted")
        cap = self._cap_fn(market)
        if order.reduce_only and market.is_perp and cap(order) <= 0 and not self._may_rest(order):
            # Flat, or on the order's own side: nothing to reduce. (A GTC limit rests and expires the same way
            # when it would trade.)
            self._expire(order, "ReduceOnlyNotReduced")
        elif self.market_states.takes_in_post_only_mode(order, book):
            self._expire(order, POST_ONLY_MODE)
        elif order.time_in_force == "FOK" and not self._fills_completely(book, order, cap(order)):
            self._expire(order, "FillOrKill")
        else:
            budget = order.quote_quantity
            if budget is None and order.order_type == "Market" and order.is_bid and not market.is_perp:
                budget = order.reserved
            reason = match(book, order, market.step_size, budget, cap, self._on_fill, self._cancel_by_engine)
            self._after_match(order, market, book, reason)
        self._publish_book(book)
        self.triggers.check(market.symbol)  # the last price may have reached pending triggers

    def _after_match(self, order: Order, market: Market, book: OrderBook, reason: Optional[str]) -> None:
        if self._complete(order, market, reason):
            order.status = "Filled"
            self._finish(order)
        elif order.order_type == "Limit" and order.time_in_force == "GTC" and reason is None:
            book.add(order)
            self.open_orders[order.id] = order
            if order.client_id is not None:
                self._by_client[(order.account, order.client_id)] = order
        elif reason == BUDGET_SPENT:  # a market buy whose reserved quote ran out
            self._expire(order, "InsufficientFunds")
        else:
            self._expire(order, reason or ("ImmediateOrCancel" if order.order_type == "Limit"
                                           else stop_reason(order.is_bid, order.slippage_limit, book)))

    @staticmethod
    def _may_rest(order: Order) -> bool:
        return order.order_type == "Limit" and order.time_in_force == "GTC"

    @staticmethod
    def _fills_completely(book: OrderBook, order: Order, cap: Optional[Decimal]) -> bool:
        """Fill-or-kill check: the whole quantity, or for a quote-sized order the whole quote quantity."""
        if order.quote_quantity is not None:
            return fillable_quote(book, order, cap) >= order.quote_quantity
        return fillable_quantity(book, order, cap) >= order.remaining

    @staticmethod
    def _complete(order: Order, market: Market, reason: Optional[str]) -> bool:
        """Filled: the whole quantity, or (quote-sized) all of the quote that a step could still buy."""
        if order.quote_quantity is None:
            return order.remaining <= 0
        if reason == BUDGET_SPENT:
            return True
        if order.executed_quantity == 0:
            return False
        average = order.executed_quote_quantity / order.executed_quantity
        return order.quote_quantity - order.executed_quote_quantity < market.step_size * average

    def _cap_fn(self, market: Market) -> Callable[[Order], Optional[Decimal]]:
        if market.is_perp:
            def perp_cap(order: Order) -> Optional[Decimal]:
                if not order.reduce_only:
                    return None
                return reducible(self.positions.get((order.account, order.symbol)), order.is_bid)
            return perp_cap
        return lambda order: None if order.is_bid else order.reserved

    def _on_fill(self, maker: Order, taker: Order, quantity: Decimal, price: Decimal) -> None:
        market = self.markets[maker.symbol]
        now_ms, now_us = self.clock.now_ms(), self.clock.now_us()
        self._trade_seq[market.symbol] += 1
        trade_id = self._trade_seq[market.symbol]
        for order in (maker, taker):
            order.executed_quantity += quantity
            order.executed_quote_quantity += quantity * price
            order.status = "Filled" if self._complete(order, market, None) else "PartiallyFilled"
        fees = self.settlement.settle_fill(market, maker, taker, quantity, price)
        for order, is_maker in ((maker, True), (taker, False)):
            fee, fee_asset = fees[is_maker]
            self._record_fill(order, is_maker, trade_id, quantity, price, fee, fee_asset, now_ms)
            self._emit_order(order, "orderFill", {
                "t": trade_id, "l": quantity_text(market, quantity), "L": price_text(market, price), "m": is_maker,
                "n": fmt(fee), "N": fee_asset})
        self._record_public_trade(market.symbol, maker, taker, trade_id, quantity, price, now_ms, now_us)
        if maker.status == "Filled":
            self._finish(maker)

    def _record_fill(self, order: Order, is_maker: bool, trade_id: int, quantity: Decimal, price: Decimal,
                     fee: Decimal, fee_asset: str, now_ms: int) -> None:
        if order.account in self.unrecorded_accounts:
            return
        self.fills[order.account].append((now_ms, {
            "clientId": str(order.client_id) if order.client_id is not None else None,
            "fee": fmt(fee), "feeSymbol": fee_asset, "isMaker": is_maker, "orderId": order.id,
            "price": fmt(price), "quantity": fmt(quantity), "side": order.side, "symbol": order.symbol,
            "systemOrderType": None, "tradeId": trade_id}))

    def _record_public_trade(self, symbol: str, maker: Order, taker: Order, trade_id: int,
                             quantity: Decimal, price: Decimal, now_ms: int, now_us: int) -> None:
        buyer_is_maker = maker.is_bid
        buyer, seller = (maker, taker) if buyer_is_maker else (taker, maker)
        self.public_trades[symbol].append({
            "id": trade_id, "price": fmt(price), "quantity": fmt(quantity),
            "quoteQuantity": fmt(price * quantity), "timestamp": now_ms, "isBuyerMaker": buyer_is_maker})
        self.ticker_trades[symbol].append((now_ms, price, quantity))
        self.klines.add_trade(symbol, price, quantity, now_ms)
        stream = f"trade.{symbol}"
        if self.sink.wants(stream):
            market = self.markets[symbol]
            self.sink.publish(stream, {"e": "trade", "E": now_us, "s": symbol, "p": price_text(market, price),
                                       "q": quantity_text(market, quantity), "b": buyer.id, "a": seller.id,
                                       "t": trade_id, "T": now_us, "m": buyer_is_maker})

    # ----- cancels and order completion
    def cancel_order(self, account: str, symbol: Any, order_id: Optional[str], client_id: Optional[int]) -> Order:
        market = self.market(symbol)
        order = self.find_open(account, market.symbol, order_id, client_id)
        if order is None:
            raise not_found()
        self._cancel(order, "orderCancelled")
        self._publish_book(self.books[market.symbol])
        self.lending.sweep()
        return order

    def cancel_all(self, account: str, symbol: Any) -> List[Order]:
        market = self.market(symbol)
        mine = [o for o in self.open_orders.values()  # resting orders (pending triggers: triggers.cancel_all)
                if o.account == account and o.symbol == market.symbol and o.status != PENDING]
        for order in sorted(mine, key=lambda o: o.seq):
            self._cancel(order, "orderCancelled")
        self._publish_book(self.books[market.symbol])
        self.lending.sweep()
        return mine

    def _cancel(self, order: Order, event: str, reason: Optional[str] = None) -> None:
        if order.status != PENDING:  # a pending trigger order is not on the book
            self.books[order.symbol].remove(order)
        order.status = "Expired" if reason else "Cancelled"
        order.expiry_reason = reason
        self._finish(order)
        self._emit_order(order, event)

    def _cancel_by_engine(self, maker: Order, reason: str) -> None:
        self._cancel(maker, "orderExpired", reason)

    def _expire(self, order: Order, reason: str) -> None:
        order.status = "Expired"
        order.expiry_reason = reason
        self._finish(order)
        self._emit_order(order, "orderExpired")

    def _finish(self, order: Order) -> None:
        """Terminal state: free what the order still holds and forget it as an open order."""
        self.settlement.release(order)
        if self.open_orders.pop(order.id, None) is not None and order.client_id is not None:
            self._by_client.pop((order.account, order.client_id), None)
        self.triggers.on_finished(order)  # an entry with take profit / stop loss gets its legs

    def find_open(self, account: str, symbol: str, order_id: Optional[str], client_id: Optional[int]) -> Optional[Order]:
        order = self.open_orders.get(order_id) if order_id is not None else self._by_client.get((account, client_id))
        if order is None or order.account != account or order.symbol != symbol:
            return None
        return order

    # ----- events
    def _emit_order(self, order: Order, event: str, fill: Optional[Dict[str, Any]] = None) -> None:
        if self.sink.wants_private(order.account):
            now_us = self.clock.now_us()
            self.sink.publish_private(order.account, "account.orderUpdate", order.symbol,
                                      order.ws_event(event, now_us, now_us, fill, self.markets[order.symbol]))

    def emit_position(self, position: Position, event: Optional[str]) -> None:
        if self.sink.wants_private(position.account):
            self.sink.publish_private(position.account, "account.positionUpdate", position.symbol,
                                      self.position_event(position, event))

    def position_event(self, position: Position, event: Optional[str]) -> Dict[str, Any]:
        """``account.positionUpdate`` payload at the current mark (``event`` None: snapshot frame)."""
        market = self.markets[position.symbol]
        now_us = self.clock.now_us()
        return position.ws_event(event, self.marks[position.symbol], self.settlement.imf(position.account, market),
                                 market.mmf_base, now_us, now_us, market)

    def open_positions(self, account: str) -> List[Position]:
        return [p for (owner, _), p in self.positions.items() if owner == account and p.net_quantity != 0]

    def _publish_book(self, book: OrderBook) -> None:
        diff = book.flush_depth()
        symbol = book.symbol
        if diff is not None:
            streams = [s for s in depth_streams(symbol) if self.sink.wants(s)]
            if streams:
                first, last, asks, bids = diff
                now_us = self.clock.now_us()
                data = {"e": "depth", "E": now_us, "s": symbol, "a": asks, "b": bids, "U": first, "u": last,
                        "T": now_us}
                for stream in streams:
                    self.sink.publish(stream, data)
        if book.top_changed() and self.sink.wants(f"bookTicker.{symbol}"):
            (bid, ask), now_us = book.top(), self.clock.now_us()
            (a, a_qty), (b, b_qty) = (book.level_json(*level) if level else (None, None) for level in (ask, bid))
            self.sink.publish(f"bookTicker.{symbol}", {"e": "bookTicker", "E": now_us, "s": symbol, "a": a, "A": a_qty,
                                                       "b": b, "B": b_qty, "u": book.ticker_id, "T": now_us})

    # ----- marks and funding
    def refresh_marks(self) -> None:
        """Mark = mid of the book (else last trade); index = mid of the spot market of the same base."""
        for symbol, market in self.markets.items():
            mid = self.books[symbol].mid()
            if mid is not None:
                self.marks[symbol] = mid.quantize(market.tick_size / 100)
        for symbol, market in self.markets.items():
            if market.is_perp:
                spot = f"{market.base}_{market.quote}"
                self.indexes[symbol] = self.marks.get(spot, self.marks[symbol])
        now_ms = self.clock.now_ms()
        for symbol in self.markets:
            self.price_klines["Mark"].add_price(symbol, self.marks[symbol], now_ms)
            self.price_klines["Index"].add_price(symbol, self.indexes.get(symbol, self.marks[symbol]), now_ms)

    # funding (funding_clock.py)
    def funding_rate(self, symbol: str) -> Decimal:
        return funding_clock.funding_rate(self, symbol)

    def next_funding(self, symbol: str) -> int:
        return funding_clock.next_funding(self, symbol)

    def run_funding(self) -> int:
        """Pay funding on every market whose interval has ended; returns how many payments were made."""
        return funding_clock.run_funding(self)

    def position(self, account: str, symbol: str) -> Position:
        key = (account, symbol)
        if key not in self.positions:
            self._position_seq += 1
            self.positions[key] = Position(account, symbol, 28_000_000_000 + self._position_seq)
        return self.positions[key]
