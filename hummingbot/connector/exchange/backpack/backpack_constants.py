"""Backpack constants shared by the spot (`backpack`) and perpetual (`backpack_perpetual`) connectors.

Offers: default base URLs and the environment variables that override them, REST paths, the signing
instruction of every signed endpoint, WS stream names, the order status map, error codes/messages,
order options (time in force, self-trade prevention) and the rate-limit definitions.
Nothing here reads the environment: URLs are resolved in `backpack_web_utils` when a connector is built.
"""
from hummingbot.core.api_throttler.data_types import LinkedLimitWeightPair, RateLimit
from hummingbot.core.data_type.in_flight_order import OrderState

DEFAULT_DOMAIN = "exchange"

# --- Base URLs (overridable through the environment, read at connector creation) ---
REST_URL_ENV_VAR = "BACKPACK_REST_URL"
WS_URL_ENV_VAR = "BACKPACK_WS_URL"
DEFAULT_REST_URL = "https://api.backpack.exchange/"
DEFAULT_WS_URL = "wss://ws.backpack.exchange/"

# --- REST paths (relative to the base URL) ---
SERVER_TIME_PATH_URL = "api/v1/time"
PING_PATH_URL = "api/v1/ping"
MARKETS_PATH_URL = "api/v1/markets"
TICKER_PATH_URL = "api/v1/ticker"
TICKERS_PATH_URL = "api/v1/tickers"
DEPTH_PATH_URL = "api/v1/depth"
TRADES_PATH_URL = "api/v1/trades"
TRADES_HISTORY_PATH_URL = "api/v1/trades/history"
KLINES_PATH_URL = "api/v1/klines"
MARK_PRICES_PATH_URL = "api/v1/markPrices"
FUNDING_RATES_PATH_URL = "api/v1/fundingRates"
OPEN_INTEREST_PATH_URL = "api/v1/openInterest"
ORDER_PATH_URL = "api/v1/order"
ORDERS_PATH_URL = "api/v1/orders"
CAPITAL_PATH_URL = "api/v1/capital"
COLLATERAL_PATH_URL = "api/v1/capital/collateral"
ACCOUNT_PATH_URL = "api/v1/account"
POSITION_PATH_URL = "api/v1/position"
BORROW_LEND_POSITIONS_PATH_URL = "api/v1/borrowLend/positions"
ORDER_HISTORY_PATH_URL = "wapi/v1/history/orders"
FILL_HISTORY_PATH_URL = "wapi/v1/history/fills"
FUNDING_HISTORY_PATH_URL = "wapi/v1/history/funding"

# --- Signing instructions per (HTTP method, path) (backpack_api.md §2.7) ---
INSTRUCTIONS = {
    ("GET", CAPITAL_PATH_URL): "balanceQuery",
    ("GET", COLLATERAL_PATH_URL): "collateralQuery",
    ("GET", ACCOUNT_PATH_URL): "accountQuery",
    ("PATCH", ACCOUNT_PATH_URL): "accountUpdate",
    ("GET", BORROW_LEND_POSITIONS_PATH_URL): "borrowLendPositionQuery",
    ("GET", ORDER_PATH_URL): "orderQuery",
    ("POST", ORDER_PATH_URL): "orderExecute",
    ("DELETE", ORDER_PATH_URL): "orderCancel",
    ("GET", ORDERS_PATH_URL): "orderQueryAll",
    ("POST", ORDERS_PATH_URL): "orderExecute",  # batch: repeated once per order (§2.5)
    ("DELETE", ORDERS_PATH_URL): "orderCancelAll",
    ("GET", POSITION_PATH_URL): "positionQuery",
    ("GET", FILL_HISTORY_PATH_URL): "fillHistoryQueryAll",
    ("GET", ORDER_HISTORY_PATH_URL): "orderHistoryQueryAll",
    ("GET", FUNDING_HISTORY_PATH_URL): "fundingHistoryQueryAll",
}
WS_SUBSCRIBE_INSTRUCTION = "subscribe"
BATCH_ORDER_INSTRUCTION = "orderExecute"
DEFAULT_WINDOW_MS = 5000
MAX_WINDOW_MS = 60000

# Optional broker header on order placement; not part of the signed string.
BROKER_ID_HEADER = "X-BROKER-ID"

# --- WebSocket ---
WS_HEARTBEAT_TIME_INTERVAL = 30.0
DEPTH_STREAM_PREFIX = "depth."
TRADE_STREAM_PREFIX = "trade."
ORDER_UPDATE_STREAM = "account.orderUpdate"
POSITION_UPDATE_STREAM = "account.positionUpdate"
DEPTH_EVENT_TYPE = "depth"
TRADE_EVENT_TYPE = "trade"

# Order update event names (field `e` of account.orderUpdate)
ORDER_ACCEPTED_EVENT = "orderAccepted"
ORDER_FILL_EVENT = "orderFill"
ORDER_CANCELLED_EVENT = "orderCancelled"
ORDER_EXPIRED_EVENT = "orderExpired"
ORDER_MODIFIED_EVENT = "orderModified"
TRIGGER_PLACED_EVENT = "triggerPlaced"
TRIGGER_FAILED_EVENT = "triggerFailed"

