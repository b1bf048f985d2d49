"""What the REST and admin APIs need from the running server: a Protocol, so that neither module
imports server.py (which builds them), and the package has no import cycle."""
import asyncio
from typing import Any, Dict, List, Protocol

from backpack_emulator.clock import Clock
from backpack_emulator.exchange import Exchange
from backpack_emulator.faults import Faults
from backpack_emulator.request_log import RequestLog


class ServerContext(Protocol):
    exchange: Exchange
    faults: Faults
    clock: Clock
    request_log: RequestLog
    stopping: asyncio.Event
    hub: Any  # ws.WsHub (drop, messages_sent)

    def add_account(self, api_key: str, balances: Dict[str, Any]) -> None: ...

    def refusals(self) -> List[Dict[str, Any]]: ...
