"""Public market-data JSON of the REST API (depth, tickers, trades, klines, marks, funding, open interest)."""
from decimal import Decimal
from typing import Any, Dict, List, Mapping

from backpack_emulator.decimals import ZERO, fmt
from backpack_emulator.errors import bad_request
from backpack_emulator.exchange import Exchange
from backpack_emulator.klines import INTERVAL_SECONDS
from backpack_emulator.params import int_param, page

DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
DAY_MS = 86_400_000


def depth(ex: Exchange, params: Mapping[str, Any]) -> Dict[str, Any]:
    market = ex.market(params.get("symbol"))
    limit = int_param(params, "limit", 1000)
    if limit not in DEPTH_LIMITS:
        raise bad_request(f"Invalid `limit`: expected one of {', '.join(map(str, DEPTH_LIMITS))}")
    book = ex.books[market.symbol]
    return {"asks": [book.level_json(p, q) for p, q in book.asks.snapshot(limit)],
            "bids": [book.level_json(p, q) for p, q in book.bids.snapshot(limit)],
            "lastUpdateId": str(book.update_id),
            "timestamp": ex.clock.now_us()}


def ticker(ex: Exchange, symbol: str, interval: str = "1d") -> Dict[str, Any]:
    span = DAY_MS * (7 if interval == "1w" else 1)
    since = ex.clock.now_ms() - span
    trades = [t for t in ex.ticker_trades[symbol] if t[0] >= since]
    last = ex.public_trades[symbol][-1]["price"] if ex.public_trades[symbol] else None
    if not trades:
        price = Decimal(last) if last is not None else ex.marks[symbol]
        return _ticker_json(symbol, price, price, price, price, ZERO, ZERO, 0)
    prices = [t[1] for t in trades]
    volume = sum((t[2] for t in trades), ZERO)
    quote_volume = sum((t[1] * t[2] for t in trades), ZERO)
    return _ticker_json(symbol, prices[0], prices[-1], max(prices), min(prices), volume, quote_volume, len(trades))


def _ticker_json(symbol: str, first: Decimal, last: Decimal, high: Decimal, low: Decimal,
                 volume: Decimal, quote_volume: Decimal, count: int) -> Dict[str, Any]:
    change = last - first
    percent = (change / first).quantize(Decimal("0.000001")) if first else ZERO
    return {"symbol": symbol, "firstPrice": fmt(first), "lastPrice": fmt(last), "priceChange": fmt(change),
            "priceChangePercent": fmt(percent), "high": fmt(high), "low": fmt(low), "volume": fmt(volume),
            "quoteVolume": fmt(quote_volume), "trades": str(count)}


def ticker_interval(params: Mapping[str, Any]) -> str:
    interval = params.get("interval", "1d")
    if interval not in ("1d", "1w"):
        raise bad_request("Invalid `interval`: expected 1d or 1w")
    return interval


def trades(ex: Exchange, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    market = ex.market(params.get("symbol"))
    # Newest first, as live lists them (ccxt's recorded answer: ids 7558558, 7558557, ...).
    return page(list(reversed(ex.public_trades[market.symbol])), params)


def klines(ex: Exchange, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    market = ex.market(params.get("symbol"))
    interval = params.get("interval")
    if interval not in INTERVAL_SECONDS:
        raise bad_request("Invalid `interval`")
    start = int_param(params, "startTime", None)
    if start is None:
        raise bad_request("Missing `startTime`")
    end = int_param(params, "endTime", ex.clock.now_ms() // 1000 + 1)
    price_type = params.get("priceType", "Last")
    if price_type not in ("Last", "Index", "Mark"):
        raise bad_request("Invalid `priceType`")
    store = ex.klines if price_type == "Last" else ex.price_klines[price_type]
    return store.rest_rows(market.symbol, interval, start, end, ex.clock.now_ms() // 1000)


def mark_prices(ex: Exchange, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    symbols = _perp_symbols(ex, params)
    return [{"fundingRate": fmt(ex.funding_rate(s)), "indexPrice": fmt(ex.indexes[s]), "markPrice": fmt(ex.marks[s]),
             "nextFundingTimestamp": ex.next_funding(s), "symbol": s} for s in symbols]


def funding_rates(ex: Exchange, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    market = ex.market(params.get("symbol"))
    if not market.is_perp:
        raise bad_request("Funding rates exist for perpetual markets only", code="INVALID_MARKET")
    return page(list(reversed(ex.funding_rate_history[market.symbol])), params, 100, 10000)


def open_interest(ex: Exchange, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    now = ex.clock.now_ms()
    result = []
    for symbol in _perp_symbols(ex, params):
        longs = sum((p.net_quantity for (a, s), p in ex.positions.items() if s == symbol and p.net_quantity > 0), ZERO)
        result.append({"symbol": symbol, "openInterest": fmt(longs), "timestamp": now})
    return result


def _perp_symbols(ex: Exchange, params: Mapping[str, Any]) -> List[str]:
    if params.get("symbol") is not None:
        market = ex.market(params["symbol"])
        return [market.symbol] if market.is_perp else []
    return [s for s, m in ex.markets.items() if m.is_perp]
