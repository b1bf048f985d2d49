"""Log lines describing an exchange account and market, in the form BACKPACK_HEADLESS.md shows."""
from decimal import Decimal
from typing import List

from hummingbot.connector.connector_base import ConnectorBase

FOUR_PLACES = Decimal("0.0001")


def four_places(value: Decimal) -> str:
    return str(Decimal(value).quantize(FOUR_PLACES))


def balance_lines(connector: ConnectorBase) -> List[str]:
    """`<Class> - Updated balances: N assets`, `Balances: N assets`, then one line per asset held."""
    available = connector.available_balances
    totals = {asset: total for asset, total in connector.get_all_balances().items()
              if total > 0 or available.get(asset, 0) > 0}
    lines = [f"{type(connector).__name__} - Updated balances: {len(totals)} assets",
             f"Balances: {len(totals)} assets"]
    for asset in sorted(totals):
        lines.append(f"  {asset}: total={four_places(totals[asset])}, "
                     f"available={four_places(connector.get_available_balance(asset))}")
    return lines


def order_book_lines(connector: ConnectorBase, trading_pair: str) -> List[str]:
    """`Order book for X:` then `  Bid: b, Ask: a, Mid: m` from the best levels of the live book."""
    bid = connector.get_price(trading_pair, False)
    ask = connector.get_price(trading_pair, True)
    mid = (bid + ask) / 2
    return [f"Order book for {trading_pair}:",
            f"  Bid: {four_places(bid)}, Ask: {four_places(ask)}, Mid: {four_places(mid)}"]
