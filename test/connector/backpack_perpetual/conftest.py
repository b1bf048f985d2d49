"""Gives every `@aioresponses()` run an empty request log.

Hummingbot's harness decorates its inherited tests with `@aioresponses()`, which builds ONE mock per
decorated function and never empties its `requests` on restart (aioresponses 0.7.x). The spot and the
perp suites inherit the same decorated functions, so in one pytest process the perp run of a test
would read the spot run's requests first. Starting each run with an empty log keeps them apart.
"""
from aioresponses import core

_start = core.aioresponses.start


def _start_with_empty_request_log(self) -> None:
    self.requests = {}
    _start(self)


core.aioresponses.start = _start_with_empty_request_log
