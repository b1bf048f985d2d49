#!/usr/bin/env python3
"""The results of `make compat` (tools/compat.sh) and the README table made from them.

    tools/compat_report.py record RELEASE VERSION_FILE setup=pass:SECONDS install=fail:SECONDS ...
    tools/compat_report.py readme

`record` stores one release's run in tools/compat_results.json (the date, the commit tested, each group's
outcome and time); `readme` rewrites the table between the compat markers of README.md: every known release,
with "not run yet" for those without a result. Standard library only.
"""
import datetime
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "tools" / "compat_results.json"
README = ROOT / "README.md"
START, END = "<!-- compat-table:start -->", "<!-- compat-table:end -->"
GROUPS = ("setup", "install", "registry", "e2e")


def known_releases() -> List[str]:
    text = (ROOT / "hummingbot_backpack" / "releases.py").read_text()
    block = re.search(r"^KNOWN_RELEASES[^(]*\((.*?)^\)", text, re.S | re.M).group(1)
    return re.findall(r'"(\d{8})"', block)


def load() -> Dict[str, dict]:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def record(release: str, version_file: str, outcomes: List[str]) -> None:
    results = load()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    entry = {"date": datetime.date.today().isoformat(), "commit": commit, "version_file": version_file}
    for item in outcomes:
        group, _, rest = item.partition("=")
        outcome, _, seconds = rest.partition(":")
        entry[group] = {"outcome": outcome, "seconds": int(seconds or 0)}
    results[release] = entry
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n")


def cell(entry: dict, group: str) -> str:
    result = entry.get(group)
    if result is None:
        return "not run" if entry.get("setup", {}).get("outcome") != "fail" else "—"
    return f"{result['outcome']} ({result['seconds']} s)"


def table() -> str:
    results = load()
    rows = ["| Release | hummingbot/VERSION | Setup (wheel, venv, plugin) | Install lifecycle | Registry | "
            "Connectors end to end | Run on (commit) |",
            "|---|---|---|---|---|---|---|"]
    for release in known_releases():
        entry = results.get(release)
        if entry is None:
            rows.append(f"| {release} | | not run yet | not run yet | not run yet | not run yet | |")
            continue
        rows.append(f"| {release} | {entry.get('version_file') or '?'} | "
                    + " | ".join(cell(entry, group) for group in GROUPS)
                    + f" | {entry['date']} ({entry['commit']}) |")
    return "\n".join(rows)


def readme() -> None:
    text = README.read_text()
    if START not in text or END not in text:
        sys.exit(f"README.md has no {START} ... {END} markers")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    README.write_text(f"{before}{START}\n{table()}\n{END}{after}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["record"] and len(sys.argv) >= 4:
        record(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1:] == ["readme"]:
        readme()
    else:
        sys.exit(__doc__.splitlines()[2].strip())
