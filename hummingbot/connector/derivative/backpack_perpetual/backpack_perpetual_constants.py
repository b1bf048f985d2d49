"""Constants of the perpetual connector `backpack_perpetual` that spot does not need.

Everything shared (URLs, paths, signing instructions, order statuses, rate limits...) lives in
`hummingbot.connector.exchange.backpack.backpack_constants`; import it from there.
"""
EXCHANGE_NAME = "backpack_perpetual"
MARKET_TYPE = "PERP"
PERP_SYMBOL_SUFFIX = "_PERP"
# Backpack perpetuals are USDC-margined and USDC-settled (backpack_api.md §7).
COLLATERAL_TOKEN = "USDC"

MARK_PRICE_STREAM_PREFIX = "markPrice."
MARK_PRICE_EVENT_TYPE = "markPrice"
FUNDING_INFO_QUEUE_KEY = "funding_info"

POSITION_CLOSED_EVENT = "positionClosed"

FUNDING_INFO_RETRY_S = 5.0
# Funding is paid hourly; the history is polled a little more often than that.
FUNDING_FEE_POLL_INTERVAL_S = 120
# One walk of all markets' funding history per poll: at most this many pages of 1000 rows (100 positions paid
# hourly fill 20 pages in 200 hours), and re-reading this much before the newest row of the previous walk.
FUNDING_HISTORY_MAX_PAGES = 20
FUNDING_HISTORY_OVERLAP_S = 3600.0
# Leverage is account-wide and can be changed outside this bot (web UI, another bot): re-read it.
LEVERAGE_REFRESH_INTERVAL_S = 60.0
