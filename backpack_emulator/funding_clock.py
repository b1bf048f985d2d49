"""Funding of the perps: the rate from the mark's premium over the index, the next funding time, the payments
(the exchange's `funding_rate` / `next_funding` / `run_funding` delegate here)."""
from decimal import Decimal
from typing import Any

from backpack_emulator.decimals import ZERO


def funding_rate(ex: Any, symbol: str) -> Decimal:
    index = ex.indexes[symbol]
    premium = (ex.marks[symbol] - index) / index if index else ZERO
    rate = Decimal("0.0000125") + premium / 8
    bound = Decimal("0.01")
    return max(-bound, min(bound, rate)).quantize(Decimal("0.0000001"))


def next_funding(ex: Any, symbol: str) -> int:
    if symbol not in ex.next_funding_ms:
        now = ex.clock.now_ms()
        ex.next_funding_ms[symbol] = now - now % ex.funding_interval_ms + ex.funding_interval_ms
    return ex.next_funding_ms[symbol]


def run_funding(ex: Any) -> int:
    """Pay funding on every market whose interval has ended; returns how many payments were made."""
    now = ex.clock.now_ms()
    paid = 0
    for symbol, market in ex.markets.items():
        if market.is_perp and now >= next_funding(ex, symbol):
            paid += ex.settlement.pay_funding(symbol, funding_rate(ex, symbol), ex.next_funding_ms[symbol])
            ex.next_funding_ms[symbol] += ex.funding_interval_ms
            if ex.next_funding_ms[symbol] <= now:  # caught up after a long pause
                ex.next_funding_ms[symbol] = now - now % ex.funding_interval_ms + ex.funding_interval_ms
    if paid:
        ex.lending.sweep()  # funding received or paid in cash: Auto Lend accounts lend or redeem it
    return paid
