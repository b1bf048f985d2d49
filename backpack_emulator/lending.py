"""Borrow/lend positions: Auto Lend, lends redeemed for orders, manual borrows and lends, REST views.

Backpack keeps one net position per asset (official type `BorrowLendPosition`): `netQuantity` > 0 is lent,
< 0 borrowed. With the account setting Auto Lend on, idle (available) funds are lent at once, so they
leave `/api/v1/capital` and show only in `/api/v1/borrowLend/positions`. An order sent with
`autoLendRedeem: true` that needs more than the available funds redeems the missing part of the lend;
without it the order is refused for insufficient funds. A borrow puts the borrowed funds into
`available`; they stay owed (negative `netQuantity`).
"""
from decimal import Decimal
from typing import Any, Dict, List, Protocol

from backpack_emulator.accounts import AccountSettings
from backpack_emulator.decimals import ZERO, fmt, parse_decimal
from backpack_emulator.errors import ApiError, bad_request
from backpack_emulator.ledger import Ledger
from backpack_emulator.markets import Market
from backpack_emulator.settlement import Settlement


class ExchangeState(Protocol):
    """What lending reads on the exchange (a Protocol: exchange.py imports this module)."""
    ledger: Ledger
    markets: Dict[str, Market]
    settings: Dict[str, AccountSettings]
    settlement: Settlement

SIDES = ("Borrow", "Lend")
POSITION_ID_BASE = 41_000_000_000
# The margin functions of a borrow/lend position (same shape as a perp market's).
IMF_FUNCTION = {"type": "sqrt", "base": "0.02", "factor": "0.00006"}
MMF_FUNCTION = {"type": "sqrt", "base": "0.0135", "factor": "0.000036"}


class Lending:
    def __init__(self, exchange: ExchangeState) -> None:
        self.exchange = exchange
        self.ledger = exchange.ledger
        self._ids: Dict[tuple, int] = {}

    def sweep(self) -> None:
        """Auto Lend: every account with the setting on lends all its available funds (a borrowed asset is
        left alone: repaying is Auto Repay's job, which the emulator does not model). Run after every
        change of balances."""
        for account, settings in self.exchange.settings.items():
            if not settings.auto_lend:
                continue
            for asset in self.ledger.assets(account):
                available, lent = self.ledger.available(account, asset), self.ledger.net_lend(account, asset)
                if available > 0 and lent >= 0:
                    self.ledger.lend(account, asset, available)
                elif available < 0 < lent:  # a perp fee or loss settled in cash: paid from the lend
                    self.ledger.borrow(account, asset, min(-available, lent))

    def redeem_for(self, account: str, asset: str, needed: Decimal) -> None:
        """An order with `autoLendRedeem` that needs more than what is available takes the rest from the lend."""
        shortfall = needed - self.ledger.available(account, asset)
        lent = self.ledger.net_lend(account, asset)
        if shortfall > 0 and lent > 0:
            self.ledger.borrow(account, asset, min(shortfall, lent))

    def redeemable(self, account: str, asset: str) -> Decimal:
        return max(self.ledger.net_lend(account, asset), ZERO)

    def execute(self, account: str, body: Any) -> None:
        """`POST /api/v1/borrowLend` (`BorrowLendExecutePayload`: quantity, side, symbol); answers 200, no body."""
        if not isinstance(body, dict):
            raise bad_request("Invalid borrow/lend payload: expected a JSON object")
        side, asset = body.get("side"), body.get("symbol")
        if side not in SIDES:
            raise bad_request("Invalid `side`: expected Borrow or Lend")
        if asset not in self.known_assets():
            raise bad_request("Invalid `symbol`: unknown asset")
        quantity = parse_decimal(body.get("quantity"))
        if quantity is None or quantity <= 0:
            raise bad_request("Invalid `quantity`: expected a positive decimal")
        if side == "Lend":
            self.ledger.lend(account, asset, quantity)
            return
        borrowed = max(quantity - self.redeemable(account, asset), ZERO)
        if borrowed > 0:
            price = self.exchange.settlement.asset_price(asset)
            if borrowed * price > self.exchange.settlement.margin_summary(account)["netEquityAvailable"]:
                raise ApiError(400, "INSUFFICIENT_MARGIN", "Insufficient collateral to borrow")
        self.ledger.borrow(account, asset, quantity)

    def known_assets(self) -> set:
        return {a for m in self.exchange.markets.values() for a in (m.base, m.quote)}

    def positions_json(self, account: str) -> List[Dict[str, Any]]:
        """`GET /api/v1/borrowLend/positions`: one row per asset with a non-zero position."""
        rows = []
        for asset, net in self.ledger.lend_positions(account).items():
            price = self.exchange.settlement.asset_price(asset)
            rows.append({
                "cumulativeInterest": "0", "id": str(self._position_id(account, asset)), "symbol": asset,
                "imf": IMF_FUNCTION["base"], "imfFunction": dict(IMF_FUNCTION), "markPrice": fmt(price),
                "mmf": MMF_FUNCTION["base"], "mmfFunction": dict(MMF_FUNCTION),
                "netExposureNotional": fmt(abs(net) * price), "netExposureQuantity": fmt(abs(net)),
                "netQuantity": fmt(net), "estLiquidationPrice": "0"})
        return rows

    def _position_id(self, account: str, asset: str) -> int:
        key = (account, asset)
        if key not in self._ids:
            self._ids[key] = POSITION_ID_BASE + len(self._ids) + 1
        return self._ids[key]
