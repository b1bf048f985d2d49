"""Scenarios 40, 41 and 42 (issue 22 item 5): depth snapshots that fail (503 on `/api/v1/depth`) on a quiet
market, at Hummingbot's real timings (its hourly book refresh, 120 s status poll; nothing shortened).

- 40: after a gap the resync snapshot fails twice: from the gap on, the book never shows a stale level (it is
  empty, the connector not ready) and it is rebuilt by the retry timer (1 s, then 2 s), without any new diff;
- 41: one pair's failing snapshot leaves the other pair, and the one WebSocket they share, alone;
- 42: the first snapshot at start fails: the connector still gets ready, once the retry succeeds.
"""
import asyncio
import time
from decimal import Decimal
from typing import Dict

from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, SPOT_SYMBOL, Venue, close_shared_http_session, wait_for

DEPTH_PATH = "/api/v1/depth"
OTHER_PAIR, OTHER_SYMBOL = "BTC-USDC", "BTC_USDC"
EMPTY = {"bids": {}, "asks": {}}
REBUILD_WITHIN_S = 10.0  # retries 1 s and 2 s after the failures, with room for a loaded machine


def levels(book) -> Dict[str, Dict[Decimal, Decimal]]:
    bids, asks = book.snapshot
    return {"bids": {Decimal(str(p)): Decimal(str(a)) for p, a in zip(bids["price"], bids["amount"])},
            "asks": {Decimal(str(p)): Decimal(str(a)) for p, a in zip(asks["price"], asks["amount"])}}


