"""Perpetual positions: one-way net positions with a cost basis, realised PnL, margin and funding.

Cash settlement keeps value conserved: a fill only moves the position's cost basis
(``net_cost += quantity * price``); realising PnL moves an amount X into cash and adds the same X
to the cost basis. So cash + (net_quantity * P - net_cost), summed over all accounts, is constant
for any common price P.
"""
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Dict, Optional

from backpack_emulator.decimals import FEE_QUANTUM, ZERO, fmt
from backpack_emulator.markets import Market
from backpack_emulator.wire_scale import quantity_text


@dataclass(eq=False)
class Position:
    account: str
    symbol: str
    position_id: int
    net_quantity: Decimal = ZERO
    net_cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    cumulative_funding: Decimal = ZERO

    def entry_price(self) -> Decimal:
        if self.net_quantity == 0:
            return ZERO
        return (self.net_cost / self.net_quantity).quantize(FEE_QUANTUM)

    def unrealized(self, mark: Decimal) -> Decimal:
        return self.net_quantity * mark - self.net_cost

    def apply_fill(self, signed_quantity: Decimal, price: Decimal) -> Decimal:
        """Book a fill; return the PnL realised by it (to be credited to cash)."""
        before = self.net_quantity
        cost_before = self.net_cost
        self.net_quantity += signed_quantity
        self.net_cost += signed_quantity * price
        after = self.net_quantity
        if before == 0 or (before > 0) == (signed_quantity > 0):
            return ZERO  # opened or increased: nothing realised
        if after == 0:
            target = ZERO
        elif (after > 0) != (before > 0):
            target = after * price  # flipped: the new side starts at the fill price
        else:
            target = (cost_before * after / before).quantize(FEE_QUANTUM)  # keeps the entry price
        realised = target - self.net_cost
        self.net_cost = target
        self.realized_pnl += realised
        return realised

    def rest_json(self, mark: Decimal, imf: Decimal, mmf: Decimal, market_json: Dict[str, Any],
                  subaccount_user: int) -> Dict[str, Any]:
        """Item of GET /api/v1/position (FuturePositionWithMargin)."""
        exposure = abs(self.net_quantity)
        return {
            "breakEvenPrice": fmt(self.entry_price()),
            "entryPrice": fmt(self.entry_price()),
            "estLiquidationPrice": "0",
            "imf": fmt(imf),
            "imfFunction": market_json["imfFunction"],
            "markPrice": fmt(mark),
            "mmf": fmt(mmf),
            "mmfFunction": market_json["mmfFunction"],
            "netCost": fmt(self.net_cost),
            "netQuantity": fmt(self.net_quantity),
            "netExposureQuantity": fmt(exposure),
            "netExposureNotional": fmt(exposure * mark),
            "pnlRealized": fmt(self.realized_pnl),
            "pnlUnrealized": fmt(self.unrealized(mark).quantize(FEE_QUANTUM)),
            "cumulativeFundingPayment": fmt(self.cumulative_funding),
            "cumulativeInterest": "0",  # interest on unrealised PnL: the emulator charges none
            "subaccountId": None,
            "symbol": self.symbol,
            "userId": subaccount_user,
            "positionId": str(self.position_id),
        }

    def ws_event(self, event: Optional[str], mark: Decimal, imf: Decimal, mmf: Decimal,
                 event_us: int, engine_us: int, market: Market) -> Dict[str, Any]:
        """``account.positionUpdate`` payload; ``event`` None for the initial snapshot frame. ``q``/``Q`` at the
        market's step decimals, as live sends them ("0.0010"; ccxt.pro's captured positionOpened)."""
        data: Dict[str, Any] = {
            "E": event_us,
            "s": self.symbol,
            "b": fmt(self.entry_price()),
            "B": fmt(self.entry_price()),
            "M": fmt(mark),
            "f": fmt(imf),
            "m": fmt(mmf),
            "q": quantity_text(market, self.net_quantity),
            "Q": quantity_text(market, abs(self.net_quantity)),
            "n": fmt(abs(self.net_quantity) * mark),
            "p": fmt(self.realized_pnl),
            "P": fmt(self.unrealized(mark).quantize(FEE_QUANTUM)),
            "i": self.position_id,
            "l": "0",
            "T": engine_us,
        }
        if event is not None:
            data["e"] = event
        return data


def reducible(position: Optional[Position], is_bid: bool) -> Decimal:
    """How much a reduce-only order on this side may still fill without flipping the position."""
    if position is None:
        return ZERO
    if is_bid:
        return -position.net_quantity if position.net_quantity < 0 else ZERO
    return position.net_quantity if position.net_quantity > 0 else ZERO


def funding_payment(position: Position, mark: Decimal, rate: Decimal) -> Decimal:
    """Signed funding cash flow (+received / -paid): longs pay shorts when the rate is positive.
    Rounded down, so payers never pay less and receivers never get more than the exact amount: the
    rounding residue is never owed by the insurance account."""
    return (-position.net_quantity * mark * rate).quantize(FEE_QUANTUM, rounding=ROUND_FLOOR)
