"""The emulator's clock: wall time plus a fault-injectable offset, and Backpack's time formats.

`advanced_ms` is time a test harness moved forward (test/reliability/real_timings.py: virtual time the
connectors are ticked with), kept apart from the fault offset, which clearing the faults resets."""
import time
from datetime import datetime, timezone


class Clock:
    def __init__(self, offset_ms: int = 0) -> None:
        self.offset_ms = offset_ms
        self.advanced_ms = 0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset_ms + self.advanced_ms

    def now_us(self) -> int:
        return time.time_ns() // 1_000 + (self.offset_ms + self.advanced_ms) * 1000


def iso_ms(ms: int) -> str:
    """Naive UTC ISO with milliseconds, e.g. ``2025-09-11T20:10:40.699`` (history / fills)."""
    stamp = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}"


def iso_seconds(seconds: int, sep: str = "T") -> str:
    """Naive UTC ISO to the second; klines use ``sep=" "`` on REST and ``"T"`` on WS."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime(f"%Y-%m-%d{sep}%H:%M:%S")
