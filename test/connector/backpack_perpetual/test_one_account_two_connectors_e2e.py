"""One Backpack account behind `backpack` and `backpack_perpetual` (issue 12, item 2), against the emulator.

Spot and perps are one account on Backpack: the perp margin (`netEquity`) is made of the spot assets.
Hummingbot's `balance` command lists every connected connector and adds up their balances valued at
the rate oracle's prices. The two connectors together must report the account once: the sum of what
they report equals the emulator ledger's value (assets at their prices + the positions' unrealized
PnL), while each one's available figures stay what its budget checker needs.
"""
import os
from decimal import Decimal
from typing import Dict
from unittest.mock import patch

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from test.connector.backpack.helpers import close_shared_http_session
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

PAIR = "SOL-USDC"


class OneAccountTwoConnectorsTests(IsolatedAsyncioWrapperTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()
        self.api_key, api_secret = generate_keypair()
        self.maker_key, _ = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data=False,
                                     accounts={self.api_key: {"USDC": "10000", "SOL": "100"},
                                               self.maker_key: {"USDC": "100000"}})
        await self.server.start()
        env = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, env):
            self.spot = BackpackExchange(self.api_key, api_secret, trading_pairs=[PAIR])
            self.perp = BackpackPerpetualDerivative(self.api_key, api_secret, trading_pairs=[PAIR])

    async def asyncTearDown(self):
        await self.server.stop()
        await close_shared_http_session()
        await super().asyncTearDown()

    def open_long(self, quantity: str, price: str):
        ex = self.server.exchange
        ex.execute_order(self.maker_key, {"symbol": "SOL_USDC_PERP", "side": "Ask", "orderType": "Limit",
                                          "price": price, "quantity": quantity})
        ex.execute_order(self.api_key, {"symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Limit",
                                        "price": price, "quantity": quantity})

    def price(self, asset: str) -> Decimal:
        return self.server.exchange.settlement.asset_price(asset)  # the rate the balance command would use

    def reported_value(self) -> Decimal:
        """What Hummingbot's `balance` command totals: every connector's balances at their USDC rates."""
        return sum((amount * self.price(asset) for connector in (self.spot, self.perp)
                    for asset, amount in connector.get_all_balances().items()), Decimal(0))

    def ledger_value(self) -> Decimal:
        ex = self.server.exchange
        assets = sum((ex.ledger.total(self.api_key, a) * self.price(a) for a in ex.ledger.assets(self.api_key)),
                     Decimal(0))
        return assets + sum((p.unrealized(ex.marks[p.symbol]) for p in ex.open_positions(self.api_key)), Decimal(0))

    async def poll(self):
        for connector in (self.spot, self.perp):
            await connector._update_all_balances()

    async def test_the_two_connectors_together_report_the_account_once(self):
        await self.poll()
        self.assertEqual(self.ledger_value(), self.reported_value())  # 10000 USDC + 100 SOL, no position

        self.open_long("5", "180")
        self.server.exchange.marks["SOL_USDC_PERP"] = Decimal("184")  # +20 unrealized
        await self.poll()
        self.assertEqual(self.ledger_value(), self.reported_value())
        summary = self.server.exchange.settlement.margin_summary(self.api_key)
        self.assertEqual(Decimal("20"), self.perp.get_balance("USDC"))
        # The budget figures: perps use the margin free for new positions, spot its own cash and assets.
        self.assertEqual(summary["netEquityAvailable"], self.perp.get_available_balance("USDC"))
        ledger: Dict[str, Decimal] = {a: self.server.exchange.ledger.available(self.api_key, a) for a in ("USDC", "SOL")}
        self.assertEqual(ledger, {a: self.spot.get_available_balance(a) for a in ledger})
