import asyncio
import base64
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from unittest.mock import AsyncMock

from nacl.signing import VerifyKey

from hummingbot.connector.exchange.backpack.backpack_api_user_stream_data_source import BackpackAPIUserStreamDataSource
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from test.connector.backpack.helpers import API_KEY, API_SECRET, ClosesSharedHttpSession


class UserStreamDataSourceTests(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange = BackpackExchange(API_KEY, API_SECRET, trading_pairs=["SOL-USDC"])
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.data_source: BackpackAPIUserStreamDataSource = self.exchange._user_stream_tracker.data_source
        self.queue = asyncio.Queue()

    async def test_signed_subscription(self):
        ws = AsyncMock()
        await self.data_source._subscribe_channels(ws)
        payload = ws.send.call_args[0][0].payload
        self.assertEqual("SUBSCRIBE", payload["method"])
        self.assertEqual(["account.orderUpdate"], payload["params"])
        api_key, signature, timestamp, window = payload["signature"]
        self.assertEqual(API_KEY, api_key)
        self.assertEqual("5000", window)
        self.assertTrue(timestamp.isdigit())
        message = f"instruction=subscribe&timestamp={timestamp}&window=5000".encode()
        VerifyKey(base64.b64decode(API_KEY)).verify(message, base64.b64decode(signature))  # raises if wrong

    async def test_connects_to_configured_ws_url(self):
        ws = AsyncMock()
        self.exchange._web_assistants_factory.get_ws_assistant = AsyncMock(return_value=ws)
        await self.data_source._connected_websocket_assistant()
        self.assertEqual(self.exchange.ws_base_url, ws.connect.call_args.kwargs["ws_url"])

    async def test_refused_subscription_is_logged_then_signed_again_after_a_clock_resync(self):
        self.data_source._sleep = AsyncMock()
        self.exchange._update_time_synchronizer = AsyncMock()
        refusal = {"id": None, "error": {"code": 4001, "message": "Invalid signature"}}
        delays = []
        with self.assertLogs(self.data_source.logger(), level="ERROR") as logs:
            for _ in range(6):
                self.exchange._time_synchronizer.add_time_offset_ms_sample(-12_000)
                with self.assertRaises(ConnectionError):  # Hummingbot's loop reconnects and signs again
                    await self.data_source._process_event_message(refusal, self.queue)
                delays.append(self.data_source._sleep.call_args[0][0])
                self.assertEqual([], list(self.exchange._time_synchronizer._time_offset_ms))  # old samples gone
        self.assertEqual([5, 10, 20, 40, 60, 60], delays)  # a wrong key is not hammered
        self.assertEqual(6, self.exchange._update_time_synchronizer.await_count)
        self.assertIn("4001 Invalid signature", logs.output[0])
        self.assertIn("API key and secret", logs.output[0])
        self.assertTrue(self.queue.empty())
        await self.data_source._process_event_message({"stream": "account.orderUpdate", "data": {}}, self.queue)
        with self.assertRaises(ConnectionError):  # once a subscription worked, the pause starts over
            await self.data_source._process_event_message(refusal, self.queue)
        self.assertEqual(5, self.data_source._sleep.call_args[0][0])

    async def test_only_stream_frames_are_queued(self):
        data_source = BackpackAPIUserStreamDataSource(auth=self.exchange._auth, api_factory=AsyncMock(), ws_url="")
        frame = {"stream": "account.orderUpdate", "data": {"e": "orderAccepted"}}
        await data_source._process_event_message({"result": None, "id": 1}, self.queue)
        await data_source._process_event_message(frame, self.queue)
        self.assertEqual(frame, self.queue.get_nowait())
        self.assertTrue(self.queue.empty())

    async def test_connector_handles_stream_frames_in_the_stream_task(self):
        """The connector's data source hands each stream frame to the connector at once (no queue pass)."""
        handled = []
        self.exchange._process_user_stream_message = AsyncMock(side_effect=handled.append)
        data_source = self.exchange._create_user_stream_data_source()
        frame = {"stream": "account.orderUpdate", "data": {"e": "orderAccepted"}}
        await data_source._process_event_message({"result": None, "id": 1}, self.queue)
        await data_source._process_event_message(frame, self.queue)
        self.assertEqual([frame], handled)
        self.assertTrue(self.queue.empty())

    async def test_a_frame_the_connector_fails_on_does_not_stop_the_stream(self):
        self.exchange._process_user_stream_message = AsyncMock(side_effect=[KeyError("i"), None])
        data_source = self.exchange._create_user_stream_data_source()
        frame = {"stream": "account.orderUpdate", "data": {"e": "orderAccepted"}}
        await data_source._process_event_message(frame, self.queue)  # logged, not raised
        await data_source._process_event_message(frame, self.queue)
        self.assertEqual(2, self.exchange._process_user_stream_message.await_count)

    async def test_market_data_only_instance_refuses_private_subscription(self):
        public = BackpackExchange(trading_required=False, trading_pairs=[])
        with self.assertRaises(ValueError) as context:
            await public._user_stream_tracker.data_source._subscribe_channels(AsyncMock())
        self.assertIn("API key and secret", str(context.exception))
