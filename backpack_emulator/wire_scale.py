"""Decimal text at the fixed scale the live exchange gives each field (API_COVERAGE.md, "Number formatting").

Live pads a decimal to its field's scale instead of trimming trailing zeros: a market's prices to its
tick's decimals (``"117357.0"`` at tick 0.1), its quantities to its step's decimals (``"0.00000"`` at step
0.00001), a quote amount (price x quantity) to both (``"4.299160"``), kline stream prices and volumes to
scales of their own (``"3680.520000000"``, ``"62.2621000"``). REST order, fill, trade and kline answers
are trimmed (``fmt``). Padding never rounds: a value with more decimals than its scale keeps them.
"""
from decimal import Decimal
from functools import lru_cache
from typing import Optional

from backpack_emulator.decimals import fmt
from backpack_emulator.markets import Market

KLINE_PRICE_PLACES = 9  # kline stream o/h/l/c: "3680.520000000" (ETH_USDC, tick 0.01)
KLINE_VOLUME_PLACES = 7  # kline stream v: "62.2621000" (ETH_USDC, step 0.0001)


@lru_cache(maxsize=None)
def places(step: Decimal) -> int:
    """Decimals of a tick or step size: 0.1 -> 1, 0.00001 -> 5, 1 -> 0."""
    return max(0, -step.normalize().as_tuple().exponent)


def fixed(value: Decimal, decimals: Optional[int]) -> str:
    """``value`` with at least ``decimals`` decimals ("0" -> "0.00000"); ``None``: trimmed as ``fmt``."""
    text = fmt(value)
    if not decimals:
        return text
    have = len(text) - text.index(".") - 1 if "." in text else -1
    if have >= decimals:
        return text
    return text + ("." if have < 0 else "") + "0" * (decimals - max(have, 0))


def price_text(market: Market, value: Decimal) -> str:
    return fixed(value, places(market.tick_size))


def quantity_text(market: Market, value: Decimal) -> str:
    return fixed(value, places(market.step_size))


def quote_text(market: Market, value: Decimal) -> str:
    """A price x quantity amount at the scale of the product ("4.299160" = "4299.16" x "0.0010")."""
    return fixed(value, places(market.tick_size) + places(market.step_size))
