"""Per-account settings: fee tiers (basis points), leverage limit and the account flags of /account."""
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict

from backpack_emulator.decimals import fmt

FEE_ACCOUNT = "__fees__"  # collects every trading fee
INSURANCE_ACCOUNT = "__insurance__"  # absorbs funding rounding residue


@dataclass
class AccountSettings:
    user_id: int
    spot_maker_bps: Decimal = Decimal(8)
    spot_taker_bps: Decimal = Decimal(10)
    futures_maker_bps: Decimal = Decimal(2)
    futures_taker_bps: Decimal = Decimal(5)
    leverage_limit: Decimal = Decimal(10)
    auto_lend: bool = False
    auto_borrow_settlements: bool = False
    auto_repay_borrows: bool = False

    def fee_bps(self, perp: bool, maker: bool) -> Decimal:
        if perp:
            return self.futures_maker_bps if maker else self.futures_taker_bps
        return self.spot_maker_bps if maker else self.spot_taker_bps

    def rest_json(self, limit_orders: int, trigger_orders: int = 0) -> Dict[str, Any]:
        return {
            "autoBorrowSettlements": self.auto_borrow_settlements,
            "autoLend": self.auto_lend,
            "autoRealizePnl": True,
            "autoRepayBorrows": self.auto_repay_borrows,
            "borrowLimit": "0",
            "futuresMakerFee": fmt(self.futures_maker_bps),
            "futuresTakerFee": fmt(self.futures_taker_bps),
            "leverageLimit": fmt(self.leverage_limit),
            "limitOrders": limit_orders,
            "liquidating": False,
            "positionLimit": "1000000",
            "spotMakerFee": fmt(self.spot_maker_bps),
            "spotTakerFee": fmt(self.spot_taker_bps),
            "triggerOrders": trigger_orders,
        }
