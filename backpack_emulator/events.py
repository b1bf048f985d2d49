"""Where the exchange sends its stream events; the WS hub implements this, tests may record."""
from typing import Any, Dict, Protocol


class EventSink(Protocol):
    def wants(self, stream: str) -> bool: ...

    def wants_private(self, account: str) -> bool: ...

    def publish(self, stream: str, data: Dict[str, Any]) -> None: ...

    def publish_private(self, account: str, stream: str, symbol: str, data: Dict[str, Any]) -> None: ...


class NullSink:
    """No listeners: the exchange skips building event payloads."""

    def wants(self, stream: str) -> bool:
        return False

    def wants_private(self, account: str) -> bool:
        return False

    def publish(self, stream: str, data: Dict[str, Any]) -> None:
        pass

    def publish_private(self, account: str, stream: str, symbol: str, data: Dict[str, Any]) -> None:
        pass
