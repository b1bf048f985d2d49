"""Strict request decoding: the live server decodes every request into a typed struct and refuses what
does not fit, before any of its own checks run. This module holds those structs' shapes (field names,
JSON types, enum spellings, and whether they travel in the query string or the JSON body), from the
official client's request types (``bpx-api-client`` ``types/src``) and, where it has none, the OpenAPI
spec. Where the two leave a doubt the stricter reading is taken (API_COVERAGE.md lists each one).

A refusal is a 400 with a plain-text body in the server framework's words (``parse request payload
error: ...`` for a JSON body, ``failed to parse parameter ...`` for a query), not a ``{code, message}``
JSON body: decoding fails before the API's own error handling is reached (backpack_api.md §4). Two
refusals are known word for word (ccxt's comments): an order for an unknown market (``failed to parse
"MarketSymbol": Invalid market symbol``) and a kline interval that is not one (``failed to parse
"KlineInterval": Expect a valid enumeration value.``); the others follow the same framework's format.
"""
from dataclasses import dataclass, field
import re
from decimal import Decimal
from typing import Any, Container, Dict, FrozenSet, Mapping, Optional, Tuple, Union

from backpack_emulator.errors import ApiError

# A field type is one of the names below, or a tuple of the enum's spellings.
FieldType = Union[str, Tuple[str, ...]]

SIDE = ("Bid", "Ask")
BORROW_LEND_SIDE = ("Borrow", "Lend")
ORDER_TYPE = ("Limit", "Market")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
SELF_TRADE_PREVENTION = ("RejectTaker", "RejectMaker", "RejectBoth", "Allow")  # Allow: Rust client only
TRIGGER_BY = ("MarkPrice", "LastPrice", "IndexPrice")
SLIPPAGE_TOLERANCE_TYPE = ("TickSize", "Percent")
CANCEL_ORDER_TYPE = ("RestingLimitOrder", "ConditionalOrder")
MARKET_TYPE = ("SPOT", "PERP", "IPERP", "DATED", "PREDICTION", "RFQ")
FILL_TYPE = ("User", "BookLiquidation", "Adl", "Backstop", "Liquidation", "AllLiquidation", "CollateralConversion",
             "CollateralConversionAndSpotLiquidation")
SORT_DIRECTION = ("Asc", "Desc")
KLINE_INTERVAL = ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w",
                  "1month")
KLINE_PRICE_TYPE = ("Last", "Index", "Mark")
TICKER_INTERVAL = ("1d", "1w")
DEPTH_LIMIT = ("5", "10", "20", "50", "100", "500", "1000")

INTEGER_RANGES = {"u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1),
                  "i64": (-2**63, 2**63 - 1)}
DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
TYPE_NAMES = {"string": "string", "market_symbol": "string", "decimal": "string(decimal)", "bool": "boolean",
              "u16": "integer(uint16)", "u32": "integer(uint32)", "u64": "integer(uint64)", "i64": "integer(int64)"}


@dataclass(frozen=True)
class Schema:
    name: str  # the struct's name, quoted in refusals as the live server does
    location: str  # "query" or "body"
    fields: Mapping[str, FieldType] = field(default_factory=dict)
    required: FrozenSet[str] = frozenset()
    arrays: FrozenSet[str] = frozenset()  # query keys that may repeat (marketType=SPOT&marketType=PERP)
    batch: bool = False  # the body is a JSON array of `name` objects


def _query(name: str, required: Tuple[str, ...] = (), arrays: Tuple[str, ...] = (), **fields: FieldType) -> Schema:
    return Schema(name, "query", fields, frozenset(required), frozenset(arrays))


