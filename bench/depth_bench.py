"""depth: N generated `depth.<symbol>` WS frames through the connector's parse path (gap check on) and
Hummingbot's `OrderBook.apply_diffs`, against the floor `json.loads` + `apply_diffs` of pre-built rows.

Both sides decode the same JSON text and apply the same levels to a book holding the same snapshot, and
must end with the same book. The floor decodes with `json.loads`, as the issue defines it; the connector
with what its WS connection really uses (ujson, `backpack_ws_connection.decode_frame`): the table shows
that decoder's own share next to the floor's, so the ratio is never read as pure parse-path work."""
import json
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, List, Tuple

from bidict import bidict

from bench.report import FloorComparison, Row
from hummingbot.connector.exchange.backpack.backpack_api_order_book_data_source import (
    BackpackAPIOrderBookDataSource,
)
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.exchange.backpack.backpack_sequenced_book import SequencedBook
from hummingbot.connector.exchange.backpack.backpack_ws_connection import decode_frame
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_row import OrderBookRow

PAIR, SYMBOL = "SOL-USDC", "SOL_USDC"
TICK = Decimal("0.01")
MID_TICKS = 18000  # 180.00
SNAPSHOT_LEVELS = 50
FIRST_UPDATE_ID = 1_000_000
TARGET = 1.25


@dataclass(frozen=True)
class DepthData:
    snapshot: Dict[str, Any]
    frames: List[str]
    rows: List[Tuple[List[OrderBookRow], List[OrderBookRow], int]]  # the floor's pre-built rows


def _level(ticks: int, rng: random.Random, removable: bool) -> List[str]:
    quantity = "0" if removable and rng.random() < 0.2 else str(rng.randint(1, 5000) * TICK)
    return [str(ticks * TICK), quantity]


def generate(diffs: int, seed: int = 7) -> DepthData:
    """A snapshot and `diffs` sequential frames (U == previous u + 1), 1-4 levels per side each."""
    rng = random.Random(seed)
    bids = [_level(MID_TICKS - i, rng, False) for i in range(SNAPSHOT_LEVELS, 0, -1)]
    asks = [_level(MID_TICKS + i, rng, False) for i in range(1, SNAPSHOT_LEVELS + 1)]
    snapshot = {"bids": bids, "asks": asks, "lastUpdateId": str(FIRST_UPDATE_ID - 1), "timestamp": 1}
    frames, rows = [], []
    for index in range(diffs):
        update_id = FIRST_UPDATE_ID + index
        b = [_level(MID_TICKS - rng.randint(1, SNAPSHOT_LEVELS), rng, True) for _ in range(rng.randint(1, 4))]
        a = [_level(MID_TICKS + rng.randint(1, SNAPSHOT_LEVELS), rng, True) for _ in range(rng.randint(1, 4))]
        event_us = 1_764_000_000_000_000 + index * 1000
        data = {"e": "depth", "E": event_us, "s": SYMBOL, "a": a, "b": b, "U": update_id, "u": update_id,
                "T": event_us - 50}
        frames.append(json.dumps({"stream": f"depth.{SYMBOL}", "data": data}, separators=(",", ":")))
        rows.append(([OrderBookRow(float(p), float(q), update_id) for p, q in b],
                     [OrderBookRow(float(p), float(q), update_id) for p, q in a], update_id))
    return DepthData(snapshot, frames, rows)


def _fresh_book(snapshot: Dict[str, Any]) -> OrderBook:
    book = OrderBook()
    update_id = int(snapshot["lastUpdateId"])
    book.apply_snapshot([OrderBookRow(float(p), float(q), update_id) for p, q in snapshot["bids"]],
                        [OrderBookRow(float(p), float(q), update_id) for p, q in snapshot["asks"]], update_id)
    return book


def floor_pass(data: DepthData) -> Tuple[float, OrderBook]:
    book = _fresh_book(data.snapshot)
    loads, apply = json.loads, book.apply_diffs
    started = time.perf_counter()
    for frame, (bids, asks, update_id) in zip(data.frames, data.rows):
        loads(frame)
        apply(bids, asks, update_id)
    return time.perf_counter() - started, book


