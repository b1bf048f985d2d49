"""order round trip against the emulator (a subprocess on 127.0.0.1, market data on), the connector
against a floor measured in the same run (`floor_client.FloorClient`: aiohttp + pynacl, no Hummingbot,
the same signed order on the same emulator, its own account):
- open: `buy()` of a limit order far below the market -> the connector reports it created (OPEN);
- cancel: `cancel()` of that order -> the connector reports it cancelled;
- fill: `buy()` crossing the best ask -> the connector reports it completed (FILLED, fills received).
Connector and floor alternate order by order, so load on the (shared) machine hits both alike, on
`ACCOUNTS` pairs of accounts one after the other (samples pooled). p50/p99 of each, their ratio, and the
connector's share: its total minus the emulator's processing time of the order's `POST /api/v1/order` as
the emulator reports it (its request log, `processingUs`)."""
import random
import statistics
import time
from dataclasses import dataclass, field
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
from bench.floor_client import FloorClient
from bench.report import Row, percentile
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.event.events import MarketEvent

PAIR = "SOL-USDC"
SYMBOL = "SOL_USDC"
AMOUNT = Decimal("0.01")
OPEN_BELOW = Decimal("0.95")  # resting bids at 95% of the best bid never fill
CROSS_ABOVE = Decimal("1.002")  # 0.2% through the best ask: fills against the generator's quotes
TARGET_RATIO = 1.3
BLOCK = 1  # orders per kind before switching between connector and floor: a load spike hits both alike
# Accounts measured one after the other, samples pooled: a p99 of 500 orders is their 5th worst, one load
# spike away from another figure. More orders on one account would exceed its 2000/min request budget.
# Twelve accounts give 6,000 orders of each kind, their p99 the 60th worst. The tail is made of the
# machine's slow moments (every process slowed for a few ms), so the p99 ratio of 3,000 orders still
# swung by +-0.12 between runs of the same code (its bootstrap spread was the same); 6,000 halve that.
ACCOUNTS = 12
BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_SEED = 1


def _fmt(values: List[float]) -> str:
    return f"p50 {percentile(values, 0.5):.2f} ms, p99 {percentile(values, 0.99):.2f} ms"


@dataclass(frozen=True)
class Latencies:
    totals_ms: List[float]
    connector_ms: List[float]
    floor_ms: List[float]
    # CPU of the bench's process from the call to the event (process_time), when measured: when every
    # process is slowed for a moment, the tail grows with it, so the p99 ratio leans towards this ratio.
    connector_cpu_ms: List[float] = field(default_factory=list)
    floor_cpu_ms: List[float] = field(default_factory=list)

    def rows(self, what: str) -> List[Row]:
        rows = [Row("round trip", f"{what}: floor client ({len(self.floor_ms)} orders)", _fmt(self.floor_ms)),
                Row("round trip", f"{what}: connector ({len(self.totals_ms)} orders)", _fmt(self.totals_ms))]
        if self.connector_ms:
            rows.append(Row("round trip", f"{what}: connector share (total - emulator processing)",
                            _fmt(self.connector_ms)))
        if self.connector_cpu_ms and self.floor_cpu_ms:
            connector_cpu, floor_cpu = statistics.fmean(self.connector_cpu_ms), statistics.fmean(self.floor_cpu_ms)
            rows.append(Row("round trip", f"{what}: CPU in the client's process until the event, mean",
                            f"connector {connector_cpu:.2f} ms, floor {floor_cpu:.2f} ms "
                            f"({connector_cpu / floor_cpu:.2f}x)"))
        for name, q in (("p50", 0.5), ("p99", 0.99)):
            low, high = ratio_interval(self.totals_ms, self.floor_ms, q)
            rows.append(Row.ratio("round trip", f"{what}: connector / floor, {name}",
                                  percentile(self.totals_ms, q) / percentile(self.floor_ms, q), TARGET_RATIO,
                                  note=f"(90% bootstrap interval {low:.2f}-{high:.2f})"))
        return rows


