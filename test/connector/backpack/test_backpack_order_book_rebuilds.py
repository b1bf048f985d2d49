"""Order books out of sequence (backpack_book_rebuilds): empty meanwhile, rebuilt by their own task on a timer,
never holding up the stream or the other pairs; the hourly refresh; one book per pair."""
import asyncio
import json
from unittest.mock import AsyncMock, MagicMock

from aioresponses import CallbackResult

from hummingbot.core.web_assistant.connections.data_types import WSResponse
from test.connector.backpack.test_backpack_order_book_data_source import (
    DataSourceCase,
    asks,
    bids,
    depth_frame,
    snapshot,
)


class FailedSnapshotTests(DataSourceCase):
    """Issue 22 item 5: a snapshot that fails never leaves a stale book readable, is retried on a timer (not on a
    next diff, nor Hummingbot's hourly refresh), and never touches the other pairs or the connection."""

    def fail_snapshots(self, count: int):
        for _ in range(count):
            self.mock_api.get(self.depth_url, status=503,
                              body=json.dumps({"code": "SERVICE_UNAVAILABLE", "message": "Unknown error"}))

    async def stream(self, *frames):
        """The WS listener reads `frames`; it must end normally (an exception would drop the connection)."""
        async def messages():
            for frame in frames:
                yield WSResponse(frame)
        ws = MagicMock()
        ws.iter_messages = messages
        await self.data_source._process_websocket_messages(ws)

    async def test_failed_snapshot_after_a_gap_empties_the_book_and_is_retried_on_a_timer(self):
        sol = await self.track("SOL-USDC", snapshot(100))
        btc = await self.track("BTC-USDC", snapshot(5000))
        self.fail_snapshots(2)
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(110, bids=[("179.5", "9")])))
        with self.assertLogs(self.data_source.logger(), level="WARNING") as logs:
            await self.stream(depth_frame("SOL_USDC", 105, 108, bids=[("170", "1")]),  # gap: 101..104 missing
                              depth_frame("BTC_USDC", 5001, 5001, bids=[("95000", "1")]),
                              depth_frame("SOL_USDC", 109, 111, bids=[("179.6", "1")]))
            await asyncio.sleep(0.05)
        self.assertIn("expected update 101, got 105", logs.output[0])
        self.assertIn("Could not rebuild the SOL-USDC order book", logs.output[1])
        # known stale: no levels, no price, not in sequence; the other pair goes on
        self.assertEqual(({}, {}, False), (bids(sol), asks(sol), self.data_source.books_in_sequence))
        with self.assertRaises(EnvironmentError):
            sol.get_price(True)
        self.assertEqual((5001, {179.9: 3.0, 95000.0: 1.0}), (btc.last_diff_uid, bids(btc)))
        # quiet market: no diff comes; the timer retries (1 s, then 2 s)
        self.assertEqual(1.0, await self.timers.fire())
        self.assertEqual(({}, 2), (bids(sol), len(self.depth_requests()) - 2))  # two attempts, both failed
        self.assertEqual(2.0, await self.timers.fire())
        await self.settle()
        # the snapshot, then the diffs held meanwhile that continue it (109..111 straddles 110)
        self.assertEqual(({179.5: 9.0, 179.6: 1.0}, {180.1: 2.0}), (bids(sol), asks(sol)))
        self.assertEqual((110, 111, True), (sol.snapshot_uid, sol.last_diff_uid, self.data_source.books_in_sequence))
        self.assertEqual([1.0, 2.0], self.timers.delays)
        await self.feed(depth_frame("SOL_USDC", 112, 112, bids=[("179.7", "1")]))
        self.assertEqual({179.5: 9.0, 179.6: 1.0, 179.7: 1.0}, bids(sol))

    async def test_retry_delays_double_up_to_the_maximum(self):
        await self.track("SOL-USDC", snapshot(100))
        self.fail_snapshots(8)
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(200)))
        await self.stream(depth_frame("SOL_USDC", 150, 150))
        for _ in range(8):
            await self.timers.fire()
        await self.settle()
        self.assertEqual([1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0], self.timers.delays)
        self.assertTrue(self.data_source.books_in_sequence)

    async def test_snapshot_older_than_the_held_diffs_is_retried_on_the_timer(self):
        book = await self.track("SOL-USDC", snapshot(100))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(110)))  # lagging: 111..119 missing
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(125, bids=[("179", "1")])))
        await self.stream(depth_frame("SOL_USDC", 120, 121, bids=[("150", "1")]))
        await asyncio.sleep(0.05)
        self.assertEqual({}, bids(book))
        self.assertFalse(self.data_source.books_in_sequence)
        await self.stream(depth_frame("SOL_USDC", 122, 126, bids=[("179.2", "1")]))
        self.assertEqual(1.0, await self.timers.fire())
        await self.settle()
        self.assertEqual(({179.0: 1.0, 179.2: 1.0}, 125, 126), (bids(book), book.snapshot_uid, book.last_diff_uid))

    async def test_a_failed_first_snapshot_leaves_the_tracker_initialized_and_not_ready_until_the_retry(self):
        tracker = self.exchange.order_book_tracker
        self.fail_snapshots(1)
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(5)), repeat=True)
        self.data_source._on_streams_live()
        await asyncio.wait_for(tracker._init_order_books(), 3)
        self.assertEqual({"SOL-USDC", "BTC-USDC"}, set(tracker.order_books))
        empty = [pair for pair, book in tracker.order_books.items() if not bids(book)]
        self.assertEqual(1, len(empty))  # the pair whose snapshot failed: empty, and the tracker says so
        self.assertFalse(tracker.ready)
        self.assertFalse(self.exchange.status_dict["order_books_initialized"])
        await self.timers.fire()
        await self.settle()
        self.assertTrue(tracker.ready)
        self.assertEqual({179.9: 3.0}, bids(tracker.order_books[empty[0]]))
        for task in tracker._tracking_tasks.values():
            task.cancel()

    async def test_a_reconnect_empties_the_books_until_they_are_rebuilt(self):
        book = await self.track("SOL-USDC", snapshot(100))
        await self.data_source._on_order_stream_interruption(websocket_assistant=None)
        self.assertEqual(({}, {}), (bids(book), asks(book)))  # what it missed is unknown: no prices
        self.assertFalse(self.data_source.books_in_sequence)
        self.fail_snapshots(1)
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(300)))
        await self.data_source._subscribe_channels(AsyncMock())
        self.data_source._on_streams_live()
        await self.data_source._rebuild_task  # the first attempt failed
        self.assertFalse(self.data_source.books_in_sequence)
        await self.timers.fire()
        await self.settle()
        self.assertEqual((300, True), (book.snapshot_uid, self.data_source.books_in_sequence))

    async def test_failed_hourly_refresh_keeps_the_book_in_sequence(self):
        book = await self.track("SOL-USDC", snapshot(100))
        self.fail_snapshots(1)
        with self.assertLogs(self.data_source.logger(), level="WARNING") as logs:
            await self.data_source._request_order_book_snapshots(output=asyncio.Queue())
        self.assertIn("hourly refresh of the SOL-USDC order book failed", logs.output[0])
        self.assertEqual(({179.9: 3.0}, True), (bids(book), self.data_source.books_in_sequence))
        await self.feed(depth_frame("SOL_USDC", 101, 101, bids=[("179.1", "1")]))
        self.assertEqual({179.9: 3.0, 179.1: 1.0}, bids(book))

    async def test_hourly_refresh_older_than_the_book_is_not_laid_over_it(self):
        book = await self.track("SOL-USDC", snapshot(100))
        answer = asyncio.Event()

        async def late_snapshot(url, **kwargs):
            await answer.wait()
            return CallbackResult(body=json.dumps(snapshot(101, bids=[("1", "1")])))
        self.mock_api.get(self.depth_url, callback=late_snapshot)
        refresh = asyncio.ensure_future(self.data_source._request_order_book_snapshots(output=asyncio.Queue()))
        await asyncio.sleep(0.05)
        # applied while the refresh is on its way (the stream never waits for a snapshot)
        await asyncio.wait_for(self.feed(depth_frame("SOL_USDC", 101, 102, bids=[("179.1", "1")])), 2)
        answer.set()
        await refresh
        self.assertEqual(({179.9: 3.0, 179.1: 1.0}, 102), (bids(book), book.last_diff_uid))

    async def test_a_pair_asked_for_again_keeps_its_one_book(self):
        """Hummingbot restarts the network: the tracker asks for the pair's book again while the reconnect's
        rebuild is on its way. The pair keeps one book (the tracker's), built by one snapshot."""
        first = await self.track("SOL-USDC", snapshot(100))
        sequenced = self.data_source._books["SOL_USDC"]
        await self.data_source._on_order_stream_interruption(websocket_assistant=None)
        self.data_source._on_streams_live()
        answer = asyncio.Event()

        async def slow(url, **kwargs):
            await answer.wait()
            return CallbackResult(body=json.dumps(snapshot(200)))
        self.mock_api.get(self.depth_url, callback=slow)
        rebuild = asyncio.ensure_future(self.data_source._rebuilds.first_attempt(sequenced))  # the reconnect's
        again = asyncio.ensure_future(self.data_source.get_new_order_book("SOL-USDC"))  # the tracker's
        await asyncio.sleep(0.05)
        answer.set()
        book = await asyncio.wait_for(again, 2)
        await asyncio.wait_for(rebuild, 2)
        self.assertIs(first, book)
        self.assertEqual((200, True), (book.snapshot_uid, self.data_source.books_in_sequence))
        self.assertEqual(2, len(self.depth_requests()))

    async def test_a_removed_pair_is_not_rebuilt(self):
        await self.track("SOL-USDC", snapshot(100))
        sequenced = self.data_source._books["SOL_USDC"]
        await self.data_source._on_order_stream_interruption(websocket_assistant=None)
        await self.data_source.unsubscribe_from_trading_pair("SOL-USDC")
        self.data_source._on_streams_live()
        await asyncio.wait_for(self.data_source._rebuilds.first_attempt(sequenced), 1)  # a late reconnect's
        self.assertEqual(({}, True), (self.data_source._rebuilds.running(), self.data_source.books_in_sequence))
        self.assertEqual(1, len(self.depth_requests()))

    async def test_a_late_interruption_of_an_older_connection_leaves_the_current_one_alone(self):
        """A network restart: the old listener's clean-up may run after the new connection is live."""
        book = await self.track("SOL-USDC", snapshot(100))
        old, new = AsyncMock(), AsyncMock()
        self.data_source._ws_assistant = new
        await self.data_source._on_order_stream_interruption(websocket_assistant=old)
        old.disconnect.assert_awaited()
        self.assertEqual(({179.9: 3.0}, True), (bids(book), self.data_source.books_in_sequence))
        self.assertTrue(await self.data_source.wait_until_streams_live(0.01))
        self.assertIs(new, self.data_source._ws_assistant)
        await self.data_source._on_order_stream_interruption(websocket_assistant=new)
        self.assertEqual(({}, False), (bids(book), self.data_source.books_in_sequence))
