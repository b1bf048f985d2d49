"""Private Backpack WebSocket streams (shared by spot and perp).

`BackpackAPIUserStreamDataSource(auth, api_factory, ws_url, streams)` connects, sends ONE signed
SUBSCRIBE for all `streams` (spot: `account.orderUpdate`; perp adds `account.positionUpdate`) with the
§2.8 signature array, and queues every `{"stream", "data"}` frame. A subscription error frame (bad
signature, expired request...) is logged as an ERROR that tells the user what to check; acks and other
frames without a stream are ignored. Each reconnect signs a fresh subscription.

A refused subscription is retried: the clock is re-synced first (`resync_clock`, given by the
connector: a clock that drifted, or a server clock that moved, is the usual cause and no REST call
may have noticed it yet), then, after a pause of 5 s doubling up to 60 s (a wrong key is not
hammered), the stream reconnects and signs again.

With a `message_handler` (the connector gives its own), each stream frame is handed to it in the stream's
own task instead of the queue: the queue costs every order event one more event-loop pass before the
connector sees it (bench/round_trip_bench.py). Frames keep their order; a handler error is logged and
the stream goes on (the status poll corrects what an unprocessed event would have told).
"""
import asyncio
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_auth import BackpackAuth
from hummingbot.core.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hummingbot.core.web_assistant.connections.data_types import WSJSONRequest
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory
from hummingbot.core.web_assistant.ws_assistant import WSAssistant

REFUSED_RETRY_FIRST_S = 5.0
REFUSED_RETRY_MAX_S = 60.0


def describe_ws_error(message: Dict[str, Any]) -> Optional[str]:
    """The text of a WS error frame (`{"id":..,"error":{"code":..,"message":..}}`), None for other frames."""
    error = message.get("error") if isinstance(message, dict) else None
    if not error:
        return None
    if isinstance(error, dict):
        return f"{error.get('code', '')} {error.get('message', '')}".strip()
    return str(error)


class BackpackAPIUserStreamDataSource(UserStreamTrackerDataSource):

    def __init__(self, auth: Optional[BackpackAuth], api_factory: WebAssistantsFactory, ws_url: str,
                 streams: Iterable[str] = (CONSTANTS.ORDER_UPDATE_STREAM,),
                 resync_clock: Optional[Callable[[], Awaitable[None]]] = None,
                 message_handler: Optional[Callable[[Dict[str, Any]], Awaitable[None]]] = None):
        super().__init__()
        self._message_handler = message_handler
        self._auth = auth
        self._api_factory = api_factory
        self._ws_url = ws_url
        self._streams = list(streams)
        self._resync_clock = resync_clock
        self._refusals_in_a_row = 0

    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws: WSAssistant = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=self._ws_url, ping_timeout=CONSTANTS.WS_HEARTBEAT_TIME_INTERVAL)
        return ws

    async def _subscribe_channels(self, websocket_assistant: WSAssistant):
        if self._auth is None:
            raise ValueError("Backpack private streams need an API key and secret (connect backpack).")
        try:
            payload = {"method": "SUBSCRIBE", "params": self._streams,
                       "signature": self._auth.ws_subscription_signature()}
            await websocket_assistant.send(WSJSONRequest(payload=payload))
            self.logger().info(f"Subscribed to private streams {', '.join(self._streams)}")
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().error("Unexpected error occurred subscribing to private streams...", exc_info=True)
            raise

    async def _process_event_message(self, event_message: Dict[str, Any], queue: asyncio.Queue):
        if isinstance(event_message, dict) and "stream" in event_message:  # an event: nearly every frame
            self._refusals_in_a_row = 0
            if self._message_handler is None:
                queue.put_nowait(event_message)
                return
            try:
                await self._message_handler(event_message)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().error(f"Unexpected error processing the private stream frame {event_message}.",
                                    exc_info=True)
            return
        error = describe_ws_error(event_message)
        if error is not None:
            await self._retry_refused_subscription(error)

    async def _retry_refused_subscription(self, error: str):
        delay = min(REFUSED_RETRY_MAX_S, REFUSED_RETRY_FIRST_S * 2 ** self._refusals_in_a_row)
        self._refusals_in_a_row += 1
        self.logger().error(
            f"Backpack rejected the private stream subscription ({error}). Check that the API key and secret "
            f"belong together and are active, and that this machine's clock is in sync. "
            f"Re-syncing the clock and subscribing again in {delay:.0f} s.")
        if self._resync_clock is not None:
            await self._resync_clock()
        await self._sleep(delay)
        raise ConnectionError("the private stream subscription was refused; reconnecting to sign it again")