def parse_floor_pass(data: DepthData) -> Tuple[float, OrderBook]:
    """Reference, not the issue's floor: the floor plus building the rows from the decoded text with
    Hummingbot's own `OrderBookRow(float(price), float(amount), update_id)` - the least any parse path does."""
    book = _fresh_book(data.snapshot)
    loads, apply = json.loads, book.apply_diffs
    started = time.perf_counter()
    for frame in data.frames:
        diff = loads(frame)["data"]
        update_id = diff["u"]
        apply([OrderBookRow(float(p), float(q), update_id) for p, q in diff["b"]],
              [OrderBookRow(float(p), float(q), update_id) for p, q in diff["a"]], update_id)
    return time.perf_counter() - started, book


def build_data_source() -> BackpackAPIOrderBookDataSource:
    """The real data source on a market-data-only connector whose symbol map is already known."""
    exchange = BackpackExchange("", "", trading_pairs=[PAIR], trading_required=False)
    exchange._set_trading_pair_symbol_map(bidict({SYMBOL: PAIR}))
    return BackpackAPIOrderBookDataSource(trading_pairs=[PAIR], connector=exchange,
                                          api_factory=exchange._web_assistants_factory, ws_url="ws://127.0.0.1:1/")


async def connector_pass(data: DepthData, source: BackpackAPIOrderBookDataSource) -> Tuple[float, OrderBook]:
    """What the connector's WS listener does per frame: decode the text (`BackpackWSConnection`), then
    `_apply_depth_frame` (route, gap check, parse, apply to the pair's book)."""
    sequenced = SequencedBook(PAIR, OrderBook())
    sequenced.apply_snapshot(data.snapshot)
    source._books = {SYMBOL: sequenced}
    decode, apply_frame = decode_frame, source._apply_depth_frame
    started = time.perf_counter()
    for frame in data.frames:
        if apply_frame(decode(frame)) is not True:
            raise AssertionError("a generated diff was not applied in sequence")
    return time.perf_counter() - started, sequenced.book


def decode_pass(frames: List[str], decode) -> float:
    started = time.perf_counter()
    for frame in frames:
        decode(frame)
    return time.perf_counter() - started


@dataclass(frozen=True)
class DepthResult(FloorComparison):
    parse_floor_s: float
    json_decode_s: float
    connector_decode_s: float

    def rows(self) -> List[Row]:
        per_floor, per_conn = self.per_item_us(self.floor_s), self.per_item_us(self.connector_s)
        per_parse = self.per_item_us(self.parse_floor_s)
        return [Row("depth", f"{self.count:,} diffs: floor (json.loads + apply_diffs)", f"{per_floor:.2f} µs/diff"),
                Row("depth", "reference: floor + building the rows (no routing, no gap check)",
                    f"{per_parse:.2f} µs/diff = {self.parse_floor_s / self.floor_s:.2f}x floor"),
                Row("depth", "decoding alone: json.loads (floor) / ujson (connector's WS connection)",
                    f"{self.per_item_us(self.json_decode_s):.2f} / "
                    f"{self.per_item_us(self.connector_decode_s):.2f} µs/diff"),
                Row("depth", "connector decode + route + gap check + parse + apply", f"{per_conn:.2f} µs/diff"),
                Row.ratio("depth", "connector / floor", self.ratio, TARGET)]


def _same_book(a: OrderBook, b: OrderBook) -> bool:
    return (list(a.bid_entries()) == list(b.bid_entries()) and list(a.ask_entries()) == list(b.ask_entries())
            and a.last_diff_uid == b.last_diff_uid)


async def run(diffs: int = 20_000, rounds: int = 5) -> DepthResult:
    data = generate(diffs)
    source = build_data_source()
    floors, connectors, parse_floors, json_decodes, connector_decodes = [], [], [], [], []
    for _ in range(rounds):  # interleaved, so drift of the machine hits both sides alike
        floor_s, floor_book = floor_pass(data)
        connector_s, connector_book = await connector_pass(data, source)
        parse_floor_s, parse_book = parse_floor_pass(data)
        if not _same_book(floor_book, connector_book) or not _same_book(floor_book, parse_book):
            raise AssertionError("the connector's book differs from the floor's book")
        floors.append(floor_s)
        connectors.append(connector_s)
        parse_floors.append(parse_floor_s)
        json_decodes.append(decode_pass(data.frames, json.loads))
        connector_decodes.append(decode_pass(data.frames, decode_frame))
    # the least disturbed pass of each (as timeit does)
    return DepthResult(diffs, min(floors), min(connectors), min(parse_floors), min(json_decodes),
                       min(connector_decodes))