class BookSnapshotFaultTests(ReliabilityTestCase):
    MARKET_DATA = True  # the generator quotes every book once at start, then the market stays quiet
    REAL_TIMINGS = True

    def emulator_book(self, symbol: str) -> Dict[str, Dict[Decimal, Decimal]]:
        book = self.venue.server.exchange.books[symbol]
        return {"bids": dict(book.bids.snapshot(1000)), "asks": dict(book.asks.snapshot(1000))}

    def depth_requests(self, symbol: str = SPOT_SYMBOL) -> list:
        return [e for e in self.venue.server.request_log.entries(path=DEPTH_PATH)
                if (e.get("params") or {}).get("symbol") == symbol]

    async def gap_with_failing_resync(self, failures: int) -> str:
        """A resting order's depth diff comes after a gap; the resync snapshots fail `failures` times. Returns
        once the first of them was answered (the connector has seen the gap)."""
        await wait_for(lambda: self.connector_levels() == self.emulator_levels(), "the initial book")
        before = len(self.depth_requests())
        await self.fault(self.venue.admin.fail_next(DEPTH_PATH, 503, count=failures, method="GET"))
        await self.fault(self.venue.admin.skip_depth_sequence(SPOT_SYMBOL, 5))
        order_id = await self.place(self.venue.spot, "buy", "3", "120")
        await wait_for(lambda: len(self.depth_requests()) > before, "the resync snapshot")
        return order_id

    async def never_stale_until_rebuilt(self) -> float:
        """Every read of the book until it equals the exchange's: no level at all (not an old one), prices NaN
        (Hummingbot's answer for an empty book, with its warning) and the connector not ready. Returns the
        seconds it took to be rebuilt."""
        spot, started, empty_reads = self.venue.spot, time.monotonic(), 0
        while self.connector_levels() != self.emulator_levels():
            self.assertEqual(EMPTY, self.connector_levels(), "a stale book is served")
            self.assertFalse(spot.ready, "a book known to be stale counts as ready")
            self.assertTrue(spot.get_price(PAIR, True).is_nan())  # what a strategy asking for a price gets
            self.assertTrue(spot.get_mid_price(PAIR).is_nan())
            empty_reads += 1
            self.assertLess(time.monotonic() - started, REBUILD_WITHIN_S, "the book was not rebuilt")
            await asyncio.sleep(0.01)
        self.assertGreater(empty_reads, 0)
        await wait_for(lambda: spot.ready, "the connector to be ready again")
        return time.monotonic() - started

    async def test_40_resync_snapshot_fails_after_a_gap(self):
        self.scenario("40 resync snapshot fails after a depth gap (quiet market)")
        order_id = await self.gap_with_failing_resync(failures=2)
        await self.never_stale_until_rebuilt()  # no diff comes: only the retry timer can rebuild it
        self.assertIn(Decimal("120"), self.connector_levels()["bids"])
        self.assertEqual(3, len(self.depth_requests()) - 1)  # the start's, two failures, the retry that worked
        await self.cancel_and_check(order_id)

    async def test_41_one_pairs_failed_snapshot_leaves_the_others_alone(self):
        self.scenario("41 one pair's failed snapshot, other pairs and the shared WS")
        spot, hub = self.venue.spot, self.venue.server.hub
        self.assertTrue(await spot.add_trading_pair(OTHER_PAIR))
        other_book = spot.order_books[OTHER_PAIR]
        await wait_for(lambda: levels(other_book) == self.emulator_book(OTHER_SYMBOL), "the other pair's book")
        connection = set(hub.public_subs[f"depth.{OTHER_SYMBOL}"])
        other_snapshots = len(self.depth_requests(OTHER_SYMBOL))

        order_id = await self.gap_with_failing_resync(failures=2)
        # the other pair's market moves while SOL-USDC's snapshot keeps failing
        self.venue.counterparty(OTHER_SYMBOL, "Bid", "0.01", "1000", tif="GTC")
        await wait_for(lambda: levels(other_book) == self.emulator_book(OTHER_SYMBOL), "the other pair's diff")
        self.assertIn(Decimal("1000"), levels(other_book)["bids"])
        self.assertEqual(connection, set(hub.public_subs[f"depth.{OTHER_SYMBOL}"]))  # never disconnected
        self.assertEqual(other_snapshots, len(self.depth_requests(OTHER_SYMBOL)))  # the diff applied, no snapshot
        await wait_for(lambda: self.connector_levels() == self.emulator_levels(), "SOL-USDC rebuilt",
                       timeout=REBUILD_WITHIN_S)
        self.assertEqual(connection, set(hub.public_subs[f"depth.{OTHER_SYMBOL}"]))
        self.assertEqual(other_snapshots, len(self.depth_requests(OTHER_SYMBOL)))
        self.assertEqual(levels(other_book), self.emulator_book(OTHER_SYMBOL))
        await self.cancel_and_check(order_id)

    async def cancel_and_check(self, order_id: str):
        self.venue.spot.cancel(PAIR, order_id)
        await wait_for(lambda: self.events(self.venue.spot, MarketEvent.OrderCancelled), "the cancel")
        await wait_for(lambda: self.connector_levels() == self.emulator_levels(), "the book after the cancel")
        await self.assert_consistent()


class FirstSnapshotFaultTests(ReliabilityTestCase):
    MARKET_DATA = True
    REAL_TIMINGS = True

    async def asyncSetUp(self):
        """The venue starts with the first depth snapshot answered 503 (switched on before the connector)."""
        await super(ReliabilityTestCase, self).asyncSetUp()
        self.clock = None
        self.venue = Venue(spot=True, market_data=True)
        self.stats = self.scenario("42 first depth snapshot fails at start")
        await close_shared_http_session()
        await self.venue.server.start()
        self.venue.server.faults.add_failure(DEPTH_PATH, 503, count=1, method="GET")
        self.stats.faults += 1
        await self.venue.start_connectors(wait_ready=False)

    async def test_42_first_snapshot_fails_at_start(self):
        spot = self.venue.spot
        await self.venue.wait_ready()  # Hummingbot's start waits for this
        book = levels(spot.order_books[PAIR])
        self.assertEqual(book, self.emulator_levels())
        requests = self.venue.server.request_log.entries(path=DEPTH_PATH)
        self.assertEqual([503, 200], [e["status"] for e in requests])
        order_id = await self.place(spot, "buy", "1", "120")
        await wait_for(lambda: Decimal("120") in self.connector_levels()["bids"], "the order's level")
        spot.cancel(PAIR, order_id)
        await wait_for(lambda: self.events(spot, MarketEvent.OrderCancelled), "the cancel")
        await self.assert_consistent()
