import asyncio
import json
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from unittest.mock import AsyncMock, MagicMock, patch

from aioresponses import CallbackResult, aioresponses
from bidict import bidict

from hummingbot.connector.exchange.backpack import (
    backpack_api_order_book_data_source as data_source_module,
    backpack_constants as CONSTANTS,
    backpack_web_utils as web_utils,
)
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_message import OrderBookMessageType
from hummingbot.core.web_assistant.connections.data_types import WSResponse
from test.connector.backpack.helpers import ClosesSharedHttpSession, url_regex


def depth_frame(symbol: str, first: int, last: int, bids=(), asks=()):
    return {"stream": f"depth.{symbol}", "data": {
        "e": "depth", "E": 1753102447307501, "T": 1753102447307000, "s": symbol,
        "U": first, "u": last, "b": [list(level) for level in bids], "a": [list(level) for level in asks]}}


def bids(book: OrderBook) -> dict:
    return {row.price: row.amount for row in book.bid_entries()}


def asks(book: OrderBook) -> dict:
    return {row.price: row.amount for row in book.ask_entries()}


def snapshot(last_update_id: int, bids=(("179.9", "3"),), asks=(("180.1", "2"),)):
    return {"lastUpdateId": str(last_update_id), "timestamp": 1753102447307501,
            "bids": [list(level) for level in bids], "asks": [list(level) for level in asks]}


class Timers:
    """The data source's sleeps: each waits until the test fires it (real delays, moved deterministically)."""

    def __init__(self):
        self.waiting: list = []  # (delay, future)
        self.delays: list = []

    async def sleep(self, delay: float):
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((delay, future))
        self.delays.append(delay)
        await future

    async def fire(self) -> float:
        """Ends the oldest pending sleep; returns its delay."""
        for _ in range(100):
            if self.waiting:
                break
            await asyncio.sleep(0.01)
        delay, future = self.waiting.pop(0)
        future.set_result(None)
        await asyncio.sleep(0.05)
        return delay


