"""Parsing of the perp-only Backpack payloads into plain records.

- `PositionRecord` from a `/api/v1/position` row or an `account.positionUpdate` frame (also the
  initial frame sent on subscribe, which has no `e`): signed net quantity (+long / -short), entry
  price, unrealized PnL; `is_closed` when the quantity is zero or the event is `positionClosed`.
- `funding_info_from_rest` (`/api/v1/markPrices` row) and `funding_update_from_ws` (`markPrice.<symbol>`
  frame): mark, index, rate, next funding time in SECONDS (Backpack sends milliseconds there).
- `FundingPayment` from a `/wapi/v1/history/funding` row (`quantity` +received / -paid, naive UTC time).
Decimals may come as strings or bare numbers (the docs show both): everything goes through `str`.
"""
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, Optional

from hummingbot.connector.derivative.backpack_perpetual import backpack_perpetual_constants as PERP_CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_messages import seconds_from_iso, seconds_from_ms
from hummingbot.core.data_type.funding_info import FundingInfo, FundingInfoUpdate


def _decimal(value: Any, default: str = "0") -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(default)


def _optional_decimal(value: Any) -> Optional[Decimal]:
    return None if value in (None, "") else Decimal(str(value))


def _funding_time_s(value: Any) -> Optional[int]:
    return None if value in (None, "") else int(seconds_from_ms(value))


@dataclass(frozen=True)
class PositionRecord:
    symbol: str
    amount: Decimal
    entry_price: Decimal
    unrealized_pnl: Decimal
    closed_event: bool = False

    @property
    def is_closed(self) -> bool:
        return self.closed_event or self.amount == 0

    @classmethod
    def from_rest(cls, row: Dict[str, Any]) -> "PositionRecord":
        return cls(symbol=row["symbol"], amount=_decimal(row.get("netQuantity")),
                   entry_price=_decimal(row.get("entryPrice")), unrealized_pnl=_decimal(row.get("pnlUnrealized")))

    @classmethod
    def from_ws(cls, data: Dict[str, Any]) -> "PositionRecord":
        """`q` net quantity, `B` entry price, `P` unrealized PnL; `e` is absent on the initial frame."""
        return cls(symbol=data["s"], amount=_decimal(data.get("q")), entry_price=_decimal(data.get("B")),
                   unrealized_pnl=_decimal(data.get("P")),
                   closed_event=data.get("e") == PERP_CONSTANTS.POSITION_CLOSED_EVENT)


def funding_info_from_rest(row: Dict[str, Any], trading_pair: str) -> FundingInfo:
    return FundingInfo(trading_pair=trading_pair,
                       index_price=_decimal(row.get("indexPrice")),
                       mark_price=_decimal(row.get("markPrice")),
                       next_funding_utc_timestamp=_funding_time_s(row.get("nextFundingTimestamp")) or 0,
                       rate=_decimal(row.get("fundingRate")))


def funding_update_from_ws(data: Dict[str, Any], trading_pair: str) -> FundingInfoUpdate:
    """`p` mark, `i` index, `f` estimated rate, `n` next funding (ms); `f`/`i`/`n` may be absent."""
    return FundingInfoUpdate(trading_pair=trading_pair,
                             index_price=_optional_decimal(data.get("i")),
                             mark_price=_optional_decimal(data.get("p")),
                             next_funding_utc_timestamp=_funding_time_s(data.get("n")),
                             rate=_optional_decimal(data.get("f")))


@dataclass(frozen=True)
class FundingPayment:
    symbol: str
    timestamp: float
    rate: Decimal
    amount: Decimal

    @classmethod
    def from_history(cls, row: Dict[str, Any]) -> "FundingPayment":
        return cls(symbol=row.get("symbol", ""), timestamp=seconds_from_iso(row["intervalEndTimestamp"]),
                   rate=_decimal(row.get("fundingRate")), amount=_decimal(row.get("quantity")))
