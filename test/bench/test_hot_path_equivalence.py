"""The hot-path speedups made for the benchmarks give the same answers as the Hummingbot code they replace."""
import asyncio
import gc
import json
import unittest

import aiohttp
from bidict import bidict

from bench import depth_bench

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_auth import BackpackAuth
from hummingbot.connector.exchange.backpack.backpack_rate_limits import shared_request_pool
from hummingbot.connector.exchange.backpack.backpack_sequenced_book import SequencedBook
from hummingbot.connector.exchange.backpack.backpack_throttler import BackpackThrottler
from hummingbot.connector.exchange.backpack.backpack_web_assistants import BackpackWSAssistant
from hummingbot.connector.exchange.backpack.backpack_web_utils import build_api_factory
from hummingbot.connector.exchange.backpack.backpack_ws_connection import BackpackWSConnection, decode_frame
from hummingbot.connector.time_synchronizer import TimeSynchronizer
from hummingbot.core.api_throttler.data_types import RateLimit
from hummingbot.core.web_assistant.connections.data_types import WSResponse
from hummingbot.core.web_assistant.connections.ws_connection import WSConnection
from hummingbot.core.web_assistant.ws_post_processors import WSPostProcessorBase
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_message import OrderBookMessage, OrderBookMessageType
from test.connector.backpack.helpers import API_KEY, API_SECRET


class ThrottlerTests(unittest.TestCase):

    def test_same_budgets_as_hummingbot(self):
        throttler = BackpackThrottler(CONSTANTS.RATE_LIMITS)

        def granted(limit_id: str, attempts: int) -> int:
            return sum(throttler.execute_task(limit_id)._try_take() for _ in range(attempts))

        self.assertEqual(30, granted(CONSTANTS.KLINES_PATH_URL, 40))  # historical: 30/min
        self.assertEqual(100, granted(CONSTANTS.DEPTH_PATH_URL, 100))
        self.assertEqual(5, granted("not/a/limit", 5))  # unknown ids are not throttled, as in Hummingbot
        self.assertEqual(130, throttler.used(CONSTANTS.GLOBAL_LIMIT_ID))

    def test_a_full_window_waits_until_it_frees_up(self):
        async def scenario():
            throttler = BackpackThrottler([RateLimit(limit_id="x", limit=2, time_interval=0.2)], retry_interval=0.01)
            for _ in range(2):
                async with throttler.execute_task("x"):
                    pass
            third = asyncio.ensure_future(throttler.execute_task("x").acquire())
            await asyncio.sleep(0.05)
            waited = not third.done()
            await asyncio.wait_for(third, timeout=5)
            return waited, throttler.used("x")

        self.assertEqual((True, 1), asyncio.run(scenario()))

    def test_booking_a_request_leaves_no_object_for_the_garbage_collector(self):
        throttler = BackpackThrottler([RateLimit(limit_id="x", limit=10_000, time_interval=60)])
        context = throttler.execute_task("x")
        gc.collect()
        gc.disable()
        try:
            before = len(gc.get_objects())
            granted = sum(context._try_take() for _ in range(500))
            grown = len(gc.get_objects()) - before
        finally:
            gc.enable()
        self.assertEqual(500, granted)
        self.assertLess(grown, 20)  # a (time, weight) tuple per request would be 500 more

    def test_connectors_use_it(self):
        async def pool_throttler():
            return shared_request_pool("bench-test-key").throttler
        self.assertIsInstance(asyncio.run(pool_throttler()), BackpackThrottler)


def hummingbot_message(kind: OrderBookMessageType, bids, asks, update_id: int) -> OrderBookMessage:
    """The reference: Hummingbot's own message, whose `bids`/`asks` build Hummingbot's rows."""
    return OrderBookMessage(kind, {"trading_pair": "SOL-USDC", "update_id": update_id, "bids": bids, "asks": asks},
                            timestamp=0.0)


def apply_message(book: OrderBook, message: OrderBookMessage):
    apply = book.apply_snapshot if message.type == OrderBookMessageType.SNAPSHOT else book.apply_diffs
    apply(message.bids, message.asks, message.update_id)