ORDER_EXECUTE_FIELDS: Dict[str, FieldType] = {
    "autoLend": "bool", "autoLendRedeem": "bool", "autoBorrow": "bool", "autoBorrowRepay": "bool",
    "brokerId": "u16", "clientId": "u32", "orderType": ORDER_TYPE, "postOnly": "bool", "price": "decimal",
    "quantity": "decimal", "quoteQuantity": "decimal", "reduceOnly": "bool",
    "selfTradePrevention": SELF_TRADE_PREVENTION, "side": SIDE, "stopLossLimitPrice": "decimal",
    "stopLossTriggerBy": TRIGGER_BY, "stopLossTriggerPrice": "decimal", "symbol": "market_symbol",
    "takeProfitLimitPrice": "decimal", "takeProfitTriggerBy": TRIGGER_BY, "takeProfitTriggerPrice": "decimal",
    "timeInForce": TIME_IN_FORCE, "triggerBy": TRIGGER_BY, "triggerPrice": "decimal",
    "triggerQuantity": "string",  # a decimal or a percentage such as "80%"
    "slippageTolerance": "decimal", "slippageToleranceType": SLIPPAGE_TOLERANCE_TYPE,
}
ORDER_EXECUTE_REQUIRED = frozenset({"orderType", "side", "symbol"})

SCHEMAS: Dict[Tuple[str, str], Schema] = {
    # ----- public
    ("GET", "/api/v1/status"): _query("Status"),
    ("GET", "/api/v1/ping"): _query("Ping"),
    ("GET", "/api/v1/time"): _query("Time"),
    ("GET", "/api/v1/assets"): _query("Assets", country="string"),
    ("GET", "/api/v1/collateral"): _query("Collateral"),
    ("GET", "/api/v1/securities"): _query("Securities"),
    ("GET", "/api/v1/markets"): _query("Markets", arrays=("marketType",), marketType=MARKET_TYPE),
    ("GET", "/api/v1/market"): _query("Market", ("symbol",), symbol="string"),
    ("GET", "/api/v1/ticker"): _query("Ticker", ("symbol",), symbol="string", interval=TICKER_INTERVAL),
    ("GET", "/api/v1/tickers"): _query("Tickers", interval=TICKER_INTERVAL),
    ("GET", "/api/v1/depth"): _query("Depth", ("symbol",), symbol="string", limit=DEPTH_LIMIT),
    ("GET", "/api/v1/trades"): _query("Trades", ("symbol",), symbol="string", limit="u16"),
    ("GET", "/api/v1/trades/history"): _query("TradesHistory", ("symbol",), symbol="string", limit="u64",
                                              offset="u64"),
    ("GET", "/api/v1/klines"): _query("Klines", ("symbol", "interval", "startTime"), symbol="string",
                                      interval=KLINE_INTERVAL, startTime="i64", endTime="i64",
                                      priceType=KLINE_PRICE_TYPE),
    ("GET", "/api/v1/markPrices"): _query("MarkPrices", symbol="string", marketType=MARKET_TYPE),
    ("GET", "/api/v1/fundingRates"): _query("FundingRates", ("symbol",), symbol="string", limit="u64",
                                            offset="u64"),
    ("GET", "/api/v1/openInterest"): _query("OpenInterest", symbol="string"),
    # ----- signed
    ("GET", "/api/v1/account"): _query("AccountQuery"),
    ("PATCH", "/api/v1/account"): Schema("UpdateAccountPayload", "body", {
        "autoBorrowSettlements": "bool", "autoLend": "bool", "autoRepayBorrows": "bool",
        "leverageLimit": "decimal"}),
    ("GET", "/api/v1/capital"): _query("BalanceQuery"),
    ("GET", "/api/v1/capital/collateral"): _query("CollateralQuery", subaccountId="u16"),
    ("GET", "/api/v1/borrowLend/positions"): _query("BorrowLendPositionQuery"),
    ("POST", "/api/v1/borrowLend"): Schema("BorrowLendExecutePayload", "body", {
        "quantity": "decimal", "side": BORROW_LEND_SIDE, "symbol": "string"},
        frozenset({"quantity", "side", "symbol"})),
    ("GET", "/api/v1/order"): _query("OrderQuery", ("symbol",), symbol="string", orderId="string", clientId="u32"),
    ("POST", "/api/v1/order"): Schema("OrderExecutePayload", "body", ORDER_EXECUTE_FIELDS, ORDER_EXECUTE_REQUIRED),
    ("DELETE", "/api/v1/order"): Schema("OrderCancelPayload", "body",
                                        {"symbol": "string", "orderId": "string", "clientId": "u32"},
                                        frozenset({"symbol"})),
    ("GET", "/api/v1/orders"): _query("OrderQueryAll", symbol="string", marketType=MARKET_TYPE),
    ("POST", "/api/v1/orders"): Schema("OrderExecutePayload", "body", ORDER_EXECUTE_FIELDS, ORDER_EXECUTE_REQUIRED,
                                       batch=True),
    ("DELETE", "/api/v1/orders"): Schema("OrderCancelAllPayload", "body",
                                         {"symbol": "string", "orderType": CANCEL_ORDER_TYPE},
                                         frozenset({"symbol"})),
    ("GET", "/api/v1/position"): _query("PositionQuery", symbol="string", marketType=MARKET_TYPE),
    ("GET", "/wapi/v1/history/fills"): _query(
        "FillHistoryQuery", arrays=("marketType",), orderId="string", strategyId="string", symbol="string",
        limit="u64", offset="u64", fillType=FILL_TYPE, marketType=MARKET_TYPE, sortDirection=SORT_DIRECTION,
        **{"from": "i64", "to": "i64"}),
    ("GET", "/wapi/v1/history/orders"): _query(
        "OrderHistoryQuery", arrays=("marketType",), orderId="string", strategyId="string", symbol="string",
        limit="u64", offset="u64", marketType=MARKET_TYPE, sortDirection=SORT_DIRECTION),
    ("GET", "/wapi/v1/history/funding"): _query(
        "FundingHistoryQuery", subaccountId="u16", symbol="string", limit="u64", offset="u64",
        sortDirection=SORT_DIRECTION),
}


