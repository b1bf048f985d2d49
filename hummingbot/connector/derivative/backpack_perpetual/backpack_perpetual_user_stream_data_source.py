"""Private streams of `backpack_perpetual`: order updates plus `account.positionUpdate`.

The shared data source signs one SUBSCRIBE for every stream and queues each `{"stream", "data"}`
frame; Backpack answers a position subscription with the open positions as frames WITHOUT an `e`
field, which are queued like any other frame (the connector reads them as position snapshots).
"""
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_api_user_stream_data_source import (
    BackpackAPIUserStreamDataSource,
)
from hummingbot.connector.exchange.backpack.backpack_auth import BackpackAuth
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory

PERPETUAL_PRIVATE_STREAMS = (CONSTANTS.ORDER_UPDATE_STREAM, CONSTANTS.POSITION_UPDATE_STREAM)


class BackpackPerpetualAPIUserStreamDataSource(BackpackAPIUserStreamDataSource):

    def __init__(self, auth: Optional[BackpackAuth], api_factory: WebAssistantsFactory, ws_url: str,
                 streams: Iterable[str] = PERPETUAL_PRIVATE_STREAMS,
                 resync_clock: Optional[Callable[[], Awaitable[None]]] = None,
                 message_handler: Optional[Callable[[Dict[str, Any]], Awaitable[None]]] = None):
        super().__init__(auth=auth, api_factory=api_factory, ws_url=ws_url, streams=streams,
                         resync_clock=resync_clock, message_handler=message_handler)
