"""The seeded market-data generator: deterministic, keeps both sides populated, moves and trades,
conserves value through its internal accounts."""
import asyncio
import unittest
from decimal import Decimal

from backpack_emulator.exchange import Exchange
from backpack_emulator.market_data import LEVELS, MarketDataGenerator
from backpack_emulator.markets import DEFAULT_MARKETS, markets_with_extra, synthetic_markets


def run(seed: int, steps: int):
    exchange = Exchange()
    generator = MarketDataGenerator(exchange, seed=seed)
    tops = []
    for _ in range(steps):
        generator.step()
        tops.append({s: (b.best_bid(), b.best_ask()) for s, b in exchange.books.items()})
    return exchange, tops


def trades_without_time(exchange: Exchange, symbol: str):
    return [(t["id"], t["price"], t["quantity"], t["isBuyerMaker"]) for t in exchange.public_trades[symbol]]


class MarketDataTest(unittest.TestCase):
    def test_same_seed_same_market_other_seed_other_market(self):
        first, tops_a = run(7, 300)
        second, tops_b = run(7, 300)
        self.assertEqual(tops_a, tops_b)
        for symbol in first.books:
            self.assertEqual(first.books[symbol].bids.snapshot(100), second.books[symbol].bids.snapshot(100))
            self.assertEqual(trades_without_time(first, symbol), trades_without_time(second, symbol))
        _, tops_c = run(8, 300)
        self.assertNotEqual(tops_a, tops_c)

    def test_books_stay_two_sided_uncrossed_and_move(self):
        exchange, tops = run(3, 500)
        for top in tops:
            for symbol, (bid, ask) in top.items():
                self.assertIsNotNone(bid, symbol)
                self.assertIsNotNone(ask, symbol)
                self.assertLess(bid, ask, symbol)
        for symbol, book in exchange.books.items():
            for side in (book.bids, book.asks):  # the taker's last order may have eaten a level or two
                self.assertTrue(LEVELS - 3 <= len(side.prices) <= LEVELS, (symbol, len(side.prices)))
            mids = {(b + a) / 2 for b, a in (t[symbol] for t in tops)}
            self.assertGreater(len(mids), 10, f"{symbol} does not move")
            self.assertGreater(len(exchange.public_trades[symbol]), 50, f"{symbol} does not trade")
        sol = tops[-1]["SOL_USDC"][0]
        self.assertTrue(Decimal("170") < sol < Decimal("190"))
        btc = tops[-1]["BTC_USDC"][0]
        self.assertTrue(Decimal("90000") < btc < Decimal("100000"))

    def test_value_is_conserved(self):
        exchange, _ = run(5, 300)
        for asset in ("SOL", "BTC"):
            self.assertEqual(Decimal("2000000000" if asset == "SOL" else "20000000"),
                             exchange.ledger.grand_total(asset))
        net_cost = sum((p.net_cost for p in exchange.positions.values()), Decimal(0))
        self.assertEqual(Decimal("2000000000000"), exchange.ledger.grand_total("USDC") - net_cost)


class ExtraMarketsTest(unittest.TestCase):
    def test_defaults_unchanged_and_synthetic_markets_quoted_and_traded(self):
        self.assertEqual(DEFAULT_MARKETS, markets_with_extra(0))
        extra = synthetic_markets(3)
        self.assertEqual(["SYN000_USDC", "SYN000_USDC_PERP", "SYN001_USDC", "SYN001_USDC_PERP", "SYN002_USDC",
                          "SYN002_USDC_PERP"], list(extra))
        self.assertEqual(("SYN002", "USDC", "PERP", Decimal("12")),
                         (extra["SYN002_USDC_PERP"].base, extra["SYN002_USDC_PERP"].quote,
                          extra["SYN002_USDC_PERP"].market_type, extra["SYN002_USDC_PERP"].initial_price))
        exchange = Exchange(markets=markets_with_extra(3))
        generator = MarketDataGenerator(exchange, seed=1)
        for _ in range(50):
            generator.step()
        for symbol in extra:
            book = exchange.books[symbol]
            self.assertEqual((LEVELS, LEVELS), (len(book.bids.snapshot(100)), len(book.asks.snapshot(100))), symbol)
            self.assertTrue(exchange.public_trades[symbol], symbol)
        with self.assertRaises(ValueError):
            synthetic_markets(-1)


class MarketDataPacingTest(unittest.IsolatedAsyncioTestCase):
    """The server moves one market at a time, evenly spread over the interval, instead of every market in
    one go: an order is not held behind the requotes of all the markets at once."""

    async def test_markets_step_one_at_a_time_spread_over_the_interval(self):
        from backpack_emulator.server import EmulatorServer
        server = EmulatorServer(host="127.0.0.1", port=0, seed=3, market_data=True, market_data_interval_s=0.2)
        await server.start()
        try:
            loop = asyncio.get_running_loop()
            steps = []
            stepped = server.generator.step_market
            server.generator.step_market = lambda market: (steps.append((loop.time(), market.symbol)),
                                                           stepped(market))
            await asyncio.sleep(0.9)
        finally:
            await server.stop()
        markets = [m.symbol for m in server.generator.markets]
        self.assertGreaterEqual(len(steps), 3 * len(markets))
        self.assertEqual([symbol for _, symbol in steps], (markets * 10)[:len(steps)])  # in turn, each in its slot
        gaps = [later - earlier for (earlier, _), (later, _) in zip(steps, steps[1:])]
        self.assertGreater(min(gaps), 0.002)  # never two markets in one go (a slot is 50 ms; one go: ~0)
        self.assertAlmostEqual(sum(gaps) / len(gaps), 0.2 / len(markets), delta=0.015)  # spread over the interval
        for symbol in markets:  # each market still moves once per interval
            times = [t for t, s in steps if s == symbol]
            per_interval = [later - earlier for earlier, later in zip(times, times[1:])]
            self.assertAlmostEqual(sum(per_interval) / len(per_interval), 0.2, delta=0.05)
