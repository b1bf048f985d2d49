"""Private Backpack WebSocket streams (shared by spot and perp).

`BackpackAPIUserStreamDataSource(auth, api_factory, ws_url, streams)` connects, sends ONE signed
SUBSCRIBE for all `streams` (spot: `account.orderUpdate`; perp adds `account.positionUpdate`) with the
§2.8 signature array, and queues every `{"stream", "data"}` frame. A subscription error frame (bad
signature, expired request...) is logged as an ERROR that tells the user what to check; acks and other
frames without a stream are ignored. Each reconnect signs a fresh subscription.
"""
import asyncio
from typing import Any, Dict, Iterable, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_auth import BackpackAuth
from hummingbot.core.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hummingbot.core.web_assistant.connections.data_types import WSJSONRequest
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory
from hummingbot.core.web_assistant.ws_assistant import WSAssistant


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
                 streams: Iterable[str] = (CONSTANTS.ORDER_UPDATE_STREAM,)):
        super().__init__()
        self._auth = auth
        self._api_factory = api_factory
        self._ws_url = ws_url
        self._streams = list(streams)

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
        error = describe_ws_error(event_message)
        if error is not None:
            self.logger().error(
                f"Backpack rejected the private stream subscription ({error}). Check that the API key and secret "
                f"belong together and are active, and that this machine's clock is in sync.")
            return
        if isinstance(event_message, dict) and "stream" in event_message:
            queue.put_nowait(event_message)
