"""Market events logged at Hummingbot's EVENT_LOG level only while that level is on (spot and perp).

Hummingbot's connector base registers an `EventReporter` on every market event. The reporter turns each event
into a dict (`dataclasses.asdict`, about 27 µs each on the bench machine) before its logger decides whether
to log it, and Hummingbot's log configuration leaves that level (15, below INFO) off by default. A fill
reports three events (created, filled, completed), a fifth of what the connector adds to a crossing order's
round trip (bench/round_trip_bench.py). `report_events_only_when_logged` replaces each reporter with a
listener that asks the same logger first and, when the level is on, logs the event's fields with its name
and source, as the reporter does. Every other listener (strategies, the event logger behind `event_logs`,
the MQTT bridge) is untouched.
"""
import dataclasses
from typing import Any, List

from hummingbot.core.event.event_forwarder import EventForwarder
from hummingbot.core.event.event_reporter import EventReporter
from hummingbot.logger.struct_logger import EVENT_LOG_LEVEL


def report_events_only_when_logged(connector: Any) -> List[EventForwarder]:
    """Swaps the connector's `EventReporter`s for lazy ones; returns them (the connector must keep them:
    Hummingbot holds listeners weakly)."""
    forwarders: List[EventForwarder] = []
    for event_tag in connector.MARKET_EVENTS:
        for listener in list(connector.get_listeners(event_tag)):
            if isinstance(listener, EventReporter):
                connector.remove_listener(event_tag, listener)
                forwarder = EventForwarder(_LazyEventReport(listener, connector.display_name))
                connector.add_listener(event_tag, forwarder)
                forwarders.append(forwarder)
    return forwarders


class _LazyEventReport:
    def __init__(self, reporter: EventReporter, event_source: str):
        self._logger = reporter.logger()
        self._event_source = event_source

    def __call__(self, event: Any):
        if not self._logger.isEnabledFor(EVENT_LOG_LEVEL):
            return
        fields = dataclasses.asdict(event) if dataclasses.is_dataclass(event) else event._asdict()
        fields.update({"event_name": type(event).__name__, "event_source": self._event_source})
        self._logger.event_log(fields)
