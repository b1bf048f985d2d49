"""Base of the hummingbot-api tests: an in-process emulator and connectors created the way the API creates them."""
import os
from decimal import Decimal
from typing import Dict, List
from unittest.mock import patch

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from test.connector.backpack.helpers import close_shared_http_session
from test.hummingbot_api import api_calls
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

PAIR = "SOL-USDC"
OTHER_PAIR = "BTC-USDC"


def api_keys(connector_name: str, api_key: str, api_secret: str) -> Dict[str, str]:
    """The decrypted keys the API passes (`BackendAPISecurity.api_keys`): the connector's `connect` fields."""
    return {f"{connector_name}_api_key": api_key, f"{connector_name}_api_secret": api_secret}


class ApiOnEmulatorCase(IsolatedAsyncioWrapperTestCase):
    """`self.server` (market data on, so books fill), `self.api_key` / `self.api_secret` holding the
    account's `BALANCES`, and `create(name)` for a connector built as the API builds it (stopped at tear down)."""
    BALANCES = {"USDC": "10000", "SOL": "100"}
    MARKET_DATA = True

    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()
        self.api_key, self.api_secret = generate_keypair()
        self.maker_key, _ = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=3, market_data=self.MARKET_DATA,
                                     accounts={self.api_key: dict(self.BALANCES), self.maker_key: {"USDC": "1000000",
                                                                                                   "SOL": "1000"}})
        await self.server.start()
        self.connectors: List = []

    async def asyncTearDown(self):
        for connector in self.connectors:
            await api_calls.stop_connector_network(connector)
        await self.server.stop()
        await close_shared_http_session()
        await super().asyncTearDown()
        self.assertEqual([], self.server.refusals(), "requests the strict decoder refused")

    def create(self, connector_name: str, api_key: str = None, api_secret: str = None):
        urls = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, urls):
            connector = api_calls.create_trading_connector(
                connector_name, api_keys(connector_name, api_key or self.api_key, api_secret or self.api_secret))
        self.connectors.append(connector)
        return connector

    def open_perp_position(self, side: str, quantity: str, price: str, symbol: str = "SOL_USDC_PERP"):
        """A position of this account filled against a resting order of the maker account, in the emulator."""
        ex = self.server.exchange
        ex.execute_order(self.maker_key, {"symbol": symbol, "side": "Ask" if side == "Bid" else "Bid",
                                          "orderType": "Limit", "price": price, "quantity": quantity})
        ex.execute_order(self.api_key, {"symbol": symbol, "side": side, "orderType": "Limit", "price": price,
                                        "quantity": quantity})

    def ledger_equity(self, price) -> Decimal:
        """The account's equity: every asset (lent included, borrowed off) at `price(asset)`, plus the open
        positions' unrealized PnL at the emulator's marks."""
        ex = self.server.exchange
        assets = sum((ex.ledger.total(self.api_key, asset) * price(asset) for asset in ex.ledger.assets(self.api_key)),
                     Decimal(0))
        return assets + sum((p.unrealized(ex.marks[p.symbol]) for p in ex.open_positions(self.api_key)), Decimal(0))
