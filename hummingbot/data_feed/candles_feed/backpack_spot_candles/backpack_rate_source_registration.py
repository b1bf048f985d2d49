"""Register Backpack as a rate-oracle source, for scripts and for the client config.

Timing matters: Hummingbot's connector registry scan (which imports `backpack_utils`, which calls
this) runs *inside* the import of `hummingbot.client.config.client_config_map`, before that module
has defined `RATE_SOURCE_MODES` and `ClientConfigMap`. In that case the client-config part waits
until `ClientConfigMap` has been created (a one-shot `__pydantic_init_subclass__` on its base
class), which is still before Hummingbot loads `conf_client.yml`.
"""
import logging
import sys
from typing import Callable

from hummingbot.core.rate_oracle import rate_oracle as rate_oracle_module
from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source import (
    RATE_SOURCE_NAME,
    BackpackRateSource,
)

CLIENT_CONFIG_MODULE = "hummingbot.client.config.client_config_map"
CLIENT_CONFIG_CLASS = "ClientConfigMap"

logger = logging.getLogger(__name__)


def register_backpack_rate_source() -> None:
    """Idempotent. `RateOracle(source=...)` / `RATE_ORACLE_SOURCES["backpack"]` work right away."""
    rate_oracle_module.RATE_ORACLE_SOURCES[RATE_SOURCE_NAME] = BackpackRateSource
    config_module = sys.modules.get(CLIENT_CONFIG_MODULE)
    config_class = getattr(config_module, CLIENT_CONFIG_CLASS, None)
    if config_class is not None:
        _add_mode(config_class)
    else:
        _when_client_config_class_created(_add_mode)


def _add_mode(config_class: type) -> None:
    from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source_mode import (
        add_backpack_mode_to_client_config,
    )

    add_backpack_mode_to_client_config(config_class)


def _when_client_config_class_created(callback: Callable[[type], None]) -> None:
    from hummingbot.client.config.config_data_types import BaseClientModel

    if "__pydantic_init_subclass__" in BaseClientModel.__dict__:
        return  # already waiting (or someone else hooks it: leave theirs alone)

    def init_subclass(cls, **kwargs) -> None:
        super(BaseClientModel, cls).__pydantic_init_subclass__(**kwargs)
        if cls.__name__ != CLIENT_CONFIG_CLASS or cls.__module__ != CLIENT_CONFIG_MODULE:
            return
        del BaseClientModel.__pydantic_init_subclass__
        try:
            callback(cls)
        except Exception as error:  # never break the creation of Hummingbot's config class
            logger.warning(f"Backpack rate source is not selectable in the client config: {error!r}",
                           exc_info=True)

    BaseClientModel.__pydantic_init_subclass__ = classmethod(init_subclass)
