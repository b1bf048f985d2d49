"""A bounded log of API requests (what was called, by whom, with what result) for tests to read."""
from collections import deque
from typing import Any, Deque, Dict, List, Optional

MAX_ENTRIES = 20_000


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: Deque[Dict[str, Any]] = deque(maxlen=max_entries)

    def add(self, entry: Dict[str, Any]) -> None:
        self._entries.append(entry)

    def entries(self, path: Optional[str] = None, method: Optional[str] = None) -> List[Dict[str, Any]]:
        return [e for e in self._entries
                if (path is None or e["path"] == path) and (method is None or e["method"] == method)]

    def clear(self) -> None:
        self._entries.clear()
