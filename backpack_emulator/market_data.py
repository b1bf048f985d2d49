"""A seeded market-data generator: an internal market maker keeps ten levels on each side of every
book around a fair price that random-walks in whole ticks (mean-reverting to the starting price; a
perp follows its spot market at a small premium), and an internal taker sends small market orders
so the market trades. Both are ordinary ledger accounts, so value stays conserved.
Same seed and same user activity -> same market."""
import random
from decimal import Decimal
from typing import Dict, List

from backpack_emulator.exchange import Exchange
from backpack_emulator.errors import ApiError
from backpack_emulator.markets import Market
from backpack_emulator.orders import Order

MAKER_ACCOUNT = "__market_maker__"
TAKER_ACCOUNT = "__market_taker__"
LEVELS = 10
TAKER_PROBABILITY = 0.3
INTERNAL_BALANCES = {"USDC": "1000000000000", "SOL": "1000000000", "BTC": "10000000"}


class MarketDataGenerator:
    def __init__(self, exchange: Exchange, seed: int = 1) -> None:
        self.exchange = exchange
        self.rng = random.Random(seed)
        # Every base asset too, so extra (synthetic) markets are quoted and traded like the default ones.
        balances = {**{m.base: "1000000000" for m in exchange.markets.values()}, **INTERNAL_BALANCES}
        for account in (MAKER_ACCOUNT, TAKER_ACCOUNT):
            exchange.add_account(account, balances if not exchange.has_account(account) else {})
            settings = exchange.settings[account]
            settings.spot_maker_bps = settings.spot_taker_bps = Decimal(0)
            settings.futures_maker_bps = settings.futures_taker_bps = Decimal(0)
        exchange.unrecorded_accounts.update((MAKER_ACCOUNT, TAKER_ACCOUNT))
        self.markets: List[Market] = list(exchange.markets.values())
        self.fair_ticks: Dict[str, int] = {m.symbol: self._start_ticks(m) for m in self.markets}
        self.quotes: Dict[str, Dict[Decimal, Order]] = {m.symbol: {} for m in self.markets}
        self._adopt_quotes()

    def _start_ticks(self, market: Market) -> int:
        """Continue from the book's mid when the exchange state comes from a previous server."""
        mid = self.exchange.books[market.symbol].mid()
        return int((mid if mid is not None else market.initial_price) / market.tick_size)

    def _adopt_quotes(self) -> None:
        for order in sorted(self.exchange.open_orders.values(), key=lambda o: o.seq):
            if order.account == MAKER_ACCOUNT:
                if order.price in self.quotes[order.symbol]:
                    self.exchange.cancel_order(MAKER_ACCOUNT, order.symbol, order.id, None)
                else:
                    self.quotes[order.symbol][order.price] = order

    def step(self) -> None:
        for market in self.markets:
            self.step_market(market)

    def step_market(self, market: Market) -> None:
        """One market's move: its fair price walks, the maker requotes, and now and then the taker trades (as
        far as the market's state lets them: a closed market stands still)."""
        states = self.exchange.market_states
        if not states.can_quote(market.symbol):
            return
        self._walk(market)
        self._requote(market)
        if self.rng.random() < TAKER_PROBABILITY and states.can_trade(market.symbol):
            self._take(market)

    def _walk(self, market: Market) -> None:
        start = int(market.initial_price / market.tick_size)
        fair = self.fair_ticks[market.symbol]
        size = max(1, start // 20000)  # ~0.005% of the price per move
        spot = f"{market.base}_{market.quote}"
        if market.is_perp and spot in self.fair_ticks:  # a perp trades at a small premium to its spot
            self.fair_ticks[market.symbol] = self.fair_ticks[spot] + size * self.rng.randint(-3, 3)
            return
        pull = -1 if fair > start * 1.02 else 1 if fair < start * 0.98 else 0
        self.fair_ticks[market.symbol] = fair + size * (self.rng.choice((-1, 0, 1)) + pull)

    def _spread_ticks(self, market: Market) -> int:
        return max(1, int(market.initial_price / market.tick_size) // 20000)

    def _requote(self, market: Market) -> None:
        symbol, tick = market.symbol, market.tick_size
        fair, gap = self.fair_ticks[symbol], self._spread_ticks(market)
        wanted = {(fair - gap * (i + 1)) * tick: "Bid" for i in range(LEVELS)}
        wanted.update({(fair + gap * (i + 1)) * tick: "Ask" for i in range(LEVELS)})
        quotes = self.quotes[symbol]
        for price, order in list(quotes.items()):
            if not order.is_open:
                del quotes[price]
            elif wanted.get(price) != order.side:
                self.exchange.cancel_order(MAKER_ACCOUNT, symbol, order.id, None)
                del quotes[price]
        for price, side in wanted.items():
            if price not in quotes and price > 0:
                order = self._place(market, side, price, self._size(market))
                if order is not None and order.is_open:
                    quotes[price] = order

    def _size(self, market: Market) -> Decimal:
        low = max(1, int(Decimal("0.5") / market.initial_price * 100 / market.step_size))  # ~50 USDC
        return self.rng.randint(low, low * 40) * market.step_size

    def _place(self, market: Market, side: str, price: Decimal, quantity: Decimal) -> "Order | None":
        payload = {"symbol": market.symbol, "side": side, "orderType": "Limit", "price": str(price),
                   "quantity": str(quantity), "selfTradePrevention": "RejectTaker"}
        try:
            return self.exchange.execute_order(MAKER_ACCOUNT, payload)
        except ApiError:
            return None

    def _take(self, market: Market) -> None:
        side = self.rng.choice(("Bid", "Ask"))
        quantity = self._size(market) / 4
        quantity = max(market.min_quantity, quantity - quantity % market.step_size)
        try:
            self.exchange.execute_order(TAKER_ACCOUNT, {"symbol": market.symbol, "side": side,
                                                        "orderType": "Market", "quantity": str(quantity)})
        except ApiError:
            pass
