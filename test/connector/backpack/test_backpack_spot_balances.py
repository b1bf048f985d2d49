"""`spot_balances`: /capital plus borrow/lend positions -> Hummingbot totals and available amounts."""
import unittest
from decimal import Decimal

from hummingbot.connector.exchange.backpack.backpack_spot_balances import spot_balances


def position(asset: str, net: str):
    return {"symbol": asset, "netQuantity": net}


class SpotBalancesTests(unittest.TestCase):
    def test_lent_funds_count_borrowed_funds_do_not(self):
        capital = {"USDC": {"available": "600", "locked": "100", "staked": "0"},
                   "SOL": {"available": "0", "locked": "2", "staked": "1"}}
        balances = spot_balances(capital, [position("SOL", "97"), position("USDC", "-500"), position("BTC", "0.5")])
        self.assertEqual({"USDC": Decimal("200"), "SOL": Decimal("100"), "BTC": Decimal("0.5")}, balances.total)
        self.assertEqual({"USDC": Decimal("100"), "SOL": Decimal("97"), "BTC": Decimal("0.5")}, balances.available)
        self.assertEqual(({"SOL": Decimal("97"), "BTC": Decimal("0.5")}, {"USDC": Decimal("500")}),
                         (balances.lent, balances.borrowed))

    def test_a_debt_larger_than_the_holding_is_zero_not_negative(self):
        balances = spot_balances({"USDC": {"available": "10", "locked": "5", "staked": "0"}}, [position("USDC", "-50")])
        self.assertEqual((Decimal("0"), Decimal("0")), (balances.total["USDC"], balances.available["USDC"]))

    def test_no_positions_is_capital_alone(self):
        balances = spot_balances({"USDC": {"available": "1", "locked": "2", "staked": "3"}}, [])
        self.assertEqual(({"USDC": Decimal("6")}, {"USDC": Decimal("1")}), (balances.total, balances.available))
        self.assertEqual(({}, {}), (spot_balances({}, []).total, spot_balances(None, None).available))
