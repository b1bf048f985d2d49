"""Per-scenario counters of the reliability suite and the table printed at the end of the session."""
from dataclasses import dataclass
from typing import List, Set

COLUMNS = ("scenario", "faults", "orders", "fills", "lost", "duplicated", "mismatches")


@dataclass
class ScenarioStats:
    scenario: str
    faults: int = 0  # fault injections switched on in the emulator (or bad inputs tried)
    orders: int = 0  # orders the emulator accepted for the connectors' accounts
    fills: int = 0  # fills the emulator executed for those accounts
    lost: int = 0  # emulator orders / fills the connector does not know (or knows in another state)
    duplicated: int = 0  # orders or fill events the connector has more than once
    mismatches: int = 0  # balances and positions that differ from the emulator's ledger

    def row(self) -> tuple:
        return (self.scenario, self.faults, self.orders, self.fills, self.lost, self.duplicated, self.mismatches)


RESULTS: List[ScenarioStats] = []
SECRETS_USED: Set[str] = set()  # every API secret a test handed to a connector (scanned for in the logs)


def new_scenario(name: str) -> ScenarioStats:
    stats = ScenarioStats(name)
    RESULTS.append(stats)
    return stats


def _order(stats: ScenarioStats) -> tuple:
    number = stats.scenario.split(" ", 1)[0]
    return (int(number), "") if number.isdigit() else (1000, stats.scenario)


def format_table(rows: List[ScenarioStats]) -> List[str]:
    cells = [COLUMNS] + [tuple(str(v) for v in r.row()) for r in sorted(rows, key=_order)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines
