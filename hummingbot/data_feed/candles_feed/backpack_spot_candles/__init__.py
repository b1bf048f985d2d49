from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_spot_candles import BackpackSpotCandles

__all__ = ["BackpackSpotCandles"]