# --- Orders ---
SIDE_BUY = "Bid"
SIDE_SELL = "Ask"
ORDER_TYPE_LIMIT = "Limit"
ORDER_TYPE_MARKET = "Market"
TIME_IN_FORCE_GTC = "GTC"
TIME_IN_FORCE_IOC = "IOC"
TIME_IN_FORCE_FOK = "FOK"
TIME_IN_FORCES = (TIME_IN_FORCE_GTC, TIME_IN_FORCE_IOC, TIME_IN_FORCE_FOK)
SELF_TRADE_PREVENTION_MODES = ("RejectTaker", "RejectMaker", "RejectBoth")
DEFAULT_SELF_TRADE_PREVENTION = "RejectTaker"
CANCEL_ALL_RESTING_LIMIT_ORDERS = "RestingLimitOrder"
# What cancel_all / batch cancel may touch: only the bot's orders (each by its own id), or, opted in, every
# resting order of the account in the market (Backpack's native DELETE /api/v1/orders).
CANCEL_ALL_SCOPE_BOT = "bot_orders"
CANCEL_ALL_SCOPE_MARKET = "all_orders_in_market"
CANCEL_ALL_SCOPES = (CANCEL_ALL_SCOPE_BOT, CANCEL_ALL_SCOPE_MARKET)
CLIENT_ID_MAX = 2 ** 32 - 1  # clientId is a uint32
HISTORY_PAGE_LIMIT = 1000
# `sortDirection` of the history endpoints (bpx-api-client `SortDirection`); the default is undocumented.
SORT_ASC = "Asc"
SORT_DESC = "Desc"

ORDER_STATE = {
    "New": OrderState.OPEN,
    "PartiallyFilled": OrderState.PARTIALLY_FILLED,
    "Filled": OrderState.FILLED,
    "Cancelled": OrderState.CANCELED,
    "Expired": OrderState.CANCELED,
    "TriggerPending": OrderState.PENDING_CREATE,
    "Triggered": OrderState.OPEN,
    "TriggerFailed": OrderState.FAILED,
}
# `expiryReason` (REST) / `R` (WS) of a reduce-only order that had nothing to reduce (OpenAPI OrderExpiryReason)
EXPIRY_REDUCE_ONLY_NOT_REDUCED = "ReduceOnlyNotReduced"

# --- Errors (backpack_api.md §4) ---
ERROR_RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
ERROR_INVALID_CLIENT_REQUEST = "INVALID_CLIENT_REQUEST"
ERROR_INVALID_ORDER = "INVALID_ORDER"
ERROR_TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
MESSAGE_REQUEST_EXPIRED = "Request has expired"
MESSAGE_INVALID_SIGNATURE = "Invalid signature"
MESSAGE_POST_ONLY_REJECT = "Order would immediately match and take liquidity"
MESSAGE_NOT_FOUND = "Not Found"
TIMESTAMP_ERROR_FRAGMENTS = ("request has expired", "timestamp")

# --- Rate limits (one pool per account, shared by spot and perp in one process) ---
ONE_MINUTE = 60.0
GLOBAL_LIMIT_ID = "backpack_global"
HISTORICAL_LIMIT_ID = "backpack_historical"
GLOBAL_REQUESTS_PER_MINUTE = 2000
HISTORICAL_REQUESTS_PER_MINUTE = 30
# Historical market-data endpoints (time-range data) have their own, much smaller, budget (FAQ).
HISTORICAL_PATHS = (KLINES_PATH_URL, TRADES_HISTORY_PATH_URL)
STANDARD_PATHS = (
    SERVER_TIME_PATH_URL, PING_PATH_URL, MARKETS_PATH_URL, TICKER_PATH_URL, TICKERS_PATH_URL, DEPTH_PATH_URL,
    TRADES_PATH_URL, MARK_PRICES_PATH_URL, FUNDING_RATES_PATH_URL, OPEN_INTEREST_PATH_URL, ORDER_PATH_URL,
    ORDERS_PATH_URL, CAPITAL_PATH_URL, COLLATERAL_PATH_URL, ACCOUNT_PATH_URL, POSITION_PATH_URL,
    BORROW_LEND_POSITIONS_PATH_URL, ORDER_HISTORY_PATH_URL, FILL_HISTORY_PATH_URL, FUNDING_HISTORY_PATH_URL,
)
# After a 429 every request of the pool waits; the pause doubles per consecutive 429 up to the cap.
RATE_LIMIT_BACKOFF_INITIAL_S = 1.0
RATE_LIMIT_BACKOFF_MAX_S = 30.0


def _build_rate_limits():
    global_pool = [LinkedLimitWeightPair(GLOBAL_LIMIT_ID)]
    historical_pool = global_pool + [LinkedLimitWeightPair(HISTORICAL_LIMIT_ID)]
    limits = [
        RateLimit(limit_id=GLOBAL_LIMIT_ID, limit=GLOBAL_REQUESTS_PER_MINUTE, time_interval=ONE_MINUTE),
        RateLimit(limit_id=HISTORICAL_LIMIT_ID, limit=HISTORICAL_REQUESTS_PER_MINUTE, time_interval=ONE_MINUTE),
    ]
    limits += [RateLimit(limit_id=path, limit=GLOBAL_REQUESTS_PER_MINUTE, time_interval=ONE_MINUTE,
                         linked_limits=global_pool) for path in STANDARD_PATHS]
    limits += [RateLimit(limit_id=path, limit=HISTORICAL_REQUESTS_PER_MINUTE, time_interval=ONE_MINUTE,
                         linked_limits=historical_pool) for path in HISTORICAL_PATHS]
    return limits


RATE_LIMITS = _build_rate_limits()
