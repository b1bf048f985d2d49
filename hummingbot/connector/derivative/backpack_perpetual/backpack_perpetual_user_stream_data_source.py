"""Private streams of `backpack_perpetual`: order updates plus `account.positionUpdate`.

The shared data source signs one SUBSCRIBE for every stream and queues each `{"stream", "data"}`
frame (handed to the connector); Backpack answers a position subscription with the open positions as frames WITHOUT an `e`
field, which are handled like any other frame (the connector reads them as position snapshots).
"""
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_api_user_stream_data_source import (
    BackpackAPIUserStreamDataSource,
)

PERPETUAL_PRIVATE_STREAMS = (CONSTANTS.ORDER_UPDATE_STREAM, CONSTANTS.POSITION_UPDATE_STREAM)


class BackpackPerpetualAPIUserStreamDataSource(BackpackAPIUserStreamDataSource):
    """The shared data source; the perp connector subscribes it to `PERPETUAL_PRIVATE_STREAMS`."""