def ratio_interval(connector_ms: List[float], floor_ms: List[float], q: float,
                   resamples: int = BOOTSTRAP_RESAMPLES) -> Tuple[float, float]:
    """5th and 95th percentiles of the ratio of the q-quantiles over bootstrap resamples: how far the ratio
    read from these orders may be from the ratio of the connector itself. Connector and floor orders are
    drawn in pairs (the same index: they ran one after the other, under the same machine load)."""
    pairs = min(len(connector_ms), len(floor_ms))
    if pairs == 0:
        return float("nan"), float("nan")
    rng = random.Random(BOOTSTRAP_SEED)
    ratios = []
    for _ in range(resamples):
        picks = [rng.randrange(pairs) for _ in range(pairs)]
        ratios.append(percentile([connector_ms[i] for i in picks], q) / percentile([floor_ms[i] for i in picks], q))
    return percentile(ratios, 0.05), percentile(ratios, 0.95)


@dataclass(frozen=True)
class RoundTripResult:
    open: Latencies
    cancel: Latencies
    fill: Latencies
    emulator_processing_ms_p50: float

    def rows(self) -> List[Row]:
        return (self.open.rows("buy -> OPEN") + self.cancel.rows("cancel -> CANCELLED")
                + self.fill.rows("crossing buy -> FILLED")
                + [Row("round trip", "emulator processing of POST /order",
                       f"p50 {self.emulator_processing_ms_p50:.2f} ms")])


def _price(connector: BackpackExchange, is_buy_side_of_book: bool, factor: Decimal) -> Decimal:
    return connector.quantize_order_price(PAIR, Decimal(str(connector.get_price(PAIR, is_buy_side_of_book))) * factor)


async def _open_cancel_once(connector: BackpackExchange, waiter: OrderWaiter) -> Tuple[str, float, float]:
    price = _price(connector, False, OPEN_BELOW)
    started = time.perf_counter()
    order_id = connector.buy(PAIR, AMOUNT, OrderType.LIMIT, price)
    opened = await waiter.wait(MarketEvent.BuyOrderCreated, order_id) - started
    started = time.perf_counter()
    connector.cancel(PAIR, order_id)
    cancelled = await waiter.wait(MarketEvent.OrderCancelled, order_id) - started
    waiter.forget(order_id)
    return order_id, opened, cancelled


async def _fill_once(connector: BackpackExchange, waiter: OrderWaiter) -> Tuple[str, float, float]:
    """(order id, seconds to FILLED, CPU seconds of this process until then)."""
    price = _price(connector, True, CROSS_ABOVE)
    cpu_started, started = time.process_time(), time.perf_counter()
    order_id = connector.buy(PAIR, AMOUNT, OrderType.LIMIT, price)
    elapsed = await waiter.wait(MarketEvent.BuyOrderCompleted, order_id) - started
    cpu = waiter.cpu_seen[(MarketEvent.BuyOrderCompleted, order_id)] - cpu_started
    waiter.forget(order_id)
    return order_id, elapsed, cpu


class _FloorOrders:
    """The connector's order payload (same fields and values), sent by the floor client. Like the connector's,
    it is built from the price inside the timed window: turning an amount and a price into the order's fields
    is part of placing an order (the price itself is read from the book before, for both)."""

    def __init__(self, client: FloorClient):
        self.client = client
        self.next_id = 1

    def _order(self, price: Decimal) -> Dict[str, object]:
        self.next_id += 1
        return {"symbol": SYMBOL, "side": "Bid", "orderType": "Limit", "quantity": f"{AMOUNT.normalize():f}",
                "selfTradePrevention": "RejectTaker", "clientId": self.next_id, "price": f"{price.normalize():f}",
                "timeInForce": "GTC", "postOnly": False}

    async def open_cancel_once(self, connector: BackpackExchange) -> Tuple[float, float]:
        price = _price(connector, False, OPEN_BELOW)
        started = time.perf_counter()
        order = self._order(price)
        opened = await self.client.open(order) - started
        started = time.perf_counter()
        cancelled = await self.client.cancel(SYMBOL, order["clientId"]) - started
        return opened, cancelled

    async def fill_once(self, connector: BackpackExchange) -> Tuple[float, float]:
        """(seconds to FILLED, CPU seconds of this process until then)."""
        price = _price(connector, True, CROSS_ABOVE)
        cpu_started, started = time.process_time(), time.perf_counter()
        order = self._order(price)
        elapsed = await self.client.fill(order) - started
        return elapsed, self.client.cpu_seen.pop(("orderFill", str(order["clientId"]))) - cpu_started


