import os
import subprocess
import sys
import sysconfig
import textwrap
import unittest
from typing import get_args
from unittest.mock import patch

from pydantic import ConfigDict, Field

from hummingbot.client.config.client_config_map import RATE_SOURCE_MODES, ClientConfigMap, ExchangeRateSourceModeBase
from hummingbot.client.config.config_helpers import ClientConfigAdapter
from hummingbot.connector.exchange.backpack import backpack_plugin_registrations as registrations
from hummingbot.core.rate_oracle.rate_oracle import RATE_ORACLE_SOURCES, RateOracle
from hummingbot.data_feed.candles_feed.backpack_perpetual_candles import BackpackPerpetualCandles
from hummingbot.data_feed.candles_feed.backpack_spot_candles import BackpackSpotCandles
from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source import BackpackRateSource
from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source_mode import (
    add_backpack_mode_to_client_config,
)
from hummingbot.data_feed.candles_feed.candles_factory import CandlesFactory
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class PluginRegistrationTests(unittest.TestCase):
    def setUp(self):
        registrations.register_plugin_extensions()
        oracle = RateOracle.get_instance()
        previous_source, previous_quote = oracle.source, oracle.quote_token
        self.addCleanup(setattr, oracle, "source", previous_source)
        self.addCleanup(setattr, oracle, "quote_token", previous_quote)

    def test_candles_factory_builds_backpack_feeds(self):
        spot = CandlesFactory.get_candle(CandlesConfig(connector="backpack", trading_pair="SOL-USDC",
                                                       interval="1m", max_records=10))
        perp = CandlesFactory.get_candle(CandlesConfig(connector="backpack_perpetual", trading_pair="SOL-USDC"))
        self.assertIs(BackpackSpotCandles, type(spot))
        self.assertIs(BackpackPerpetualCandles, type(perp))
        self.assertEqual((10, "SOL_USDC"), (spot.max_records, spot._ex_trading_pair))
        self.assertEqual("SOL_USDC_PERP", perp._ex_trading_pair)

    def test_rate_source_is_registered_for_scripts(self):
        self.assertIs(BackpackRateSource, RATE_ORACLE_SOURCES["backpack"])

    def test_rate_source_is_selectable_in_client_config(self):
        config = ClientConfigMap(rate_oracle_source={"name": "backpack"})
        # the mode is ours on 20251103, Hummingbot's own on 20260922; the source it builds is ours on both
        self.assertIsInstance(config.rate_oracle_source, RATE_SOURCE_MODES["backpack"])
        self.assertIsInstance(RateOracle.get_instance().source, BackpackRateSource)
        adapter = ClientConfigAdapter(config)
        self.assertIn("rate_oracle_source:\n  name: backpack", adapter.generate_yml_output_str_with_comments())
        adapter.rate_oracle_source = "binance"  # what the `config rate_oracle_source` command does
        self.assertEqual("binance", RateOracle.get_instance().source.name)
        adapter.rate_oracle_source = "backpack"
        self.assertEqual("backpack", RateOracle.get_instance().source.name)

    def test_registration_is_idempotent(self):
        registrations.register_plugin_extensions()
        members = get_args(ClientConfigMap.model_fields["rate_oracle_source"].annotation)
        self.assertEqual(1, [member.model_config["title"] for member in members].count("backpack"))
        self.assertEqual(len(RATE_SOURCE_MODES), len(members))

    def test_hummingbot_own_backpack_mode_is_kept_and_builds_our_source(self):
        """Hummingbot 20260922 has its own `backpack` mode: no second member is added; the name builds ours."""
        own_mode = type("BackpackRateSourceMode", (ExchangeRateSourceModeBase,), {
            "__annotations__": {"name": str}, "name": Field(default="backpack"),
            "model_config": ConfigDict(title="backpack")})
        saved_modes = dict(RATE_SOURCE_MODES)
        saved_annotation = ClientConfigMap.model_fields["rate_oracle_source"].annotation
        self.addCleanup(self._restore_modes, saved_modes, saved_annotation)
        RATE_SOURCE_MODES["backpack"] = own_mode
        add_backpack_mode_to_client_config(ClientConfigMap)
        self.assertIs(own_mode, RATE_SOURCE_MODES["backpack"])
        self.assertIs(saved_annotation, ClientConfigMap.model_fields["rate_oracle_source"].annotation)
        self.assertIsInstance(own_mode().build_rate_source(), BackpackRateSource)

    @staticmethod
    def _restore_modes(saved_modes, saved_annotation):
        RATE_SOURCE_MODES.clear()
        RATE_SOURCE_MODES.update(saved_modes)
        ClientConfigMap.model_fields["rate_oracle_source"].annotation = saved_annotation
        ClientConfigMap.model_rebuild(force=True)

    def test_a_failing_step_is_logged_and_never_raises(self):
        with patch.object(registrations, "register_candles_feeds", side_effect=RuntimeError("boom")):
            with self.assertLogs(registrations.logger, level="WARNING") as logs:
                registrations.register_plugin_extensions()
        self.assertIn("candles feeds could not be registered", logs.output[0])
        self.assertIs(BackpackRateSource, RATE_ORACLE_SOURCES["backpack"])  # the other step still ran


