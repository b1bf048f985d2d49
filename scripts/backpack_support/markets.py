"""Class-level `markets` of our scripts. Hummingbot calls a script's `init_markets(config)` only when the
run has a config file; `start --script X.py` alone (and the console's `start` without `--conf`) reads the
class attribute as it is, so it must already name the connector and pair of the config's defaults."""
from typing import Dict, Set, Type

from hummingbot.client.config.config_data_types import BaseClientModel


def markets_of(config: BaseClientModel) -> Dict[str, Set[str]]:
    return {config.exchange: {config.trading_pair}}


def default_markets(config_class: Type[BaseClientModel]) -> Dict[str, Set[str]]:
    return markets_of(config_class())