def _ms(values: List[float]) -> List[float]:
    return [v * 1e3 for v in values]


@dataclass
class _Samples:
    opens: List[Tuple[str, float, float]] = field(default_factory=list)  # (order id, to OPEN, to CANCELLED)
    fills: List[Tuple[str, float, float]] = field(default_factory=list)  # (order id, to FILLED, CPU until then)
    floor_opens: List[Tuple[float, float]] = field(default_factory=list)
    floor_fills: List[Tuple[float, float]] = field(default_factory=list)  # (to FILLED, CPU until then)
    processing_us: Dict[str, int] = field(default_factory=dict)  # connector order id -> emulator processing


async def _measure_one_account(rest_url: str, ws_url: str, admin: AdminClient, keys, samples: _Samples,
                               orders: int, warmup: int) -> None:
    """`orders` of each kind on one connector account and one floor account, alternating order by order."""
    (api_key, api_secret), (floor_key, floor_secret) = keys
    connector = create_connector(rest_url, ws_url, api_key, api_secret, [PAIR])
    async with running_connector(connector), FloorClient(rest_url, ws_url, floor_key, floor_secret) as client:
        await wait_for(lambda: connector.get_price(PAIR, True) > 0 and connector.get_price(PAIR, False) > 0,
                       "a two-sided book", 30)
        waiter, floor = OrderWaiter(connector), _FloorOrders(client)
        for _ in range(warmup):  # connections, caches and the JIT-less interpreter warm up
            await _open_cancel_once(connector, waiter)
            await _fill_once(connector, waiter)
            await floor.open_cancel_once(connector)
            await floor.fill_once(connector)
        for done in range(0, orders, BLOCK):
            block = min(BLOCK, orders - done)
            samples.opens += [await _open_cancel_once(connector, waiter) for _ in range(block)]
            samples.floor_opens += [await floor.open_cancel_once(connector) for _ in range(block)]
            samples.fills += [await _fill_once(connector, waiter) for _ in range(block)]
            samples.floor_fills += [await floor.fill_once(connector) for _ in range(block)]
    logged = await admin.requests(path="/api/v1/order", method="POST")
    samples.processing_us.update({str(entry["params"]["clientId"]): entry["processingUs"] for entry in logged
                                  if entry.get("apiKey") == api_key})


@closes_http_session
async def run(orders: int = 500, warmup: int = 20, accounts: int = ACCOUNTS) -> RoundTripResult:
    """`orders` per kind on each of `accounts` connector (and floor) accounts, one after the other, pooled."""
    keys = [(generate_keypair(), generate_keypair()) for _ in range(accounts)]
    samples = _Samples()
    async with spawn_emulator({key[0]: BIG_BALANCES for pair in keys for key in pair}) as (rest_url, ws_url, _):
        async with AdminClient(rest_url) as admin:
            for account_keys in keys:
                await _measure_one_account(rest_url, ws_url, admin, account_keys, samples, orders, warmup)

    def own(measured: List[Tuple[str, float]]) -> List[float]:
        return [seconds * 1e3 - samples.processing_us[order_id] / 1e3 for order_id, seconds in measured]
    processing = [samples.processing_us[sample[0]] for sample in samples.opens + samples.fills]
    return RoundTripResult(
        open=Latencies(_ms([o[1] for o in samples.opens]), own([(o[0], o[1]) for o in samples.opens]),
                       _ms([o[0] for o in samples.floor_opens])),
        cancel=Latencies(_ms([o[2] for o in samples.opens]), [], _ms([o[1] for o in samples.floor_opens])),
        fill=Latencies(_ms([f[1] for f in samples.fills]), own([(f[0], f[1]) for f in samples.fills]),
                       _ms([f[0] for f in samples.floor_fills]), _ms([f[2] for f in samples.fills]),
                       _ms([f[1] for f in samples.floor_fills])),
        emulator_processing_ms_p50=percentile(processing, 0.5) / 1e3)
