"""order round trip against the emulator (a subprocess on 127.0.0.1, market data on):
- open: `buy()` of a limit order far below the market -> the connector reports it created (OPEN);
- fill: `buy()` crossing the best ask -> the connector reports it completed (FILLED, fills received).
p50/p99 of each, and the connector's own share: the total minus the emulator's processing time of the
order's `POST /api/v1/order` as the emulator reports it (its request log, `processingUs`)."""
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Tuple

from backpack_emulator.admin_client import AdminClient
from backpack_emulator.keys import generate_keypair

from bench.emulator_env import (
    BIG_BALANCES,
    OrderWaiter,
    create_connector,
    closes_http_session,
    running_connector,
    spawn_emulator,
    wait_for,
)
from bench.report import Row, percentile
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.event.events import MarketEvent

PAIR = "SOL-USDC"
AMOUNT = Decimal("0.01")
OPEN_BELOW = Decimal("0.95")  # resting bids at 95% of the best bid never fill
CROSS_ABOVE = Decimal("1.002")  # 0.2% through the best ask: fills against the generator's quotes


@dataclass(frozen=True)
class Latencies:
    totals_ms: List[float]
    connector_ms: List[float]

    def rows(self, what: str) -> List[Row]:
        def fmt(values: List[float]) -> str:
            return f"p50 {percentile(values, 0.5):.2f} ms, p99 {percentile(values, 0.99):.2f} ms"
        return [Row("round trip", f"{what}: total ({len(self.totals_ms)} orders)", fmt(self.totals_ms)),
                Row("round trip", f"{what}: connector share (total - emulator processing)", fmt(self.connector_ms))]


@dataclass(frozen=True)
class RoundTripResult:
    open: Latencies
    fill: Latencies
    emulator_processing_ms_p50: float

    def rows(self) -> List[Row]:
        return (self.open.rows("buy -> OPEN") + self.fill.rows("crossing buy -> FILLED")
                + [Row("round trip", "emulator processing of POST /order",
                       f"p50 {self.emulator_processing_ms_p50:.2f} ms")])


async def _open_once(connector: BackpackExchange, waiter: OrderWaiter) -> Tuple[str, float]:
    price = connector.quantize_order_price(PAIR, Decimal(str(connector.get_price(PAIR, False))) * OPEN_BELOW)
    started = time.perf_counter()
    order_id = connector.buy(PAIR, AMOUNT, OrderType.LIMIT, price)
    elapsed = await waiter.wait(MarketEvent.BuyOrderCreated, order_id) - started
    connector.cancel(PAIR, order_id)
    await waiter.wait(MarketEvent.OrderCancelled, order_id)
    waiter.forget(order_id)
    return order_id, elapsed


async def _fill_once(connector: BackpackExchange, waiter: OrderWaiter) -> Tuple[str, float]:
    price = connector.quantize_order_price(PAIR, Decimal(str(connector.get_price(PAIR, True))) * CROSS_ABOVE)
    started = time.perf_counter()
    order_id = connector.buy(PAIR, AMOUNT, OrderType.LIMIT, price)
    elapsed = await waiter.wait(MarketEvent.BuyOrderCompleted, order_id) - started
    waiter.forget(order_id)
    return order_id, elapsed


def _latencies(samples: List[Tuple[str, float]], processing_us: Dict[str, int]) -> Latencies:
    totals = [seconds * 1e3 for _, seconds in samples]
    own = [seconds * 1e3 - processing_us[order_id] / 1e3 for order_id, seconds in samples]
    return Latencies(totals, own)


@closes_http_session
async def run(orders: int = 500, warmup: int = 20) -> RoundTripResult:
    api_key, api_secret = generate_keypair()
    async with spawn_emulator({api_key: BIG_BALANCES}) as (rest_url, ws_url, _):
        connector = create_connector(rest_url, ws_url, api_key, api_secret, [PAIR])
        async with running_connector(connector), AdminClient(rest_url) as admin:
            await wait_for(lambda: connector.get_price(PAIR, True) > 0 and connector.get_price(PAIR, False) > 0,
                           "a two-sided book")
            waiter = OrderWaiter(connector)
            for _ in range(warmup):  # connections, caches and the JIT-less interpreter warm up
                await _open_once(connector, waiter)
                await _fill_once(connector, waiter)
            opens = [await _open_once(connector, waiter) for _ in range(orders)]
            fills = [await _fill_once(connector, waiter) for _ in range(orders)]
            logged = await admin.requests(path="/api/v1/order", method="POST")
    processing_us = {str(entry["params"]["clientId"]): entry["processingUs"] for entry in logged}
    measured = [processing_us[order_id] for order_id, _ in opens + fills]
    return RoundTripResult(_latencies(opens, processing_us), _latencies(fills, processing_us),
                           percentile(measured, 0.5) / 1e3)
