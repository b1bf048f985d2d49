"""Every script of ours runs without a config file: `start --script X.py` (and the quickstart without `-c`)
never calls `init_markets`, so the class-level `markets` alone must name the connector and pair (before,
it was `{}`: no connector was created and every tick raised KeyError)."""
import importlib
import inspect
import unittest
from pathlib import Path

from hummingbot.client.config.config_data_types import BaseClientModel
from hummingbot.strategy.strategy_v2_base import StrategyV2Base, StrategyV2ConfigBase
from scripts.backpack_support.script_base import BackpackScriptBase

SCRIPTS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "scripts").glob("*.py"))


def classes_of(module):
    """The strategy and config classes, picked the way Hummingbot's TradingCore.load_script_class does."""
    members = [m for _, m in inspect.getmembers(module) if inspect.isclass(m)]
    strategy = next(m for m in members if issubclass(m, BackpackScriptBase)  # the line's script base
                    and m not in (BackpackScriptBase, StrategyV2Base))
    config = next(m for m in members if issubclass(m, BaseClientModel)
                  and m not in (BaseClientModel, StrategyV2ConfigBase))
    return strategy, config


class ScriptMarketsWithoutConfigTests(unittest.TestCase):

    def test_there_are_scripts(self):
        self.assertGreaterEqual(len(SCRIPTS), 3)

    def test_class_level_markets_are_the_config_defaults(self):
        for name in SCRIPTS:
            with self.subTest(script=name):
                module = importlib.reload(importlib.import_module(f"scripts.{name}"))
                strategy, config_class = classes_of(module)
                without_config = {conn: set(pairs) for conn, pairs in strategy.markets.items()}
                self.assertTrue(without_config, f"{name}: empty class-level markets")
                self.assertTrue(all(without_config.values()), without_config)
                strategy.init_markets(config_class())  # what a config file with no fields gives
                self.assertEqual(without_config, {conn: set(pairs) for conn, pairs in strategy.markets.items()})
