"""Order books at start on a quiet market, over real sockets to an in-process emulator on 127.0.0.1.

No depth diff, no trade, and the SUBSCRIBE is the official client's (no `id`; Backpack answers none): no
frame follows it. The books start after the quiet-market wait (shortened here), with one snapshot per pair,
each served while its streams were already subscribed, so no diff can fall between the snapshot and the
stream, and the diffs that come later continue it without a gap.
"""
import logging
import os
import unittest
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from typing import List, Tuple
from unittest.mock import patch

from backpack_emulator import market_views
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.exchange.backpack import (
    backpack_api_order_book_data_source as data_source_module,
    backpack_constants as CONSTANTS,
    backpack_order_book_tracker as tracker_module,
)
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from test.connector.backpack.helpers import close_shared_http_session, wait_for

PAIRS = ["SOL-USDC", "BTC-USDC"]
QUIET_MARKET_WAIT_S = 0.3  # the connectors' wait for a first frame, shortened
# The tracker's own wait (for streams that never start) stays well above the quiet-market wait, as in the
# connector (30 s against 1 s): with equal waits the tracker could give up first and take its snapshots
# just before the streams are declared live, so that each is taken again (seen on a loaded CI machine).
TRACKER_WAIT_S = 10 * QUIET_MARKET_WAIT_S


class StartWaitsTests(unittest.TestCase):

    def test_the_trackers_wait_outlasts_the_quiet_market_wait(self):
        self.assertGreater(tracker_module.STREAMS_WAIT_S, 10 * data_source_module.STREAMS_LIVE_WAIT_S)


class QuietMarketBookStartTests(IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data_interval_s=3600.0)
        await self.server.start()  # the generator quotes every book once, then the market stays quiet
        self.server.market_data_paused = True
        self.snapshots: List[Tuple[str, bool]] = []  # (symbol, its depth stream subscribed when served)
        served = market_views.depth

        def depth(exchange, params):
            symbol = params.get("symbol")
            self.snapshots.append((symbol, self.server.hub.wants(f"depth.{symbol}")))
            return served(exchange, params)

        self.patches = [patch.object(market_views, "depth", depth),
                        patch.object(data_source_module, "STREAMS_LIVE_WAIT_S", QUIET_MARKET_WAIT_S),
                        patch.object(tracker_module, "STREAMS_WAIT_S", TRACKER_WAIT_S)]
        for started in self.patches:
            started.start()
        env = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, env):
            self.exchange = BackpackExchange(trading_required=False, trading_pairs=PAIRS)

    async def asyncTearDown(self):
        await self.exchange.stop_network()
        for started in self.patches:
            started.stop()
        await self.server.stop()
        await close_shared_http_session()
        await super().asyncTearDown()

    def emulator_top(self, symbol: str) -> Tuple[float, float]:
        bid, ask = self.server.exchange.books[symbol].top()
        return float(bid[0]), float(ask[0])

    async def test_books_start_with_one_consistent_snapshot_each(self):
        await self.exchange.start_network()
        tracker = self.exchange.order_book_tracker
        await wait_for(lambda: tracker.ready, "the order books")
        self.assertEqual([("SOL_USDC", True), ("BTC_USDC", True)], sorted(self.snapshots, reverse=True))
        for pair in PAIRS:
            symbol = pair.replace("-", "_")
            book = tracker.order_books[pair]
            self.assertEqual(self.server.exchange.books[symbol].update_id, book.snapshot_uid)
            self.assertEqual(self.emulator_top(symbol), (book.get_price(False), book.get_price(True)))

    async def test_books_follow_the_market_from_that_snapshot_without_a_gap(self):
        await self.exchange.start_network()
        tracker = self.exchange.order_book_tracker
        await wait_for(lambda: tracker.ready, "the order books")
        with self.assertNoLogs(self.exchange._orderbook_ds.logger(), level=logging.WARNING):
            for _ in range(5):  # the market moves: every diff continues the snapshot's sequence
                self.server.generator.step()
            await wait_for(lambda: all(
                tracker.order_books[p].last_diff_uid == self.server.exchange.books[p.replace("-", "_")].update_id
                for p in PAIRS), "the diffs")
        self.assertEqual(len(PAIRS), len(self.snapshots))  # no second snapshot
        for pair in PAIRS:
            book = tracker.order_books[pair]
            self.assertEqual(self.emulator_top(pair.replace("-", "_")), (book.get_price(False), book.get_price(True)))

    async def test_a_pair_added_at_runtime_takes_its_snapshot_once_subscribed(self):
        await self.exchange.start_network()
        tracker = self.exchange.order_book_tracker
        await wait_for(lambda: tracker.ready, "the order books")
        self.assertTrue(await self.exchange.remove_trading_pair("BTC-USDC"))
        await wait_for(lambda: not self.server.hub.wants("depth.BTC_USDC"), "the unsubscribe")
        self.snapshots.clear()
        self.assertTrue(await self.exchange.add_trading_pair("BTC-USDC"))
        self.assertEqual([("BTC_USDC", True)], self.snapshots)
        book = tracker.order_books["BTC-USDC"]
        self.assertEqual(self.emulator_top("BTC_USDC"), (book.get_price(False), book.get_price(True)))
