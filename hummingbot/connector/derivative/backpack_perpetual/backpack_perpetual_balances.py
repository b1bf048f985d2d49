"""What `backpack_perpetual` reports as balances, so that one Backpack account is counted once per process.

Spot and perps are ONE Backpack account: the perp margin is made of the account's assets (`netEquity` = their
weighted value + the positions' unrealized PnL). Hummingbot's `balance` command and hummingbot-api's portfolio
add up the balances of every connector of the process at market prices, so the account's assets must be
reported by exactly one connector, and the positions' unrealized PnL (which no asset row shows) by the perp:

- no spot connector `backpack` of the same API key in the process (backpack_account_registry): the perp
  reports the account's assets exactly as the spot connector would (`/api/v1/capital` +
  `/api/v1/borrowLend/positions`: lent funds count, borrowed ones do not), with the unrealized PnL added to
  USDC. The total is then the account's equity: a perps-only account of USDC 10,000 shows 10,000;
- a spot connector of the same key exists: it reports the assets; the perp reports one USDC row whose total
  is the unrealized PnL (its only addition to the account), and asks `/api/v1/capital/collateral` only.

In both cases USDC **available** is `netEquityAvailable`, the margin free for new positions (positions' and
open orders' margin already deducted), which Hummingbot's PerpetualBudgetChecker and position sizing read;
other assets keep their spot available amount. When a spot connector of the key appears or is released, the
last poll's figures are re-applied at once under the other rule (from perp-only back to assets the next poll
brings the assets, which a perp in PnL mode does not fetch).
"""
from decimal import Decimal
from typing import Any, Dict, Optional, Tuple

from hummingbot.connector.derivative.backpack_perpetual import backpack_perpetual_constants as PERP_CONSTANTS
from hummingbot.connector.exchange.backpack import backpack_account_registry as account_registry
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_spot_balances import SpotBalances, read_spot_balances
from hummingbot.core.utils.async_utils import safe_gather

ZERO = Decimal("0")


def perp_balances(summary: Dict[str, Any], assets: Optional[SpotBalances],
                  collateral_token: str) -> Tuple[Dict[str, Decimal], Dict[str, Decimal]]:
    """(totals, available) from a collateral summary, with the account's assets when the perp reports them."""
    if summary.get("netEquityAvailable") is None:
        return {}, {}
    unrealized = Decimal(str(summary.get("pnlUnrealized") or "0"))
    totals: Dict[str, Decimal] = dict(assets.total) if assets is not None else {}
    available: Dict[str, Decimal] = dict(assets.available) if assets is not None else {}
    totals[collateral_token] = totals.get(collateral_token, ZERO) + unrealized  # may be negative: a loss
    available[collateral_token] = Decimal(str(summary["netEquityAvailable"]))
    return totals, available


class BackpackPerpetualBalancesMixin:
    _collateral_summary: Optional[Dict[str, Any]] = None  # the last poll's, None before the first
    _account_assets: Optional[SpotBalances] = None  # the last poll's, when it fetched them

    def _watch_spot_connectors(self) -> None:
        account_registry.watch(self)

    @property
    def reports_account_assets(self) -> bool:
        """True while no spot connector of this API key exists in the process (see the module notes)."""
        return not account_registry.has_spot_connector(self.api_key)

    async def _update_balances(self):
        collateral = self._api_get(path_url=CONSTANTS.COLLATERAL_PATH_URL, is_auth_required=True)
        if self.reports_account_assets:
            summary, assets = await safe_gather(collateral, read_spot_balances(self._api_get))
        else:
            summary, assets = await collateral, None
        self._collateral_summary = summary if isinstance(summary, dict) else {}
        self._account_assets = assets
        self._apply_balance_view()

    def _apply_balance_view(self) -> None:
        assets = self._account_assets if self.reports_account_assets else None
        totals, available = perp_balances(self._collateral_summary or {}, assets, PERP_CONSTANTS.COLLATERAL_TOKEN)
        self._account_balances.clear()
        self._account_available_balances.clear()
        self._account_balances.update(totals)
        self._account_available_balances.update(available)

    def _on_spot_connectors_changed(self) -> None:
        if self._collateral_summary is not None:
            self._apply_balance_view()
