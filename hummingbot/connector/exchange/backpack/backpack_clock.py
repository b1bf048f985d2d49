"""`current_timestamp` for a connector that no Hummingbot clock ticks.

Hummingbot's clock sets a connector's `current_timestamp` on every tick; until the first tick it is NaN.
Connectors that no clock drives keep NaN for good: hummingbot-api creates its trading connectors itself and
adds them to no clock (services/unified_connector_service.py sets the timestamp only around its periodic
state refresh), and scripts may create connectors by hand. Hummingbot stamps orders (`creation_timestamp`),
order updates and events with `current_timestamp`, so such orders carried NaN times, and the API's
active-orders view (`datetime.fromtimestamp`) failed on them. Here the clock's time is kept whenever a clock
(or a caller of `_set_current_timestamp`) has set one, and the wall clock is used only while none has.
"""
import math
import time


class BackpackClockMixin:
    @property
    def current_timestamp(self) -> float:
        timestamp = super().current_timestamp
        return timestamp if not math.isnan(timestamp) else time.time()