class SequencedBookTests(unittest.TestCase):
    """The direct depth path (one reusable row refilled per level) builds the same book as Hummingbot's
    messages and rows, level for level."""

    def test_rows_match_the_hummingbot_message(self):
        snapshot = {"lastUpdateId": "6", "bids": [["179.90", "3"]], "asks": [["180.05", "1"]]}
        frame = {"e": "depth", "E": 1_700_000_000_123_456, "s": "SOL_USDC", "U": 7, "u": 9,
                 "b": [["179.95", "1.5"], ["179.90", "0"]], "a": [["180.05", "2", "extra"]]}
        reference = OrderBook()
        apply_message(reference, hummingbot_message(OrderBookMessageType.SNAPSHOT, snapshot["bids"],
                                                    snapshot["asks"], 6))
        apply_message(reference, hummingbot_message(OrderBookMessageType.DIFF, frame["b"], frame["a"], 9))
        sequenced = SequencedBook("SOL-USDC", OrderBook())
        sequenced.apply_snapshot(snapshot)
        self.assertTrue(sequenced.apply_diff(frame))
        self.assertEqual(list(reference.bid_entries()), list(sequenced.book.bid_entries()))
        self.assertEqual(list(reference.ask_entries()), list(sequenced.book.ask_entries()))
        self.assertEqual((9, 6), (sequenced.book.last_diff_uid, sequenced.book.snapshot_uid))

    def test_same_book_as_hummingbot_messages(self):
        data = depth_bench.generate(3000, seed=11)
        reference = OrderBook()
        apply_message(reference, hummingbot_message(OrderBookMessageType.SNAPSHOT, data.snapshot["bids"],
                                                    data.snapshot["asks"], int(data.snapshot["lastUpdateId"])))
        sequenced = SequencedBook("SOL-USDC", OrderBook())
        sequenced.apply_snapshot(data.snapshot)
        for frame in data.frames:
            diff = decode_frame(frame)["data"]
            apply_message(reference, hummingbot_message(OrderBookMessageType.DIFF, diff["b"], diff["a"], diff["u"]))
            self.assertTrue(sequenced.apply_diff(diff))
        self.assertEqual(list(reference.bid_entries()), list(sequenced.book.bid_entries()))
        self.assertEqual(list(reference.ask_entries()), list(sequenced.book.ask_entries()))
        self.assertEqual(reference.last_diff_uid, sequenced.book.last_diff_uid)
        self.assertGreater(len(list(reference.bid_entries())), 10)


class FrameDecodingTests(unittest.TestCase):

    def test_same_values_as_json_loads(self):
        for frame in depth_bench.generate(200, seed=3).frames + [
                '{"stream":"trade.SOL_USDC","data":{"p":"180.1","m":true,"x":null,"f":1.25,"n":-3}}',
                '{"id":null,"error":{"code":4006,"message":"Invalid stream \\u00e9"}}', '[]', '"pong"']:
            self.assertEqual(json.loads(frame), decode_frame(frame))

    def test_what_ujson_refuses_goes_to_json_and_non_json_stays_text(self):
        self.assertEqual({"big": 2 ** 70}, decode_frame('{"big": %d}' % 2 ** 70))
        self.assertEqual("pong", decode_frame("pong"))

    def test_connectors_read_frames_with_it(self):
        async def assistant():
            factory = build_api_factory()
            return await factory.get_ws_assistant()
        ws = asyncio.run(assistant())
        self.assertIsInstance(ws._connection, BackpackWSConnection)


class _ScriptedSocket:
    """The aiohttp socket under a WSConnection: hands out the given messages, records pongs and closing."""

    def __init__(self, *messages: aiohttp.WSMessage):
        self.messages = list(messages)
        self.pongs, self.closed, self.close_code = [], False, 1000

    async def receive(self, timeout=None):
        return self.messages.pop(0)

    async def pong(self, data):
        self.pongs.append(data)

    async def close(self, *args, **kwargs):
        self.closed = True


