"""Fault injection state, switchable at runtime through ``/_admin/faults``.

Per-request faults (failures, delays, hanging order creates) are consulted by the REST middleware;
private-WS faults (duplicate / reorder, dropped events) by the WS hub; the order-history lag by its view. Dropping connections, skipping depth
sequence numbers and shifting the clock act immediately (see admin.py).
"""
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Tuple

from backpack_emulator.errors import UNKNOWN_ERROR_MESSAGE, ApiError

DEFAULT_FAILURE_BODIES: Dict[int, Tuple[str, str]] = {
    429: ("TOO_MANY_REQUESTS", "Too many requests"),
    503: ("SERVICE_UNAVAILABLE", UNKNOWN_ERROR_MESSAGE),
    500: ("SERVER_ERROR", "Internal server error"),
}
ORDER_CREATE_PATHS = ("/api/v1/order", "/api/v1/orders")
CANCEL_PATHS = ("/api/v1/order", "/api/v1/orders")
LATE_ANSWERS = ("503", "hang")


@dataclass
class FailureRule:
    path: str
    method: Optional[str]
    status: int
    remaining: int
    code: str
    message: str

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and self.path == path and self.method in (None, method)


@dataclass
class PrivateDropRule:
    """The next `remaining` private events of an account (of the given event types and symbol, when set) are not
    delivered to any of its connections: the gap a reconnect leaves."""
    account: Optional[str]
    events: Optional[Tuple[str, ...]]
    symbol: Optional[str]
    remaining: int

    def matches(self, account: str, symbol: str, event: Optional[str]) -> bool:
        return self.remaining > 0 and self.account in (None, account) and self.symbol in (None, symbol) and \
            (self.events is None or event in self.events)


@dataclass
class DelayRule:
    path: str
    method: Optional[str]
    seconds: float


class Faults:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.failures: List[FailureRule] = []
        self.delays: List[DelayRule] = []
        self.hang_order_creates = 0
        self.hang_seconds: Optional[float] = None  # None: hold until the server stops; else drop after that long
        self.private_ws_mode: Optional[str] = None  # "duplicate" | "reorder"
        self.private_ws_remaining = 0
        self.private_drops: List[PrivateDropRule] = []
        # Order history answers without the orders created less than this long ago (server clock): history is
        # served apart from the matching engine and may lag it; fills and open orders do not lag here.
        self.order_history_lag_s = 0.0
        # Late registration: the create is accepted, answered 503 (or never), and reaches the matching engine
        # `late_after_s` later, where a command whose signature window has ended is refused.
        self.late_order_creates = 0
        self.late_after_s = 0.0
        self.late_answer = "503"
        self.late_registered = 0
        self.late_refused = 0
        # Cancels answered 202 "accepted, not yet executed" (no body), executed `accepted_cancel_delay_s` later
        # (None: never executed).
        self.accepted_cancels: Dict[str, int] = {}
        self.accepted_cancel_delay_s: Optional[float] = 0.5

    def add_failure(self, path: str, status: int, count: int = 1, method: Optional[str] = None,
                    code: Optional[str] = None, message: Optional[str] = None) -> None:
        default_code, default_message = DEFAULT_FAILURE_BODIES.get(status, ("SERVER_ERROR", "Error"))
        self.failures.append(FailureRule(path, method.upper() if method else None, int(status), int(count),
                                         code or default_code, message or default_message))

    def set_delay(self, path: str, seconds: float, method: Optional[str] = None) -> None:
        method = method.upper() if method else None
        self.delays = [d for d in self.delays if (d.path, d.method) != (path, method)]
        if seconds > 0:
            self.delays.append(DelayRule(path, method, float(seconds)))

    def take_failure(self, method: str, path: str) -> Optional[ApiError]:
        for rule in self.failures:
            if rule.matches(method, path):
                rule.remaining -= 1
                return ApiError(rule.status, rule.code, rule.message)
        return None

    def delay_for(self, method: str, path: str) -> float:
        return sum(d.seconds for d in self.delays if d.path == path and d.method in (None, method))

    def take_hang(self, method: str, path: str) -> bool:
        if self.hang_order_creates > 0 and method == "POST" and path in ORDER_CREATE_PATHS:
            self.hang_order_creates -= 1
            return True
        return False

    def take_late_create(self, method: str, path: str) -> bool:
        if self.late_order_creates > 0 and method == "POST" and path in ORDER_CREATE_PATHS:
            self.late_order_creates -= 1
            return True
        return False

    def take_accepted_cancel(self, method: str, path: str) -> bool:
        if method == "DELETE" and self.accepted_cancels.get(path, 0) > 0:
            self.accepted_cancels[path] -= 1
            return True
        return False

    def drop_private_events(self, count: int, account: Optional[str] = None, events: Optional[List[str]] = None,
                            symbol: Optional[str] = None) -> None:
        self.private_drops.append(PrivateDropRule(account, tuple(events) if events else None, symbol, int(count)))

    def take_private_drop(self, account: str, symbol: str, event: Optional[str]) -> bool:
        for rule in self.private_drops:
            if rule.matches(account, symbol, event):
                rule.remaining -= 1
                return True
        return False

    def take_private_ws_fault(self) -> Optional[str]:
        if self.private_ws_remaining <= 0:
            return None
        self.private_ws_remaining -= 1
        return self.private_ws_mode

    def to_json(self) -> Dict[str, Any]:
        return {"failures": [asdict(f) for f in self.failures if f.remaining > 0],
                "delays": [asdict(d) for d in self.delays],
                "hangOrderCreates": self.hang_order_creates, "hangSeconds": self.hang_seconds,
                "lateOrderCreates": {"remaining": self.late_order_creates, "afterSeconds": self.late_after_s,
                                     "answer": self.late_answer, "registered": self.late_registered,
                                     "refused": self.late_refused},
                "acceptedCancels": {"remaining": dict(self.accepted_cancels),
                                    "delaySeconds": self.accepted_cancel_delay_s},
                "privateWs": {"mode": self.private_ws_mode, "remaining": self.private_ws_remaining},
                "privateDrops": [asdict(d) for d in self.private_drops if d.remaining > 0],
                "orderHistoryLagSeconds": self.order_history_lag_s}
