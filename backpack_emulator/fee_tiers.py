"""Fee tiers per account (admin API): the four rates of ``GET /api/v1/account`` in basis points.

A maker fee may be negative (a rebate: the official ``AccountSummary`` documents "Negative if a rebate
exists" for the maker fees only); taker fees are never negative. Fills are charged at the account's
rates (settlement.py), a rebate credited to the maker and paid by the fee account.
"""
from decimal import Decimal
from typing import Any, Dict

from backpack_emulator.accounts import AccountSettings
from backpack_emulator.decimals import fmt, parse_decimal

FEE_FIELDS = {"spotMakerFee": "spot_maker_bps", "spotTakerFee": "spot_taker_bps",
              "futuresMakerFee": "futures_maker_bps", "futuresTakerFee": "futures_taker_bps"}
MAX_BPS = Decimal(1000)  # 10 %: a bound against typos, far above any real tier


def apply_fee_tier(settings: AccountSettings, fees: Any) -> None:
    """Sets the rates given in ``fees`` ({"spotMakerFee": "-1", ...}, decimal strings or numbers, bps);
    ValueError (nothing changed) on an unknown key, a non-decimal, a negative taker fee or |rate| > 10 %."""
    if not isinstance(fees, dict):
        raise ValueError("fees must be an object {spotMakerFee, spotTakerFee, futuresMakerFee, futuresTakerFee}")
    parsed: Dict[str, Decimal] = {}
    for key, raw in fees.items():
        if key not in FEE_FIELDS:
            raise ValueError(f"unknown fee {key!r}: use {', '.join(FEE_FIELDS)}")
        value = parse_decimal(raw)
        if value is None or abs(value) > MAX_BPS:
            raise ValueError(f"{key} must be a number of basis points between -1000 and 1000")
        if value < 0 and "Taker" in key:
            raise ValueError(f"{key} cannot be negative: only maker fees are rebates")
        parsed[FEE_FIELDS[key]] = value
    for attribute, value in parsed.items():
        setattr(settings, attribute, value)


def fee_tier_json(settings: AccountSettings) -> Dict[str, str]:
    return {key: fmt(getattr(settings, attribute)) for key, attribute in FEE_FIELDS.items()}