class RegistrationTimingTests(unittest.TestCase):
    """In a fresh interpreter, as the launcher does: the registry scan (which imports backpack_utils)
    runs in the middle of importing client_config_map, before ClientConfigMap exists."""

    def test_rate_source_selectable_when_hook_runs_inside_client_config_import(self):
        script = textwrap.dedent("""
            import conftest  # this working tree's packages
            import hummingbot.client.settings as settings
            scan = settings.AllConnectorSettings.create_connector_settings.__func__

            def scan_importing_backpack_utils(cls):
                import hummingbot.client.config.client_config_map as partial
                assert not hasattr(partial, "ClientConfigMap")  # the case under test
                import hummingbot.connector.exchange.backpack.backpack_utils  # noqa: F401
                return scan(cls)

            settings.AllConnectorSettings.create_connector_settings = classmethod(scan_importing_backpack_utils)
            from hummingbot.client.config.client_config_map import ClientConfigMap
            from hummingbot.client.config.config_data_types import BaseClientModel
            from hummingbot.core.rate_oracle.rate_oracle import RateOracle
            from hummingbot.data_feed.candles_feed.candles_factory import CandlesFactory
            config = ClientConfigMap(rate_oracle_source={"name": "backpack"})
            print(type(config.rate_oracle_source).__name__, type(RateOracle.get_instance().source).__module__,
                  "backpack_perpetual" in CandlesFactory._candles_map,
                  "__pydantic_init_subclass__" in BaseClientModel.__dict__)
        """)
        result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=90)
        self.assertEqual(0, result.returncode, result.stderr[-2000:])
        self.assertEqual("BackpackRateSourceMode hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source True False", result.stdout.strip().splitlines()[-1])


class LauncherRegistrationTests(unittest.TestCase):
    """The real launcher (`hummingbot_quickstart.py`, imports only) with the INSTALLED plugin
    (`tools/setup.sh`): its import chain alone registers everything before the client config loads."""

    INSTALLED_HOOK = os.path.join(sysconfig.get_paths()["purelib"], "hummingbot_backpack", "connector", "exchange",
                                  "backpack", "backpack_plugin_registrations.py")

    def test_launcher_imports_register_feeds_and_rate_source(self):
        if not os.path.exists(self.INSTALLED_HOOK):
            self.skipTest("plugin not installed: run tools/setup.sh")
        script = textwrap.dedent("""
            import importlib.util, os, sys
            path = os.path.join(sys.prefix, "bin", "hummingbot_quickstart.py")
            spec = importlib.util.spec_from_file_location("launcher", path)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))  # main() is not run
            import hummingbot.connector.exchange.backpack.backpack_utils as utils
            from hummingbot.client.config.client_config_map import ClientConfigMap
            from hummingbot.core.rate_oracle.rate_oracle import RateOracle
            from hummingbot.data_feed.candles_feed.candles_factory import CandlesFactory
            ClientConfigMap(**{"rate_oracle_source": {"name": "backpack"}})  # as conf_client.yml is loaded
            import sysconfig
            ours = os.path.join(sysconfig.get_paths()["purelib"], "hummingbot_backpack") + os.sep
            source = RateOracle.get_instance().source
            print(utils.__file__.startswith(ours), source.name,
                  sys.modules[type(source).__module__].__file__.startswith(ours),
                  sorted(name for name in CandlesFactory._candles_map if name.startswith("backpack")))
        """)
        env = dict(os.environ, PYTHONPATH=REPO_ROOT)  # path_util and bin/ of the repo, as the launcher needs
        result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True,
                                text=True, timeout=90)
        self.assertEqual(0, result.returncode, result.stderr[-2000:])
        self.assertEqual("True backpack True ['backpack', 'backpack_perpetual']", result.stdout.strip().splitlines()[-1])
