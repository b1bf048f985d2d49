"""Funding payments of every market from ONE walk of `GET /wapi/v1/history/funding` without `symbol`.

Backpack documents the parameter as "Market symbol to query. If not set, all markets are returned" (OpenAPI
spec, `/wapi/v1/history/funding`), with `limit` (max 1000), `offset` and `sortDirection`, and no time filter.
A poll of 100 pairs then costs one request (one page walk), not 100; the rows are grouped by symbol here and
each pair's are handed to Hummingbot's per-pair bookkeeping by the connector.

The walk reads newest first and stops once it has read every row newer than `until` (a page reached a row at
or before it) and a row of each symbol of `find` (the pairs whose last payment is not known yet), or at the
end of the history (a short page). It is bounded by `max_pages`, and stops at a page with nothing new (a
server ignoring `offset`); both leave `complete` False.
"""
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Collection, Dict, List, Optional, Tuple

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_messages import FundingPayment
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS

PageGetter = Callable[[Dict[str, Any]], Awaitable[Any]]


@dataclass
class FundingHistory:
    by_symbol: Dict[str, List[FundingPayment]] = field(default_factory=dict)  # each oldest first
    newest: Optional[float] = None  # the newest interval end among all rows read, any market
    complete: bool = True  # False: cut short, older rows than those read may matter

    def of(self, symbol: str) -> List[FundingPayment]:
        return self.by_symbol.get(symbol, [])


async def read_funding_history(get_page: PageGetter, find: Collection[str], until: Optional[float],
                               max_pages: int, limit: int = CONSTANTS.HISTORY_PAGE_LIMIT) -> FundingHistory:
    """The account's funding payments of all markets, newest first on the wire (see the module docstring)."""
    payments: Dict[Tuple[str, float], FundingPayment] = {}  # one payment per market and interval
    oldest: Optional[float] = None
    history = FundingHistory(complete=False)
    for page in range(max_pages):
        rows = await get_page({"limit": limit, "offset": page * limit, "sortDirection": CONSTANTS.SORT_DESC})
        rows = rows if isinstance(rows, list) else []
        known = len(payments)
        for payment in (FundingPayment.from_history(row) for row in rows if isinstance(row, dict)):
            oldest = payment.timestamp if oldest is None else min(oldest, payment.timestamp)
            if payment.symbol:  # a row without a market cannot be given to a pair
                payments.setdefault((payment.symbol, payment.timestamp), payment)
        if len(rows) < limit:
            history.complete = True
            break
        if len(payments) == known:  # a full page with nothing new: the server ignores `offset`
            break
        reached = until is None or (oldest is not None and oldest <= until)
        if reached and set(find) <= {symbol for symbol, _ in payments}:
            history.complete = True
            break
    for payment in sorted(payments.values(), key=lambda p: p.timestamp):
        history.by_symbol.setdefault(payment.symbol, []).append(payment)
    history.newest = max((p.timestamp for p in payments.values()), default=None)
    return history