class FrameReadingTests(unittest.IsolatedAsyncioTestCase):
    """`BackpackWSConnection.receive` builds a text frame at once and gives every other kind Hummingbot's checks:
    same frames, pongs, closing and errors as Hummingbot's `WSConnection.receive`."""

    @staticmethod
    def connected(socket: _ScriptedSocket, connection_class=BackpackWSConnection) -> WSConnection:
        connection = connection_class(aiohttp_client_session=None)
        connection._connection, connection._connected = socket, True
        return connection

    async def test_frames_and_pongs_as_hummingbot_reads_them(self):
        def messages():
            return (aiohttp.WSMessage(aiohttp.WSMsgType.PING, b"p1", None),
                    aiohttp.WSMessage(aiohttp.WSMsgType.PONG, b"", None),
                    aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, '{"stream":"s","data":{"a":1}}', None),
                    aiohttp.WSMessage(aiohttp.WSMsgType.BINARY, b"raw", None))
        ours, theirs = _ScriptedSocket(*messages()), _ScriptedSocket(*messages())
        reader, reference = self.connected(ours), self.connected(theirs, WSConnection)
        for _ in range(2):
            self.assertEqual((await reference.receive()).data, (await reader.receive()).data)
        self.assertEqual((["p1"], ["p1"]), ([bytes(p).decode() for p in ours.pongs],
                                            [bytes(p).decode() for p in theirs.pongs]))
        self.assertGreater(reader.last_recv_time, 0)

    async def test_a_close_or_an_error_disconnects_and_raises_as_in_hummingbot(self):
        for message, error in ((aiohttp.WSMessage(aiohttp.WSMsgType.CLOSE, 1006, None), ConnectionError),
                               (aiohttp.WSMessage(aiohttp.WSMsgType.ERROR, ValueError("x"), None), ConnectionError)):
            socket = _ScriptedSocket(message)
            reader = self.connected(socket)
            with self.assertRaises(error):
                await reader.receive()
            self.assertTrue(socket.closed)
            self.assertFalse(reader.connected)

    async def test_a_receive_timeout_reads_as_hummingbot_s(self):
        class Silent(_ScriptedSocket):
            async def receive(self, timeout=None):
                raise asyncio.TimeoutError()
        with self.assertRaisesRegex(asyncio.TimeoutError, "Message receive timed out."):
            await self.connected(Silent()).receive()


class FrameIterationTests(unittest.IsolatedAsyncioTestCase):
    """`BackpackWSAssistant.iter_messages` gives Hummingbot's frames, post-processed when there are
    post-processors (the connectors set none, so no coroutine runs an empty list per frame)."""

    @staticmethod
    async def frames(post_processors) -> list:
        socket = _ScriptedSocket(aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, '{"a":1}', None),
                                 aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, '{"a":2}', None))
        connection = FrameReadingTests.connected(socket)
        assistant = BackpackWSAssistant(connection, ws_post_processors=post_processors)
        seen = []
        async for response in assistant.iter_messages():
            seen.append(response.data)
            if len(seen) == 2:
                break
        return seen

    async def test_frames_without_post_processors(self):
        self.assertEqual([{"a": 1}, {"a": 2}], await self.frames([]))

    async def test_post_processors_still_apply(self):
        class Tag(WSPostProcessorBase):
            async def post_process(self, response: WSResponse) -> WSResponse:
                return WSResponse({**response.data, "tagged": True})
        self.assertEqual([{"a": 1, "tagged": True}, {"a": 2, "tagged": True}], await self.frames([Tag()]))

    def test_connectors_iterate_with_it(self):
        async def assistant():
            return await build_api_factory().get_ws_assistant()
        self.assertIsInstance(asyncio.run(assistant()), BackpackWSAssistant)


class TimestampTests(unittest.TestCase):

    def test_cached_offset_follows_new_samples(self):
        synchronizer = TimeSynchronizer()
        auth = BackpackAuth(api_key=API_KEY, secret_key=API_SECRET, time_provider=synchronizer)
        for offset_ms in (-3.0, 250.0, 90_000.0):  # a re-sync must move the signed timestamp at once
            synchronizer.add_time_offset_ms_sample(offset_ms)
            self.assertAlmostEqual(synchronizer.time() * 1e3, auth._timestamp_ms(), delta=50)
        synchronizer.clear_time_offset_ms_samples()
        self.assertAlmostEqual(synchronizer.time() * 1e3, auth._timestamp_ms(), delta=50)


class SymbolMemoTests(unittest.IsolatedAsyncioTestCase):

    async def test_unknown_symbol_is_not_memoised(self):
        from bench.depth_bench import build_data_source
        source = build_data_source()
        self.assertEqual("SOL-USDC", await source._trading_pair_for("SOL_USDC"))
        with self.assertRaises(KeyError):
            await source._trading_pair_for("ETH_USDC")
        source._connector._set_trading_pair_symbol_map(bidict({"SOL_USDC": "SOL-USDC", "ETH_USDC": "ETH-USDC"}))
        self.assertEqual("ETH-USDC", await source._trading_pair_for("ETH_USDC"))