class DataSourceCase(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange = BackpackExchange(trading_required=False, trading_pairs=["SOL-USDC", "BTC-USDC"])
        self.exchange._set_trading_pair_symbol_map(bidict({"SOL_USDC": "SOL-USDC", "BTC_USDC": "BTC-USDC",
                                                           "ETH_USDC": "ETH-USDC"}))
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.data_source = self.exchange._orderbook_ds
        self.depth_url = url_regex(web_utils.rest_url(CONSTANTS.DEPTH_PATH_URL, self.exchange.rest_base_url))
        self.diffs: asyncio.Queue = asyncio.Queue()
        self.timers = Timers()
        self.data_source._sleep = self.timers.sleep  # the retry timer, moved by the test
        self.mock_api = aioresponses()
        self.mock_api.start()

    async def asyncTearDown(self):
        self.data_source._cancel_rebuild()
        self.data_source._rebuilds.cancel_all()
        self.mock_api.stop()
        await super().asyncTearDown()

    async def track(self, trading_pair: str, book_snapshot: dict) -> OrderBook:
        """What Hummingbot's tracker does for each pair once the streams are live: the data source creates the
        book from a snapshot."""
        self.data_source._on_streams_live()
        self.mock_api.get(self.depth_url, body=json.dumps(book_snapshot))
        return await self.data_source.get_new_order_book(trading_pair)

    async def feed(self, *frames):
        """Each frame as the stream's task handles it, then the rebuilds it started (if any) finish."""
        for frame in frames:
            await self.data_source._parse_order_book_diff_message(frame, self.diffs)
            await self.settle()
        self.assertTrue(self.diffs.empty())  # diffs go to their book, never to Hummingbot's diff queue

    async def settle(self):
        running = list(self.data_source._rebuilds.running().values())
        if running:
            await asyncio.wait_for(asyncio.gather(*running), 5)

    async def subscribe_and_go_live(self, ws=None):
        """Subscribes, then the first frame arrives: the streams are live and every book is rebuilt."""
        await self.data_source._subscribe_channels(ws or AsyncMock())
        self.data_source._on_streams_live()
        await self.data_source._rebuild_task

    def depth_requests(self):
        return [call for key, calls in self.mock_api.requests.items() for call in calls
                if str(key[1]).endswith(CONSTANTS.DEPTH_PATH_URL) or CONSTANTS.DEPTH_PATH_URL + "?" in str(key[1])]


class OrderBookDataSourceTests(DataSourceCase):

    async def test_one_subscribe_message_for_all_pairs(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(1)), repeat=True)
        ws = AsyncMock()
        await self.subscribe_and_go_live(ws)
        self.assertEqual(1, ws.send.call_count)
        payload = ws.send.call_args[0][0].payload
        self.assertEqual({"method": "SUBSCRIBE",
                          "params": ["depth.SOL_USDC", "trade.SOL_USDC", "depth.BTC_USDC", "trade.BTC_USDC"]},
                         payload)

    async def test_subscribe_is_the_official_clients_request(self):
        """No `id` (nor anything else) beyond what the official client sends: Backpack documents no `id`, and a
        server refusing the field would leave every book without diffs."""
        ws = AsyncMock()
        await self.data_source._subscribe_channels(ws)
        self.data_source._cancel_rebuild()
        self.assertEqual({"method", "params"}, set(ws.send.call_args[0][0].payload))

    async def test_connect_rebuilds_every_book_even_without_diffs(self):
        sol = await self.track("SOL-USDC", snapshot(10))
        btc = await self.track("BTC-USDC", snapshot(20))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(100, bids=[("179.5", "4")])))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(5000)))
        await self.subscribe_and_go_live()
        self.assertEqual((100, 5000), (sol.snapshot_uid, btc.snapshot_uid))
        self.assertEqual({179.5: 4.0}, bids(sol))
        await self.feed(depth_frame("SOL_USDC", 101, 101, bids=[("179.4", "1")]))  # continues from it
        self.assertEqual((101, {179.5: 4.0, 179.4: 1.0}), (sol.last_diff_uid, bids(sol)))
        self.assertEqual(4, len(self.depth_requests()))

    async def test_snapshot_asked_for_on_an_older_connection_is_replaced_without_a_gap(self):
        """A book's snapshot may be on its way while the WS reconnects and subscribes again: diffs sent between
        the two never arrive, so that snapshot must not be the start of the sequence."""
        subscribed = asyncio.Event()

        async def snapshot_after_subscribe(url, **kwargs):
            await subscribed.wait()
            return CallbackResult(body=json.dumps(snapshot(21)))

        self.mock_api.get(self.depth_url, callback=snapshot_after_subscribe)
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(25, bids=[("179.5", "1")])))
        self.data_source._on_streams_live()
        new_book = asyncio.ensure_future(self.data_source.get_new_order_book("SOL-USDC"))
        await asyncio.sleep(0.05)  # the snapshot request is in flight
        self.assertEqual(1, len(self.depth_requests()))
        ws = AsyncMock()
        ws.send.side_effect = lambda request: subscribed.set()
        await self.subscribe_and_go_live(ws)
        book = await new_book
        self.assertEqual(25, book.snapshot_uid)
        with self.assertNoLogs(self.data_source.logger(), level="WARNING"):
            await self.feed(depth_frame("SOL_USDC", 26, 26, bids=[("179.4", "2")]))  # first diff after subscribing
        self.assertEqual(({179.5: 1.0, 179.4: 2.0}, 26), (bids(book), book.last_diff_uid))
        self.assertEqual(2, len(self.depth_requests()))

    async def test_snapshots_after_a_subscribe_wait_for_the_first_frame(self):
        """A snapshot asked for right after the SUBSCRIBE may be served before the exchange has started the
        streams: it would miss the diffs in between (a gap warning, and a second snapshot)."""
        book = await self.track("SOL-USDC", snapshot(10))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(30)))
        await self.data_source._subscribe_channels(AsyncMock())
        await asyncio.sleep(0.1)
        self.assertEqual(1, len(self.depth_requests()))  # the tracker's only: nothing before the streams start

        async def messages():  # the first frame of the subscription, already in the new snapshot
            yield WSResponse(depth_frame("SOL_USDC", 30, 30, bids=[("179.0", "1")]))
        ws = MagicMock()
        ws.iter_messages = messages
        with self.assertNoLogs(self.data_source.logger(), level="WARNING"):
            await self.data_source._process_websocket_messages(ws)
            await self.data_source._rebuild_task
            await self.feed(depth_frame("SOL_USDC", 31, 31, bids=[("179.1", "1")]))
        self.assertEqual((30, 31), (book.snapshot_uid, book.last_diff_uid))
        self.assertEqual(2, len(self.depth_requests()))

    async def test_tracker_creates_the_books_once_the_streams_are_live(self):
        """One snapshot per book at start: none before the streams are live (it could miss diffs and be taken
        again), then exactly one for each pair."""
        tracker = self.exchange.order_book_tracker
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(5)), repeat=True)
        init = asyncio.ensure_future(tracker._init_order_books())
        await asyncio.sleep(0.1)
        self.assertEqual(0, len(self.depth_requests()))
        await self.data_source._subscribe_channels(AsyncMock())
        self.data_source._on_streams_live()
        await asyncio.wait_for(init, 3)
        await self.data_source._rebuild_task
        self.assertEqual(({"SOL-USDC", "BTC-USDC"}, 2), (set(tracker.order_books), len(self.depth_requests())))
        for task in tracker._tracking_tasks.values():
            task.cancel()

    async def test_quiet_streams_are_taken_as_live_after_a_second(self):
        book = await self.track("SOL-USDC", snapshot(10))
        await self.data_source._on_order_stream_interruption(websocket_assistant=None)
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(12)))
        self.assertFalse(await self.data_source.wait_until_streams_live(0.01))
        await self.data_source._subscribe_channels(AsyncMock())
        await asyncio.wait_for(self.data_source._rebuild_task, 3)  # no frame at all
        self.assertTrue(await self.data_source.wait_until_streams_live(0.01))
        self.assertEqual(12, book.snapshot_uid)

    async def test_hourly_full_refresh_goes_through_the_sequence_not_the_tracker(self):
        """Hummingbot's snapshot listener asks for fresh snapshots when none came for an hour and hands them to
        the tracker, which would lay an already older snapshot over diffs applied meanwhile."""
        book = await self.track("SOL-USDC", snapshot(100))
        btc = await self.track("BTC-USDC", snapshot(5000))
        await self.feed(depth_frame("SOL_USDC", 101, 101, bids=[("179.1", "1")]))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(150, bids=[("179.2", "2")])))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(5100)))
        to_tracker: asyncio.Queue = asyncio.Queue()
        await self.data_source._request_order_book_snapshots(output=to_tracker)
        self.assertTrue(to_tracker.empty())
        self.assertEqual(({179.2: 2.0}, 150, 5100), (bids(book), book.snapshot_uid, btc.snapshot_uid))
        await self.feed(depth_frame("SOL_USDC", 140, 151, bids=[("179.3", "1")]))  # continues the new snapshot
        self.assertEqual(({179.2: 2.0, 179.3: 1.0}, 151), (bids(book), book.last_diff_uid))

    async def test_diffs_apply_in_sequence_to_the_book(self):
        book = await self.track("SOL-USDC", snapshot(100))
        await self.feed(depth_frame("SOL_USDC", 95, 100, bids=[("1", "1")]),  # covered by the snapshot
                        depth_frame("SOL_USDC", 99, 103, bids=[("179.95", "1")]),  # straddles: applies
                        depth_frame("SOL_USDC", 104, 104, asks=[("180.1", "0")], bids=[("179.9", "2.5")]))
        self.assertEqual({179.9: 2.5, 179.95: 1.0}, bids(book))
        self.assertEqual({}, asks(book))
        self.assertEqual((100, 104), (book.snapshot_uid, book.last_diff_uid))
        self.assertEqual(179.95, book.get_price(False))
        self.assertEqual(1, len(self.depth_requests()))

    async def test_gap_rebuilds_from_a_fresh_snapshot_before_more_diffs(self):
        book = await self.track("SOL-USDC", snapshot(100))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(110, bids=[("179.5", "9")])))
        with self.assertLogs(self.data_source.logger(), level="WARNING") as logs:
            await self.feed(depth_frame("SOL_USDC", 101, 101, bids=[("179.1", "1")]),
                            depth_frame("SOL_USDC", 105, 108, bids=[("170", "1")]),  # gap: 102..104 missing
                            depth_frame("SOL_USDC", 109, 111, bids=[("179.6", "1")]),
                            depth_frame("SOL_USDC", 112, 112, bids=[("179.7", "2")]))
        self.assertIn("expected update 102, got 105", logs.output[0])
        self.assertEqual({179.5: 9.0, 179.6: 1.0, 179.7: 2.0}, bids(book))  # nothing from before the gap
        self.assertEqual((110, 112), (book.snapshot_uid, book.last_diff_uid))
        self.assertEqual(2, len(self.depth_requests()))

    async def test_reconnect_rebuilds_from_fresh_snapshot(self):
        book = await self.track("SOL-USDC", snapshot(100))
        await self.feed(depth_frame("SOL_USDC", 101, 102, bids=[("179.1", "1")]))
        await self.data_source._on_order_stream_interruption(websocket_assistant=None)
        self.assertEqual(({}, {}, False), (bids(book), asks(book), self.data_source.books_in_sequence))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(200, bids=[("178", "5")])))
        await self.data_source._subscribe_channels(AsyncMock())
        self.data_source._on_streams_live()
        # a diff that continues the old sequence must wait for the fresh snapshot, which covers it
        await self.feed(depth_frame("SOL_USDC", 103, 104, bids=[("179.2", "1")]),
                        depth_frame("SOL_USDC", 201, 201, bids=[("178.5", "1")]))
        self.assertEqual({178.0: 5.0, 178.5: 1.0}, bids(book))
        self.assertEqual((200, 201, True), (book.snapshot_uid, book.last_diff_uid, self.data_source.books_in_sequence))

    async def test_each_pair_has_its_own_sequence(self):
        sol = await self.track("SOL-USDC", snapshot(100))
        btc = await self.track("BTC-USDC", snapshot(5000))
        await self.feed(depth_frame("SOL_USDC", 101, 101), depth_frame("BTC_USDC", 5001, 5001),
                        depth_frame("SOL_USDC", 102, 102), depth_frame("ETH_USDC", 1, 1))  # ETH: no book
        self.assertEqual((102, 5001), (sol.last_diff_uid, btc.last_diff_uid))
        self.assertEqual(2, len(self.depth_requests()))

    async def test_unreadable_diff_leaves_the_book_untouched_and_rebuilds_it(self):
        book = await self.track("SOL-USDC", snapshot(100))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(105, bids=[("179.3", "3")])))
        with self.assertLogs(self.data_source.logger(), level="ERROR") as logs:
            await self.feed(depth_frame("SOL_USDC", 101, 101, bids=[("179.5", "1")], asks=[("oops", "1")]))
        self.assertIn("Unreadable SOL-USDC depth update", logs.output[0])
        # rebuilt at once from a fresh snapshot; nothing of the unreadable diff was applied
        self.assertEqual(({179.3: 3.0}, {180.1: 2.0}, 105), (bids(book), asks(book), book.snapshot_uid))
        await self.feed(depth_frame("SOL_USDC", 106, 106, bids=[("179.4", "1")]))
        self.assertEqual({179.3: 3.0, 179.4: 1.0}, bids(book))
        self.assertEqual(2, len(self.depth_requests()))

    async def test_levels_with_extra_fields_and_string_update_ids_are_read(self):
        book = await self.track("SOL-USDC", snapshot(100))
        await self.feed(depth_frame("SOL_USDC", "101", "101", bids=[("179.7", "2", "x")]))
        self.assertEqual(({179.9: 3.0, 179.7: 2.0}, 101), (bids(book), book.last_diff_uid))

    async def test_listener_applies_depth_and_routes_the_rest(self):
        book = await self.track("SOL-USDC", snapshot(100))
        trade = {"stream": "trade.SOL_USDC", "data": {"e": "trade", "s": "SOL_USDC", "t": 1}}
        refusal = {"id": None, "error": {"code": 4006, "message": "Invalid stream"}}
        frames = [depth_frame("SOL_USDC", 101, 101, bids=[("179.8", "1")]), trade, refusal]

        async def messages():
            for frame in frames:
                yield WSResponse(frame)

        ws = MagicMock()
        ws.iter_messages = messages
        with self.assertLogs(self.data_source.logger(), level="ERROR") as logs:
            await self.data_source._process_websocket_messages(ws)
        self.assertEqual((101, 1.0), (book.last_diff_uid, bids(book)[179.8]))
        self.assertEqual([trade], [self.data_source._message_queue["trade"].get_nowait()])
        self.assertTrue(self.data_source._message_queue["depth"].empty())
        self.assertIn("4006 Invalid stream", logs.output[0])

    def answer_requests(self, ws: AsyncMock):
        """The exchange starts each subscribed stream: a frame of its first stream follows the request."""
        async def answer(request):
            await asyncio.sleep(0)
            self.data_source._on_awaited_stream({"stream": request.payload["params"][0], "data": {}})
        ws.send.side_effect = lambda request: asyncio.ensure_future(answer(request))

    async def test_dynamic_pairs_subscribe_with_exchange_symbol(self):
        ws = AsyncMock()
        self.answer_requests(ws)
        self.data_source._ws_assistant = ws
        self.assertTrue(await self.data_source.subscribe_to_trading_pair("ETH-USDC"))
        self.assertEqual({"method": "SUBSCRIBE", "params": ["depth.ETH_USDC", "trade.ETH_USDC"]},
                         ws.send.call_args[0][0].payload)
        self.assertIn("ETH-USDC", self.data_source._trading_pairs)
        book = await self.track("ETH-USDC", snapshot(7))  # Hummingbot's tracker creates the new pair's book
        await self.feed(depth_frame("ETH_USDC", 8, 8))
        self.assertEqual((7, 8), (book.snapshot_uid, book.last_diff_uid))

        self.assertTrue(await self.data_source.unsubscribe_from_trading_pair("ETH-USDC"))
        self.assertEqual({"method": "UNSUBSCRIBE", "params": ["depth.ETH_USDC", "trade.ETH_USDC"]},
                         ws.send.call_args[0][0].payload)
        self.assertNotIn("ETH-USDC", self.data_source._trading_pairs)
        await self.feed(depth_frame("ETH_USDC", 9, 9))  # late frame of a removed pair is ignored
        self.assertEqual(8, book.last_diff_uid)

    async def test_runtime_subscribe_returns_once_a_new_stream_streams(self):
        """The new pair's snapshot is asked for once `subscribe_to_trading_pair` returns: only once a frame of
        its streams has come are they live (the fallback wait is an hour here)."""
        ws = AsyncMock()
        self.data_source._ws_assistant = ws
        with patch.object(data_source_module, "STREAMS_LIVE_WAIT_S", 3600.0):
            subscribing = asyncio.ensure_future(self.data_source.subscribe_to_trading_pair("ETH-USDC"))
            await asyncio.sleep(0.05)
            self.assertFalse(subscribing.done())
            self.assertEqual({"method": "SUBSCRIBE", "params": ["depth.ETH_USDC", "trade.ETH_USDC"]},
                             ws.send.call_args[0][0].payload)
            self.data_source._on_awaited_stream({"stream": "trade.SOL_USDC", "data": {}})  # another pair's
            await asyncio.sleep(0.01)
            self.assertFalse(subscribing.done())
            self.data_source._on_awaited_stream({"stream": "trade.ETH_USDC", "data": {}})
            self.assertTrue(await asyncio.wait_for(subscribing, 1))
        self.assertEqual({}, self.data_source._awaited_streams)

    async def test_subscribe_before_connection_is_deferred(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(1)), repeat=True)
        self.assertFalse(await self.data_source.subscribe_to_trading_pair("ETH-USDC"))
        ws = AsyncMock()
        await self.data_source._subscribe_channels(ws)
        self.assertIn("depth.ETH_USDC", ws.send.call_args[0][0].payload["params"])

    async def test_trade_message_uses_microseconds_and_taker_side(self):
        queue = asyncio.Queue()
        frame = {"stream": "trade.SOL_USDC", "data": {
            "e": "trade", "E": 1753102447307501, "T": 1753102447307000, "s": "SOL_USDC", "p": "180.25",
            "q": "1.5", "b": "111", "a": "222", "t": 4242, "m": True}}
        await self.data_source._parse_trade_message(frame, queue)
        message = queue.get_nowait()
        self.assertEqual(OrderBookMessageType.TRADE, message.type)
        self.assertEqual("SOL-USDC", message.trading_pair)
        self.assertAlmostEqual(1753102447.307, message.timestamp, places=3)
        self.assertEqual(float(TradeType.SELL.value), message.content["trade_type"])  # buyer was maker
        self.assertEqual(4242, message.trade_id)
        self.assertEqual(Decimal("180.25"), Decimal(message.content["price"]))

    async def test_channel_routing_and_error_frames(self):
        self.assertEqual("depth", self.data_source._channel_originating_message(depth_frame("SOL_USDC", 1, 1)))
        self.assertEqual("trade", self.data_source._channel_originating_message({"stream": "trade.SOL_USDC"}))
        self.assertEqual("", self.data_source._channel_originating_message({"result": None, "id": 1}))
        with self.assertLogs(self.data_source.logger(), level="ERROR") as logs:
            await self.data_source._process_message_for_unknown_channel(
                {"id": None, "error": {"code": 4006, "message": "Invalid stream"}}, AsyncMock())
        self.assertIn("4006 Invalid stream", logs.output[0])

    async def test_snapshot_parsing(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(
            321, bids=[("1.0", "5"), ("12.9", "1")], asks=[("13.1", "2"), ("14", "3")])))
        self.data_source._on_streams_live()
        book = await self.data_source.get_new_order_book("SOL-USDC")
        self.assertEqual(321, book.snapshot_uid)
        self.assertEqual(13.1, book.get_price(True))  # best ask: what a buyer pays
        self.assertEqual(12.9, book.get_price(False))  # best bid: bids arrive in ascending order
