"""Register the Backpack extensions that Hummingbot keeps in hard-coded maps.

Hummingbot has no plugin hook for candles feeds or rate-oracle sources, so they are added to its
maps at import time. `backpack_utils` calls `register_plugin_extensions()` at its end: Hummingbot's
connector registry imports every `<connector>_utils` module at startup (and before the client
config is loaded), so the registration happens whichever way Hummingbot is launched.
An exception escaping a `*_utils` import would break every connector, so this never raises.
"""
import logging
from typing import Callable, Tuple

logger = logging.getLogger(__name__)

CANDLES_FEED_NAMES = ("backpack", "backpack_perpetual")


def register_plugin_extensions() -> None:
    steps: Tuple[Tuple[str, Callable[[], None]], ...] = (
        ("release check", warn_if_untested_hummingbot),
        ("candles feeds", register_candles_feeds),
        ("rate-oracle source", register_rate_source),
    )
    for what, step in steps:
        try:
            step()
        except Exception as error:  # never let a registration failure break Hummingbot's startup
            logger.warning(f"Backpack {what} could not be registered: {error!r}", exc_info=True)


def warn_if_untested_hummingbot() -> None:
    """One warning per process when Hummingbot is a release we did not test (hummingbot_backpack.releases)."""
    from hummingbot_backpack.releases import warn_once_if_untested

    warn_once_if_untested()


def register_candles_feeds() -> None:
    from hummingbot.data_feed.candles_feed.backpack_perpetual_candles import BackpackPerpetualCandles
    from hummingbot.data_feed.candles_feed.backpack_spot_candles import BackpackSpotCandles
    from hummingbot.data_feed.candles_feed.candles_factory import CandlesFactory

    spot_name, perpetual_name = CANDLES_FEED_NAMES
    CandlesFactory._candles_map[spot_name] = BackpackSpotCandles
    CandlesFactory._candles_map[perpetual_name] = BackpackPerpetualCandles


def register_rate_source() -> None:
    from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source_registration import (
        register_backpack_rate_source,
    )

    register_backpack_rate_source()
