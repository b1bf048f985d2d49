"""REST cost of order polling at a market maker's scale: 100 open orders over 10 markets while the order
stream is quiet. Hummingbot then polls order status and fills every 5 s (SHORT_POLL_INTERVAL; it
switches to that once the private stream has said nothing for 60 s, which this bench enters at once).
Requests per minute by endpoint against Backpack's 2000/min budget, and the history endpoints alone
(Backpack's docs do not say whether they count in its 30/min historical pool).
In-process emulator with synthetic markets; the orders rest far below the market and never fill: the
polls are at rest (nothing changed), where one open-orders request for every market is the whole cost
(backpack_order_polling) and no history endpoint is asked."""
import asyncio
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List

from bench.emulator_env import closes_http_session, connector_with_orders
from bench.report import Row
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS

BUDGET_PER_MIN = CONSTANTS.GLOBAL_REQUESTS_PER_MINUTE
HISTORY_PATHS = ("/" + CONSTANTS.ORDER_HISTORY_PATH_URL, "/" + CONSTANTS.FILL_HISTORY_PATH_URL)
ORDER_PATHS = HISTORY_PATHS + ("/" + CONSTANTS.ORDER_PATH_URL, "/" + CONSTANTS.ORDERS_PATH_URL)
POLL_S = 5.0  # Hummingbot's SHORT_POLL_INTERVAL
TARGET_PER_POLL_AT_REST = 1.0  # one open-orders request for every market, whatever the markets and orders
TARGET_HISTORY_PER_MIN_AT_REST = 0.0  # the history endpoints are asked only when something changed


@dataclass(frozen=True)
class PollingResult:
    orders: int
    pairs: int
    seconds: float
    by_endpoint: Dict[str, int]

    def per_minute(self, paths=None) -> float:
        count = sum(n for e, n in self.by_endpoint.items() if paths is None or e.split(" ", 1)[1] in paths)
        return count * 60.0 / self.seconds

    @property
    def per_poll(self) -> float:
        return self.per_minute(ORDER_PATHS) / (60.0 / POLL_S)

    def rows(self) -> List[Row]:
        total = self.per_minute()
        detail = ", ".join(f"{e} {n * 60.0 / self.seconds:.0f}"
                           for e, n in sorted(self.by_endpoint.items(), key=lambda kv: -kv[1]))
        per_poll, history = self.per_poll, self.per_minute(HISTORY_PATHS)
        return [Row("order polling", f"{self.orders} open orders on {self.pairs} markets, quiet stream "
                                     f"(5 s polls), {self.seconds:.0f} s window",
                    f"{total:.0f} req/min = {total / BUDGET_PER_MIN:.1%} of {BUDGET_PER_MIN}/min"),
                Row("order polling", "order requests per poll at rest (open orders, order and fill history)",
                    f"{per_poll:.1f}", f"<= {TARGET_PER_POLL_AT_REST:.0f}",
                    "ok" if per_poll <= TARGET_PER_POLL_AT_REST * 1.05 else "MISSED"),
                Row("order polling", "history endpoints at rest (order + fill history)",
                    f"{history:.0f} req/min", f"{TARGET_HISTORY_PER_MIN_AT_REST:.0f} req/min",
                    "ok" if history <= TARGET_HISTORY_PER_MIN_AT_REST else "MISSED"),
                Row("order polling", "req/min by endpoint", detail or "none")]


@closes_http_session
async def run(seconds: float = 30.0, orders: int = 100, pairs: int = 10) -> PollingResult:
    async with connector_with_orders(pairs, orders, below=Decimal("0.5"), market_data_interval_s=1.0) as (
            server, connector):
        connector.TICK_INTERVAL_LIMIT = 0.0  # the quiet-stream regime (reached after 60 s) at once
        server.request_log.clear()
        await asyncio.sleep(seconds)
        counted = dict(Counter(f"{e['method']} {e['path']}" for e in server.request_log.entries()))
    return PollingResult(orders, pairs, seconds, counted)
