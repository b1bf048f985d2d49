"""The reliability suite's session: every log record goes to logs/reliability_tests.log (scanned for secrets
at the end), and the table (one row per scenario) is printed when the session ends."""
import logging
from pathlib import Path

from test.reliability.report import RESULTS, format_table

LOG_FILE = Path(__file__).resolve().parents[2] / "logs" / "reliability_tests.log"


def _open_log() -> logging.Handler:
    # At import: this conftest may load after the session started (e.g. `pytest test/`).
    LOG_FILE.parent.mkdir(exist_ok=True)
    handler = logging.FileHandler(LOG_FILE, mode="w")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
    return handler


_handler = _open_log()


def pytest_unconfigure(config):
    logging.getLogger().removeHandler(_handler)
    _handler.close()

def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not RESULTS:
        return
    terminalreporter.section("reliability: faults injected and what the connectors made of them")
    for line in format_table(RESULTS):
        terminalreporter.write_line(line)
    bad = [r.scenario for r in RESULTS if r.lost or r.duplicated or r.mismatches]
    terminalreporter.write_line("lost = duplicated = mismatches = 0 in every scenario" if not bad
                                else f"NONZERO lost/duplicated/mismatches in: {', '.join(bad)}")
