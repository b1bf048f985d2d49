"""Funding payments of 10 perp pairs over 127.0.0.1 against the emulator: one `/wapi/v1/history/funding`
request per round for all of them (was one per pair): 2 at start (Hummingbot's initial round and the poll of
the clock's first tick; were 20), 1 per poll (were 10), every payment reported once."""
import asyncio
import os
from decimal import Decimal
from unittest.mock import patch

from backpack_emulator.admin_client import AdminClient
from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.event.event_forwarder import EventForwarder
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import close_shared_http_session
from test.connector.backpack.test_backpack_e2e_emulator import wait_for
from test.connector.backpack_perpetual.emulator_case import PerpetualOnEmulatorCase
from test.connector.backpack_perpetual.helpers import funding_row

PAIRS = ["SOL-USDC", "BTC-USDC"] + [f"SYN{i:03d}-USDC" for i in range(8)]
FUNDING_PATH = "/" + CONSTANTS.FUNDING_HISTORY_PATH_URL
T0 = 1757620800  # 2025-09-11T20:00:00Z
HOUR = 3600


class FundingOfTenPairsAgainstEmulatorTests(PerpetualOnEmulatorCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()  # one an earlier test left, bound to its closed loop
        self.api_key, secret = generate_keypair()
        # no periodic payment during the test (1 h interval): only the rows written below
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data=False, funding_interval_s=3600.0,
                                     extra_markets=8, accounts={self.api_key: {"USDC": "1000"}})
        await self.server.start()
        self.admin = AdminClient(self.server.rest_url)
        urls = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, urls):
            self.derivative = BackpackPerpetualDerivative(self.api_key, secret, trading_pairs=PAIRS)
        self.payments = []
        self.forwarder = EventForwarder(self.payments.append)
        self.derivative.add_listener(MarketEvent.FundingPaymentCompleted, self.forwarder)
        self.clock_task = asyncio.ensure_future(self.drive_clock())

    async def asyncTearDown(self):
        await self.admin.close()
        await super().asyncTearDown()

    def pay(self, interval_end_s: int, amount: str, pairs=PAIRS):
        """Rows as the emulator's settlement writes them, for each pair's market (positions not needed)."""
        user_id = self.server.exchange.settings[self.api_key].user_id
        for pair in pairs:
            row = funding_row(pair.replace("-", "_") + "_PERP", interval_end_s, "0.0001", amount)
            self.server.exchange.funding_history[self.api_key].append({**row, "userId": user_id})

    async def funding_requests(self):
        return [r for r in await self.admin.requests(path=FUNDING_PATH) if r["apiKey"] == self.api_key]

    async def test_one_funding_request_at_start_and_per_poll_for_ten_pairs(self):
        self.pay(T0 - HOUR, "-0.1")
        self.pay(T0, "-0.2")
        await self.derivative.start_network()
        await wait_for(lambda: self.derivative.ready, "the connector to be ready", timeout=30)
        await wait_for(lambda: len(self.derivative._last_funding_fee_payment_ts) == len(PAIRS),
                       "the last payment of every pair")
        # Hummingbot's start: the round recording each pair's last payment, then the poll of the clock's first tick
        await wait_for(lambda: not self.derivative._funding_fee_poll_notifier.is_set(), "the first poll")
        await asyncio.sleep(0.3)
        self.assertEqual(2, len(await self.funding_requests()))
        self.assertEqual({pair: T0 for pair in PAIRS}, self.derivative._last_funding_fee_payment_ts)
        self.assertEqual([], self.payments)

        self.pay(T0 + HOUR, "-0.3")
        self.derivative._funding_fee_poll_notifier.set()
        await wait_for(lambda: len(self.payments) >= len(PAIRS), "a payment of every pair")
        self.derivative._funding_fee_poll_notifier.set()  # a poll with nothing new
        await wait_for(lambda: not self.derivative._funding_fee_poll_notifier.is_set(), "the next poll")
        await asyncio.sleep(0.3)
        requests = await self.funding_requests()
        self.assertEqual(4, len(requests))
        self.assertTrue(all("symbol" not in (r["params"] or {}) for r in requests))
        self.assertEqual(sorted((pair, T0 + HOUR, Decimal("-0.3")) for pair in PAIRS),
                         sorted((e.trading_pair, e.timestamp, e.amount) for e in self.payments))
