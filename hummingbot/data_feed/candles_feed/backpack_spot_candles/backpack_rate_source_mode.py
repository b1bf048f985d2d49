"""The ``backpack`` choice of the client config's ``rate_oracle_source``.

Hummingbot lists the choices in a plain dict (``RATE_SOURCE_MODES``), but the field of
``ClientConfigMap`` is typed as a ``Union`` of the modes known when the class was created: adding
to the dict alone makes ``rate_oracle_source: backpack`` fail validation. So the field's type is
widened with our mode and the pydantic model rebuilt, at runtime, without editing Hummingbot's files.
Importing this module needs ``ExchangeRateSourceModeBase`` only, so it also works while
``client_config_map`` is still being imported (see backpack_rate_source_registration).
"""
import sys
from typing import Union, get_args

from pydantic import ConfigDict, Field

from hummingbot.client.config.client_config_map import ExchangeRateSourceModeBase
from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source import RATE_SOURCE_NAME

RATE_SOURCE_FIELD = "rate_oracle_source"


class BackpackRateSourceMode(ExchangeRateSourceModeBase):
    """``rate_oracle_source: {name: backpack}``; builds a BackpackRateSource (via RATE_ORACLE_SOURCES)."""

    name: str = Field(default=RATE_SOURCE_NAME)
    model_config = ConfigDict(title=RATE_SOURCE_NAME)


def add_backpack_mode_to_client_config(config_class: type) -> None:
    """Idempotent. ``config_class`` is Hummingbot's ``ClientConfigMap``.

    Hummingbot 20260922 has a ``backpack`` mode of its own: it is kept (no second member of the same
    name); it builds ``RATE_ORACLE_SOURCES["backpack"]``, which the registration points at our source.
    """
    modes = sys.modules[config_class.__module__].RATE_SOURCE_MODES
    if modes.get(RATE_SOURCE_NAME) not in (None, BackpackRateSourceMode):
        return
    modes[RATE_SOURCE_NAME] = BackpackRateSourceMode
    field = config_class.model_fields[RATE_SOURCE_FIELD]
    members = get_args(field.annotation)
    if BackpackRateSourceMode in members:
        return
    field.annotation = Union[members + (BackpackRateSourceMode,)]
    config_class.model_rebuild(force=True)
