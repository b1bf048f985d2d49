"""Spot balances of a Backpack account from `/api/v1/capital` and `/api/v1/borrowLend/positions`.

With Auto Lend on, Backpack lends idle funds: they leave `/capital` and show only as a positive
`netQuantity` of the asset's borrow/lend position. The connector sends spot orders with
`autoLendRedeem: true` while the account lends, so the exchange redeems what an order needs: lent funds
are the user's and count as available. A borrow (negative `netQuantity`) puts the borrowed funds into
`/capital`, but they are owed, not the user's: they are taken off both figures.

Per asset: total = available + locked + staked + lent - borrowed; available = total - locked - staked;
neither below zero (a debt larger than what is held is not a negative holding Hummingbot could use).
"""
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.utils.async_utils import safe_gather

ZERO = Decimal("0")


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else ZERO


@dataclass
class SpotBalances:
    total: Dict[str, Decimal] = field(default_factory=dict)
    available: Dict[str, Decimal] = field(default_factory=dict)
    lent: Dict[str, Decimal] = field(default_factory=dict)
    borrowed: Dict[str, Decimal] = field(default_factory=dict)


def spot_balances(capital: Any, positions: Any) -> SpotBalances:
    balances = SpotBalances()
    for row in positions if isinstance(positions, list) else []:
        asset, net = row.get("symbol"), _decimal(row.get("netQuantity"))
        if asset and net > 0:
            balances.lent[asset] = balances.lent.get(asset, ZERO) + net
        elif asset and net < 0:
            balances.borrowed[asset] = balances.borrowed.get(asset, ZERO) - net
    capital = capital if isinstance(capital, dict) else {}
    for asset in sorted(set(capital) | set(balances.lent) | set(balances.borrowed)):
        amounts = capital.get(asset) or {}
        held = _decimal(amounts.get("locked")) + _decimal(amounts.get("staked"))
        own = (_decimal(amounts.get("available")) + held + balances.lent.get(asset, ZERO)
               - balances.borrowed.get(asset, ZERO))
        balances.total[asset] = max(own, ZERO)
        balances.available[asset] = max(own - held, ZERO)
    return balances


async def read_spot_balances(api_get: Callable[..., Awaitable[Any]]) -> SpotBalances:
    """The account's assets from two requests in parallel (`api_get` is the connector's `_api_get`); with Auto
    Lend on, idle funds are only in the borrow/lend positions."""
    capital, positions = await safe_gather(
        api_get(path_url=CONSTANTS.CAPITAL_PATH_URL, is_auth_required=True),
        api_get(path_url=CONSTANTS.BORROW_LEND_POSITIONS_PATH_URL, is_auth_required=True))
    return spot_balances(capital, positions)
