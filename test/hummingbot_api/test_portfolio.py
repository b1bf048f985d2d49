"""The portfolio total of one Backpack account equals its equity, whichever of our connectors run (issue 24, item 5).

Mirrors hummingbot-api's portfolio: services/accounts_service.py (`update_account_state_loop` ->
`_refresh_and_get_tokens_info` -> `_get_connector_tokens_info`, `get_portfolio_value`), which refreshes every
trading connector of the account (services/unified_connector_service.py `_update_connector_state`), values each
non-zero total of `get_all_balances()` (USD* tokens at 1, others at the rate oracle's price, else the
connector's last traded price) and adds everything up. Also Hummingbot's `balance` command, which sums the
connectors the same way. The account's equity: its assets (lent counted, borrowed not) at the same prices,
plus the open positions' unrealized PnL at the emulator's marks.
"""
import gc
from decimal import Decimal
from typing import Dict

from hummingbot.connector.exchange.backpack import backpack_account_registry
from test.hummingbot_api import api_calls
from test.hummingbot_api.api_case import ApiOnEmulatorCase
from test.waiting import wait_for

MARKS = {"SOL_USDC": Decimal("180"), "SOL_USDC_PERP": Decimal("180"), "BTC_USDC": Decimal("95000"),
         "BTC_USDC_PERP": Decimal("95000")}


class PortfolioCase(ApiOnEmulatorCase):
    MARKET_DATA = False  # prices and marks stay where the test puts them

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.server.exchange.marks.update(MARKS)

    def price(self, asset: str) -> Decimal:
        """The rate oracle's price (the API's first choice): here the emulator's mark, as Backpack's own."""
        return self.server.exchange.settlement.asset_price(asset)

    async def started(self, *names: str) -> Dict[str, object]:
        connectors = {}
        for name in names:
            connectors[name] = self.create(name)
            await api_calls.initialize_trading_connector(connectors[name])
        return connectors

    async def assert_portfolio_is_the_equity(self, connectors):
        value = await api_calls.portfolio_value(connectors, self.price)
        self.assertEqual(self.ledger_equity(self.price), value)
        return value


class PerpetualOnlyTests(PortfolioCase):
    BALANCES = {"USDC": "10000"}

    async def test_a_perps_only_account_shows_its_equity(self):
        connectors = await self.started("backpack_perpetual")
        perp = connectors["backpack_perpetual"]
        self.assertTrue(perp.reports_account_assets)
        self.assertEqual(Decimal("10000"), await self.assert_portfolio_is_the_equity(connectors))  # was $0

        self.open_perp_position("Bid", "5", "180")
        self.server.exchange.marks["SOL_USDC_PERP"] = Decimal("184")  # +20 unrealized
        value = await self.assert_portfolio_is_the_equity(connectors)
        fee = Decimal("10000") - self.server.exchange.ledger.total(self.api_key, "USDC")  # the taker fee paid
        self.assertEqual(Decimal("10020") - fee, value)
        summary = self.server.exchange.settlement.margin_summary(self.api_key)
        self.assertEqual(summary["netEquityAvailable"], perp.get_available_balance("USDC"))  # the budget figure


class SpotOnlyTests(PortfolioCase):
    async def test_a_spot_only_account_shows_its_equity(self):
        connectors = await self.started("backpack")
        self.assertEqual(Decimal("10000") + 100 * MARKS["SOL_USDC"], await self.assert_portfolio_is_the_equity(connectors))


class BothOnOneKeyTests(PortfolioCase):
    async def test_spot_and_perp_on_one_key_count_the_account_once(self):
        connectors = await self.started("backpack", "backpack_perpetual")
        perp = connectors["backpack_perpetual"]
        self.assertFalse(perp.reports_account_assets)
        await self.assert_portfolio_is_the_equity(connectors)

        self.open_perp_position("Bid", "5", "180")
        self.server.exchange.marks["SOL_USDC_PERP"] = Decimal("184")
        await self.assert_portfolio_is_the_equity(connectors)
        self.assertEqual({"USDC": Decimal("20")}, perp.get_all_balances())  # the positions' PnL only

    async def test_the_perp_takes_over_the_assets_when_the_spot_connector_goes_and_gives_them_back(self):
        perp_only = await self.started("backpack_perpetual")
        await self.assert_portfolio_is_the_equity(perp_only)
        perp = perp_only["backpack_perpetual"]
        self.assertEqual(Decimal("100"), perp.get_balance("SOL"))

        spot = self.create("backpack")  # appears: the perp stops reporting the assets at once, before a poll
        self.assertEqual({"USDC": Decimal("0")}, perp.get_all_balances())
        await api_calls.initialize_trading_connector(spot)
        await self.assert_portfolio_is_the_equity({"backpack": spot, "backpack_perpetual": perp})

        # The API stops and drops it (services/unified_connector_service.py `stop_trading_connector`).
        await api_calls.stop_connector_network(spot)
        self.connectors.remove(spot)
        del spot
        # Released once its cancelled tasks have ended and the collector has run (it holds reference cycles).
        await wait_for(lambda: gc.collect() >= 0 and perp.reports_account_assets, "the spot connector released")
        self.assertTrue(perp.reports_account_assets)
        await self.assert_portfolio_is_the_equity(perp_only)


class RegistryTests(ApiOnEmulatorCase):
    MARKET_DATA = False

    def test_a_market_data_connector_without_keys_is_no_account_s(self):
        spot = self.create("backpack", api_key="", api_secret="")
        self.assertFalse(backpack_account_registry.has_spot_connector(""))
        self.assertIsNotNone(spot)

    def test_a_spot_connector_of_another_key_does_not_count(self):
        self.create("backpack", api_key=self.maker_key)
        perp = self.create("backpack_perpetual")
        self.assertTrue(backpack_account_registry.has_spot_connector(self.maker_key))
        self.assertTrue(perp.reports_account_assets)
