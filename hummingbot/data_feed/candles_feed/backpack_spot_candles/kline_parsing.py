"""Turn Backpack kline payloads (REST rows and WS events) into Hummingbot candle rows.

Hummingbot candles are float rows ``[timestamp_s, open, high, low, close, volume, quote_volume,
n_trades, taker_buy_base_volume, taker_buy_quote_volume]``. Backpack does not report the taker-buy
split, so those two columns are 0.
"""
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional, Tuple

from hummingbot.connector.exchange.backpack.backpack_messages import seconds_from_iso
from hummingbot.data_feed.candles_feed.candles_base import CandlesBase

CandleRow = List[float]
PRICE_KEYS = ("open", "high", "low", "close")  # optional in the official Kline type
WS_PRICE_KEYS = ("o", "h", "l", "c")


def kline_time_to_seconds(value: Any) -> float:
    """Start time of a kline in Unix seconds.

    Backpack sends naive UTC strings: REST uses ``"2025-09-11 15:33:00"`` and WS
    ``"2025-09-11T15:33:00"``. Being liberal, a trailing ``Z``/offset and plain epoch numbers
    (s, ms, µs or ns) are accepted too.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"Invalid kline time: {value!r}")
    if isinstance(value, str) and not _is_number(value):
        try:
            return seconds_from_iso(value)
        except ValueError:
            raise ValueError(f"Invalid kline time: {value!r}") from None
    return float(CandlesBase.ensure_timestamp_in_seconds(value))


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def rest_klines_to_candles(rows: Iterable[Dict[str, Any]]) -> List[CandleRow]:
    """REST ``GET /api/v1/klines`` rows -> candle rows, oldest first.

    Buckets without trades come with null (or absent) open/high/low/close: they carry no prices and are
    skipped (`fill_empty_buckets` turns them into flat candles).
    """
    if not isinstance(rows, list):
        raise ValueError(f"Unexpected klines response: {rows!r}"[:300])
    candles = [
        _candle_row(
            start=row["start"], open_=row["open"], high=row["high"], low=row["low"], close=row["close"],
            volume=row.get("volume"), quote_volume=row.get("quoteVolume"), trades=row.get("trades"))
        for row in rows
        if _has_prices(row, PRICE_KEYS)
    ]
    candles.sort(key=lambda candle: candle[0])
    return candles


def fill_empty_buckets(candles: List[CandleRow], interval_s: int, until: Optional[float] = None) -> List[CandleRow]:
    """Make a sorted candle list equidistant, as Hummingbot's candle frame expects.

    Backpack leaves buckets without trades out (or sends them with null prices). Each one between two
    candles, and after the last one up to ``until`` (inclusive), becomes a flat candle at the previous
    close with zero volume, which is how exchanges that list every bucket report them.
    """
    filled: List[CandleRow] = []
    for candle in candles:
        if filled:
            filled.extend(_flat_candles(filled[-1], interval_s, last_start=candle[0] - interval_s))
        filled.append(candle)
    if filled and until is not None:
        filled.extend(_flat_candles(filled[-1], interval_s, last_start=until))
    return filled


def _flat_candles(previous: CandleRow, interval_s: int, last_start: float) -> List[CandleRow]:
    """Flat candles after ``previous`` for every bucket starting at or before ``last_start`` (never a
    bucket that starts later: ``until`` may be the current time, inside the current bucket)."""
    close = previous[4]
    start = previous[0] + interval_s
    flats = []
    while start <= last_start:
        flats.append([start, close, close, close, close, 0.0, 0.0, 0.0, 0.0, 0.0])
        start += interval_s
    return flats


def ws_kline_to_candle(message: Any) -> Optional[Dict[str, float]]:
    """A ``kline.<interval>.<symbol>`` frame -> Hummingbot's candle dict, or None for other frames.

    Accepts the ``{"stream", "data"}`` envelope or a bare event. The stream has no quote volume,
    so it is estimated as volume * close until the REST history replaces the candle.
    """
    if not isinstance(message, dict):
        return None
    event = message.get("data", message)
    if not isinstance(event, dict) or event.get("e") != "kline" or not _has_prices(event, WS_PRICE_KEYS):
        return None
    volume = _decimal(event.get("v"))
    close = _price(event.get("c"))
    row = _candle_row(start=event["t"], open_=event["o"], high=event["h"], low=event["l"], close=event["c"],
                      volume=volume, quote_volume=volume * close, trades=event.get("n"))
    keys = ("timestamp", "open", "high", "low", "close", "volume", "quote_asset_volume", "n_trades",
            "taker_buy_base_volume", "taker_buy_quote_volume")
    return dict(zip(keys, row))


def _has_prices(row: Any, keys: Tuple[str, ...]) -> bool:
    return isinstance(row, dict) and all(row.get(key) is not None for key in keys)


def _candle_row(start: Any, open_: Any, high: Any, low: Any, close: Any,
                volume: Any, quote_volume: Any, trades: Any) -> CandleRow:
    return [
        kline_time_to_seconds(start),
        float(_price(open_)),
        float(_price(high)),
        float(_price(low)),
        float(_price(close)),
        float(_decimal(volume)),
        float(_decimal(quote_volume)),
        float(_decimal(trades)),
        0.0,
        0.0,
    ]


def _price(value: Any) -> Decimal:
    if value is None:
        raise ValueError("Kline without a price")
    return _decimal(value)


def _decimal(value: Any) -> Decimal:
    """Backpack decimals are JSON strings; a missing volume/trade count means zero."""
    if value is None:
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"Invalid kline number: {value!r}") from None
