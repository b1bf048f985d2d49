"""Finds files that contain any of the given secrets in clear text."""
from pathlib import Path
from typing import Iterable, List

MAX_SCANNED_BYTES = 50 * 1024 * 1024


def files_containing(folder: Path, secrets: Iterable[str]) -> List[str]:
    needles = [s.encode() for s in secrets if s]
    found = []
    if not folder.exists():
        return found
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()[:MAX_SCANNED_BYTES]
        if any(needle in data for needle in needles):
            found.append(str(path))
    return found
