"""The `backpack` rate source as hummingbot-api's rate oracle settings build it (routers/rate_oracle.py).

`PUT /rate-oracle/config` with `{"rate_oracle_source": {"name": "backpack"}}` looks the name up in
`RATE_ORACLE_SOURCES`, builds the source from its constructor's signature (`create_rate_source`) and sets it
on the running RateOracle; `POST /rate-oracle/rates` then reads `get_pair_rate`, `GET /rate-oracle/prices`
the oracle's prices. Our source had no constructor of its own: the signature read was `object`'s
(`*args, **kwargs`), the API called it with `args=None, kwargs=None` and got a TypeError.
"""
import asyncio
import os
from decimal import Decimal
from unittest.mock import patch

import hummingbot.connector.exchange.backpack.backpack_utils  # noqa: F401  (registers, as Hummingbot's start does)
from backpack_emulator.admin_client import AdminClient

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.rate_oracle.rate_oracle import RATE_ORACLE_SOURCES, RateOracle
from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_rate_source import BackpackRateSource
from test.hummingbot_api import api_calls
from test.hummingbot_api.api_case import PAIR, ApiOnEmulatorCase


class RateOracleSettingsTests(ApiOnEmulatorCase):
    def test_the_api_builds_the_backpack_source_from_its_constructor(self):
        self.assertIs(BackpackRateSource, RATE_ORACLE_SOURCES["backpack"])
        source = api_calls.create_rate_source(RATE_ORACLE_SOURCES["backpack"])
        self.assertIsInstance(source, BackpackRateSource)
        self.assertEqual("backpack", source.name)

    async def test_the_oracle_serves_emulator_prices_through_the_source_the_api_built(self):
        oracle = RateOracle(source=api_calls.create_rate_source(RATE_ORACLE_SOURCES["backpack"]), quote_token="USDC")
        urls = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        await asyncio.sleep(0.5)  # a few generator steps: every market has a last price
        with patch.dict(os.environ, urls):
            rate = await oracle.rate_async(PAIR)  # routers/rate_oracle.py `get_rate_async`
        self.assertIsNotNone(rate)
        self.assertTrue(Decimal(100) < rate < Decimal(300), rate)  # SOL starts near 180 in the emulator
        async with AdminClient(self.server.rest_url) as admin:
            self.assertEqual(1, len(await admin.requests(path="/api/v1/tickers")))
