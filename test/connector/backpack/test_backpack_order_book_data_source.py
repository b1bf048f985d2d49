import asyncio
import json
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from unittest.mock import AsyncMock

from aioresponses import aioresponses
from bidict import bidict

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.exchange.backpack.backpack_order_book import BackpackOrderBook
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.order_book_message import OrderBookMessageType
from test.connector.backpack.helpers import ClosesSharedHttpSession, url_regex


def depth_frame(symbol: str, first: int, last: int, bids=(), asks=()):
    return {"stream": f"depth.{symbol}", "data": {
        "e": "depth", "E": 1753102447307501, "T": 1753102447307000, "s": symbol,
        "U": first, "u": last, "b": [list(level) for level in bids], "a": [list(level) for level in asks]}}


def snapshot(last_update_id: int, bids=(("179.9", "3"),), asks=(("180.1", "2"),)):
    return {"lastUpdateId": str(last_update_id), "timestamp": 1753102447307501,
            "bids": [list(level) for level in bids], "asks": [list(level) for level in asks]}


class OrderBookDataSourceTests(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange = BackpackExchange(trading_required=False, trading_pairs=["SOL-USDC", "BTC-USDC"])
        self.exchange._set_trading_pair_symbol_map(bidict({"SOL_USDC": "SOL-USDC", "BTC_USDC": "BTC-USDC",
                                                           "ETH_USDC": "ETH-USDC"}))
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.data_source = self.exchange._orderbook_ds
        self.depth_url = url_regex(web_utils.rest_url(CONSTANTS.DEPTH_PATH_URL, self.exchange.rest_base_url))
        self.diffs: asyncio.Queue = asyncio.Queue()
        self.mock_api = aioresponses()
        self.mock_api.start()

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()

    def snapshots_sent(self):
        queue = self.data_source._message_queue[self.data_source._snapshot_messages_queue_key]
        sent = []
        while not queue.empty():
            sent.append(queue.get_nowait())
        return sent

    def diffs_out(self):
        out = []
        while not self.diffs.empty():
            out.append(self.diffs.get_nowait())
        return out

    async def feed(self, *frames):
        for frame in frames:
            await self.data_source._parse_order_book_diff_message(frame, self.diffs)

    def depth_requests(self):
        return [call for key, calls in self.mock_api.requests.items() for call in calls
                if str(key[1]).endswith(CONSTANTS.DEPTH_PATH_URL) or CONSTANTS.DEPTH_PATH_URL + "?" in str(key[1])]

    async def test_one_subscribe_message_for_all_pairs(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(1)), repeat=True)
        ws = AsyncMock()
        await self.data_source._subscribe_channels(ws)
        self.assertEqual(1, ws.send.call_count)
        payload = ws.send.call_args[0][0].payload
        self.assertEqual({"method": "SUBSCRIBE",
                          "params": ["depth.SOL_USDC", "trade.SOL_USDC", "depth.BTC_USDC", "trade.BTC_USDC"]},
                         payload)

    async def test_connect_rebuilds_every_book_even_without_diffs(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(100)))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(5000)))
        await self.data_source._subscribe_channels(AsyncMock())
        self.assertEqual([("SOL-USDC", 100), ("BTC-USDC", 5000)],
                         [(s.trading_pair, s.update_id) for s in self.snapshots_sent()])
        await self.feed(depth_frame("SOL_USDC", 101, 101))  # continues from the connect-time snapshot
        self.assertEqual([], self.snapshots_sent())
        self.assertEqual([(101, 101)], [(d.first_update_id, d.update_id) for d in self.diffs_out()])

    async def test_first_diff_builds_from_snapshot_then_sequential_diffs_apply(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(100)))
        await self.feed(depth_frame("SOL_USDC", 95, 100),  # covered by the snapshot
                        depth_frame("SOL_USDC", 99, 103, bids=[("179.95", "1")]),  # straddles: applies
                        depth_frame("SOL_USDC", 104, 104, asks=[("180.1", "0")]))
        snapshots = self.snapshots_sent()
        self.assertEqual([100], [s.update_id for s in snapshots])
        self.assertEqual(OrderBookMessageType.SNAPSHOT, snapshots[0].type)
        self.assertEqual("SOL-USDC", snapshots[0].trading_pair)
        diffs = self.diffs_out()
        self.assertEqual([(99, 103), (104, 104)], [(d.first_update_id, d.update_id) for d in diffs])
        self.assertEqual(179.95, diffs[0].bids[0].price)
        self.assertEqual(0.0, diffs[1].asks[0].amount)

    async def test_gap_triggers_fresh_snapshot_before_more_diffs(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(100)))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(110, bids=[("179.5", "9")])))
        await self.feed(depth_frame("SOL_USDC", 101, 101),
                        depth_frame("SOL_USDC", 105, 108),  # gap: 102..104 missing -> snapshot 110 covers it
                        depth_frame("SOL_USDC", 109, 111, bids=[("179.6", "1")]),
                        depth_frame("SOL_USDC", 112, 112))
        self.assertEqual([100, 110], [s.update_id for s in self.snapshots_sent()])
        self.assertEqual([(101, 101), (109, 111), (112, 112)],
                         [(d.first_update_id, d.update_id) for d in self.diffs_out()])
        self.assertEqual(2, len(self.depth_requests()))

    async def test_snapshot_older_than_stream_applies_nothing_and_retries(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(100)))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(100)))  # lagging snapshot on resync
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(130)))
        await self.feed(depth_frame("SOL_USDC", 101, 101),
                        depth_frame("SOL_USDC", 120, 125),  # gap; the new snapshot (100) is still too old
                        depth_frame("SOL_USDC", 126, 131))  # -> retried with snapshot 130, 131 applies
        self.assertEqual([100, 100, 130], [s.update_id for s in self.snapshots_sent()])
        self.assertEqual([(101, 101), (126, 131)], [(d.first_update_id, d.update_id) for d in self.diffs_out()])

    async def test_reconnect_rebuilds_from_fresh_snapshot(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(100)))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(200)))
        await self.feed(depth_frame("SOL_USDC", 101, 102))
        await self.data_source._on_order_stream_interruption(websocket_assistant=None)
        await self.data_source._subscribe_channels(AsyncMock())
        # even a diff that continues the old sequence must wait for a fresh snapshot
        await self.feed(depth_frame("SOL_USDC", 103, 104), depth_frame("SOL_USDC", 201, 201))
        self.assertEqual([100, 200], [s.update_id for s in self.snapshots_sent()])
        self.assertEqual([(101, 102), (201, 201)], [(d.first_update_id, d.update_id) for d in self.diffs_out()])

    async def test_each_pair_has_its_own_sequence(self):
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(100)))
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(5000)))
        await self.feed(depth_frame("SOL_USDC", 101, 101), depth_frame("BTC_USDC", 5001, 5001),
                        depth_frame("SOL_USDC", 102, 102))
        self.assertEqual([("SOL-USDC", 100), ("BTC-USDC", 5000)],
                         [(s.trading_pair, s.update_id) for s in self.snapshots_sent()])
        self.assertEqual(["SOL-USDC", "BTC-USDC", "SOL-USDC"], [d.trading_pair for d in self.diffs_out()])

    async def test_dynamic_pairs_subscribe_with_exchange_symbol(self):
        ws = AsyncMock()
        self.data_source._ws_assistant = ws
        self.assertTrue(await self.data_source.subscribe_to_trading_pair("ETH-USDC"))
        self.assertEqual({"method": "SUBSCRIBE", "params": ["depth.ETH_USDC", "trade.ETH_USDC"]},
                         ws.send.call_args[0][0].payload)
        self.assertIn("ETH-USDC", self.data_source._trading_pairs)
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(7)))
        await self.feed(depth_frame("ETH_USDC", 8, 8))
        self.assertEqual([("ETH-USDC", 7)], [(s.trading_pair, s.update_id) for s in self.snapshots_sent()])

        self.assertTrue(await self.data_source.unsubscribe_from_trading_pair("ETH-USDC"))
        self.assertEqual({"method": "UNSUBSCRIBE", "params": ["depth.ETH_USDC", "trade.ETH_USDC"]},
                         ws.send.call_args[0][0].payload)
        self.assertNotIn("ETH-USDC", self.data_source._trading_pairs)
        await self.feed(depth_frame("ETH_USDC", 9, 9))  # late frame of a removed pair is ignored
        self.assertEqual(1, len(self.diffs_out()))

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
        book = await self.data_source.get_new_order_book("SOL-USDC")
        self.assertEqual(321, book.snapshot_uid)
        self.assertEqual(13.1, book.get_price(True))  # best ask: what a buyer pays
        self.assertEqual(12.9, book.get_price(False))  # best bid: bids arrive in ascending order

    async def test_resync_snapshot_applies_to_a_book_that_already_took_diffs(self):
        """Hummingbot's tracker restores a snapshot with the recent diffs (bisect: `snapshot < diff`); the diff
        message class must compare with a snapshot, else the resync raises and the book stays stale."""
        self.mock_api.get(self.depth_url, body=json.dumps(snapshot(10)), repeat=True)
        book = await self.data_source.get_new_order_book("SOL-USDC")
        await self.feed(depth_frame("SOL_USDC", 11, 11, bids=[("179.9", "1")]),
                        depth_frame("SOL_USDC", 12, 13, bids=[("179.8", "4")]))
        past_diffs = self.diffs_out()
        for diff in past_diffs:
            book.apply_diffs(diff.bids, diff.asks, diff.update_id)
        resynced = BackpackOrderBook.snapshot_message_from_exchange(
            snapshot(12, bids=[("179.9", "2"), ("179.8", "7")]), 0.0, metadata={"trading_pair": "SOL-USDC"})

        book.restore_from_snapshot_and_diffs(resynced, past_diffs)

        self.assertEqual(12, book.snapshot_uid)
        self.assertEqual(13, book.last_diff_uid)  # only the diff newer than the snapshot was replayed
        bids = dict(zip(book.snapshot[0]["price"], book.snapshot[0]["amount"]))
        self.assertEqual({179.9: 2.0, 179.8: 4.0}, bids)
        self.assertTrue(resynced < past_diffs[1] and not resynced < past_diffs[0])
