from hummingbot.data_feed.candles_feed.backpack_perpetual_candles.backpack_perpetual_candles import (
    BackpackPerpetualCandles,
)

__all__ = ["BackpackPerpetualCandles"]