# Query enums whose live refusal is known word for word: (struct, parameter) -> the enum type's name.
CAPTURED_ENUMS = {("Klines", "interval"): "KlineInterval"}


def refusal(message: str) -> ApiError:
    return ApiError(400, "", message, plain=True)


def _type_name(kind: FieldType) -> str:
    return f"enum({'|'.join(kind)})" if isinstance(kind, tuple) else TYPE_NAMES[kind]


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value) if isinstance(value, (int, Decimal)) else type(value).__name__


def _is_decimal_text(text: str) -> bool:
    """Plain decimal notation only: no exponent, sign `+`, spaces, NaN or infinity."""
    return DECIMAL_TEXT.fullmatch(text) is not None


def _integer_ok(value: int, kind: str) -> bool:
    low, high = INTEGER_RANGES[kind]
    return low <= value <= high


def json_value_ok(value: Any, kind: FieldType) -> bool:
    """Whether a JSON value decodes as `kind`: no coercion (a string is never a bool or an integer)."""
    if isinstance(kind, tuple):
        return isinstance(value, str) and value in kind
    if kind in ("string", "market_symbol"):
        return isinstance(value, str)
    if kind == "decimal":  # decimals travel as JSON strings (the official types serialise them so)
        return isinstance(value, str) and _is_decimal_text(value)
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool) and _integer_ok(value, kind)


def query_value_ok(text: str, kind: FieldType) -> bool:
    """Whether a query-string value parses as `kind` (query values are text: `true`, `42`, `Bid`)."""
    if isinstance(kind, tuple):
        return text in kind
    if kind == "string":
        return True
    if kind == "decimal":
        return _is_decimal_text(text)
    if kind == "bool":
        return text in ("true", "false")
    body = text[1:] if text.startswith("-") and kind == "i64" else text
    return body.isascii() and body.isdigit() and _integer_ok(int(text), kind)


