"""Decimal parsing and wire formatting (Backpack carries every decimal as a JSON string)."""
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any, Optional

ZERO = Decimal(0)
FEE_QUANTUM = Decimal("0.00000001")


def fmt(value: Optional[Decimal]) -> Optional[str]:
    """Plain decimal text without exponent or trailing zeros ("0.5", "180", "0")."""
    if value is None:
        return None
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def parse_decimal(raw: Any) -> Optional[Decimal]:
    """A finite Decimal from a JSON string or number, or None when it is not one."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Largest multiple of ``step`` not above ``value`` (value >= 0)."""
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return value % step == 0


def fee_amount(notional: Decimal, bps: Decimal) -> Decimal:
    """Fee for a notional at ``bps`` basis points, rounded down to 1e-8 (the payer never overpays)."""
    return (notional * bps / Decimal(10000)).quantize(FEE_QUANTUM, rounding=ROUND_DOWN)
