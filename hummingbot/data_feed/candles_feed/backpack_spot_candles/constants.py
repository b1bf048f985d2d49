"""Backpack klines: endpoints and interval names (Backpack API reference §3.3, §5.3).

Paths and rate limits come from the spot connector's constants, so the candles feeds throttle klines
with the same rules as the connectors (30 requests/min for historical market data).
"""
from bidict import bidict

from hummingbot.connector.exchange.backpack import backpack_constants as EXCHANGE_CONSTANTS

CANDLES_ENDPOINT = EXCHANGE_CONSTANTS.KLINES_PATH_URL
HEALTH_CHECK_ENDPOINT = EXCHANGE_CONSTANTS.PING_PATH_URL
RATE_LIMITS = EXCHANGE_CONSTANTS.RATE_LIMITS

# Hummingbot interval name -> Backpack interval name. Only "1M" is spelled differently.
INTERVALS = bidict({
    "1s": "1s",
    "1m": "1m",
    "3m": "3m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1h",
    "2h": "2h",
    "4h": "4h",
    "6h": "6h",
    "8h": "8h",
    "12h": "12h",
    "1d": "1d",
    "3d": "3d",
    "1w": "1w",
    "1M": "1month",
})

# Backpack documents no row cap and no limit parameter for klines: the request window
# (startTime..endTime) sets the size, so Hummingbot pages history in windows of this many candles.
MAX_RESULTS_PER_CANDLESTICK_REST_REQUEST = 1000

KLINE_STREAM_PREFIX = "kline"
KLINE_EVENT_TYPE = "kline"
