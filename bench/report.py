"""The result table: one `Row` per measure, printed as text and written as Markdown (bench/RESULTS.md)."""
import math
import statistics
from dataclasses import dataclass
from typing import List, Optional, Sequence


@dataclass(frozen=True)
class Row:
    bench: str
    measure: str
    value: str
    target: str = ""
    verdict: str = ""  # "ok", "MISSED" or "" when the row has no target

    @classmethod
    def ratio(cls, bench: str, measure: str, ratio: float, limit: float, note: str = "") -> "Row":
        return cls(bench, measure, f"{ratio:.2f}x{' ' + note if note else ''}", f"<= {limit:.2f}x",
                   "ok" if ratio <= limit else "MISSED")


@dataclass(frozen=True)
class FloorComparison:
    """Seconds for `count` items through the connector and through the floor, measured in one run."""
    count: int
    floor_s: float
    connector_s: float

    @property
    def ratio(self) -> float:
        return self.connector_s / self.floor_s

    def per_item_us(self, seconds: float) -> float:
        return seconds / self.count * 1e6


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction 0.5 = median, 0.99 = p99)."""
    ordered = sorted(values)
    rank = math.ceil(fraction * len(ordered))
    return ordered[min(len(ordered), max(1, rank)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def text_table(rows: List[Row]) -> str:
    header = ("bench", "measure", "value", "target", "")
    table = [header] + [(r.bench, r.measure, r.value, r.target, r.verdict) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(rows: List[Row]) -> str:
    lines = ["| bench | measure | value | target | |", "|---|---|---|---|---|"]
    lines += [f"| {r.bench} | {r.measure} | {r.value} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def linear_slope(xs: Sequence[float], ys: Sequence[float]) -> Optional[float]:
    """Least-squares slope of ys over xs (None with fewer than two distinct xs)."""
    if len(xs) < 2 or len(set(xs)) < 2:
        return None
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    num = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
    den = sum((x - mean_x) ** 2 for x in xs)
    return num / den