def check_query(schema: Schema, query: Any) -> None:
    """`query`: the request's query MultiDict (or a mapping of single values)."""
    keys = list(query.keys())
    for key in dict.fromkeys(keys):
        kind = schema.fields.get(key)
        if kind is None:
            raise refusal(f"failed to parse parameter `{key}`: unknown parameter (occurred while parsing "
                          f"\"{schema.name}\")")
        values = query.getall(key) if hasattr(query, "getall") else [query[key]]
        if len(values) > 1 and key not in schema.arrays:
            raise refusal(f"failed to parse parameter `{key}`: expected a single value, found {len(values)}")
        for value in values:
            if query_value_ok(str(value), kind):
                continue
            if (schema.name, key) in CAPTURED_ENUMS:
                raise refusal(f"failed to parse parameter `{key}`: failed to parse "
                              f"\"{CAPTURED_ENUMS[schema.name, key]}\": Expect a valid enumeration value.")
            raise refusal(f"failed to parse parameter `{key}`: Expected input type \"{_type_name(kind)}\", "
                          f"found \"{value}\".")
    for key in sorted(schema.required - set(keys)):
        raise refusal(f"failed to parse parameter `{key}`: Expected input type \"{_type_name(schema.fields[key])}\", "
                      f"found null.")


def check_object(schema: Schema, body: Any, markets: Optional[Container[str]] = None) -> None:
    """`markets`: the symbols a `market_symbol` field may name (None: not checked)."""
    if not isinstance(body, dict):
        raise refusal(f"parse request payload error: Expected input type \"{schema.name}\", found "
                      f"{_json_text(body) if not isinstance(body, list) else 'an array'}.")
    for key, value in body.items():
        kind = schema.fields.get(key)
        if kind is None:
            raise refusal(f"parse request payload error: unknown field `{key}` "
                          f"(occurred while parsing \"{schema.name}\")")
        if value is None:  # an optional field written as null decodes as absent (and is not signed)
            if key in schema.required:
                raise refusal(f"parse request payload error: failed to parse field `{key}`: Expected input type "
                              f"\"{_type_name(kind)}\", found null. (occurred while parsing \"{schema.name}\")")
            continue
        if not json_value_ok(value, kind):
            raise refusal(f"parse request payload error: failed to parse field `{key}`: Expected input type "
                          f"\"{_type_name(kind)}\", found {_json_text(value)}. "
                          f"(occurred while parsing \"{schema.name}\")")
        if kind == "market_symbol" and markets is not None and value not in markets:
            raise refusal(f"parse request payload error: failed to parse \"MarketSymbol\": Invalid market symbol "
                          f"(occurred while parsing \"{schema.name}\")")
    for key in sorted(schema.required - set(body)):
        raise refusal(f"parse request payload error: failed to parse field `{key}`: Expected input type "
                      f"\"{_type_name(schema.fields[key])}\", found null. (occurred while parsing \"{schema.name}\")")


def check_body(schema: Schema, body: Any, markets: Optional[Container[str]] = None) -> None:
    if schema.batch:
        if not isinstance(body, list):
            raise refusal(f"parse request payload error: Expected input type \"list_{schema.name}\", found "
                          f"{'an object' if isinstance(body, dict) else _json_text(body)}.")
        for item in body:
            check_object(schema, item, markets)
    else:
        check_object(schema, body, markets)


def check_request(method: str, path: str, query: Any, body: Optional[Any],
                  markets: Optional[Container[str]] = None) -> None:
    """Refuses (ApiError, plain text) what the typed request of `method path` cannot decode.
    `body` is the decoded JSON body of POST/DELETE/PATCH requests ({} when the body is empty); `markets`
    the exchange's symbols (an order's `symbol` is typed MarketSymbol live: an unknown one does not decode)."""
    schema = SCHEMAS.get((method, path))
    if schema is None:
        return
    if schema.location == "query":
        check_query(schema, query)
        return
    if len(query):
        first = next(iter(query.keys()))
        raise refusal(f"parse request payload error: `{first}` was sent in the query string; the parameters of "
                      f"{method} {path} travel in the JSON body (occurred while parsing \"{schema.name}\")")
    check_body(schema, body, markets)
