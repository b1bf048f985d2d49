"""Shared fixtures for the spot connector tests: a fixed key pair, URL regexes, exchange payloads and
`wait_for` (the e2e tests' bounded wait for a condition)."""
import re
from decimal import Decimal
from typing import Any, Dict, Optional

from aioresponses import aioresponses

from hummingbot.core.web_assistant.connections.connections_factory import ConnectionsFactory
from test.waiting import wait_for  # noqa: F401 (re-exported for the e2e tests)

# RFC 8032 TEST 1 key (backpack_api.md §2.9, key A)
API_KEY = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
API_SECRET = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="


def url_regex(url: str) -> re.Pattern:
    """Matches the URL with any query string."""
    return re.compile("^" + re.escape(url) + r"(\?.*)?$")


def market(symbol: str, base: str, quote: str, market_type: str = "SPOT", visible: bool = True,
           tick: str = "0.01", step: str = "0.01", min_qty: str = "0.01") -> Dict[str, Any]:
    return {
        "symbol": symbol, "baseSymbol": base, "quoteSymbol": quote, "marketType": market_type,
        "filters": {"price": {"minPrice": tick, "tickSize": tick, "maxPrice": "1000000"},
                    "quantity": {"minQuantity": min_qty, "stepSize": step, "maxQuantity": None}},
        "orderBookState": "Open", "visible": visible, "createdAt": "2025-01-21T06:34:54.691858",
        "fundingInterval": None, "openInterestLimit": "0",
    }


def rest_order(order_id: str, client_id: Optional[int], symbol: str, status: str, quantity: Decimal,
               price: Decimal, executed: Decimal = Decimal("0"), side: str = "Bid",
               created_at: Any = 1640780000000) -> Dict[str, Any]:
    return {
        "id": order_id, "clientId": client_id, "symbol": symbol, "side": side, "orderType": "Limit",
        "createdAt": created_at, "quantity": str(quantity), "price": str(price), "postOnly": False,
        "executedQuantity": str(executed), "executedQuoteQuantity": str(executed * price),
        "timeInForce": "GTC", "selfTradePrevention": "RejectTaker", "status": status, "reduceOnly": None,
        "triggerPrice": None, "triggerQuantity": None, "triggerBy": None, "triggeredAt": None,
        "relatedOrderId": None, "strategyId": None,
    }


def fill_row(trade_id: int, order_id: str, client_id: Optional[int], symbol: str, price: Decimal,
             quantity: Decimal, fee: Decimal, fee_symbol: str, side: str = "Bid") -> Dict[str, Any]:
    return {
        "clientId": None if client_id is None else str(client_id), "fee": str(fee), "feeSymbol": fee_symbol,
        "isMaker": False, "orderId": order_id, "price": str(price), "quantity": str(quantity), "side": side,
        "symbol": symbol, "systemOrderType": None, "timestamp": "2021-12-29T12:13:20.123", "tradeId": trade_id,
    }


def order_update_frame(event: str, status: str, order_id: str, client_id: Optional[int], symbol: str,
                       quantity: Decimal, price: Decimal, executed: Decimal = Decimal("0"),
                       **fill_fields) -> Dict[str, Any]:
    data = {
        "e": event, "E": 1640780000123456, "s": symbol, "S": "Bid", "o": "LIMIT", "f": "GTC",
        "q": str(quantity), "p": str(price), "X": status, "i": order_id, "z": str(executed),
        "Z": str(executed * price), "V": "RejectTaker", "T": 1640780000120000, "O": "USER",
    }
    if client_id is not None:
        data["c"] = client_id
    data.update(fill_fields)
    return {"stream": "account.orderUpdate", "data": data}


def reset_decorator_mock(test_case) -> None:
    """Clears the request log of the `@aioresponses()` decorating the running test method.

    The decorator instance lives on the (inherited) function and `aioresponses.start()` never clears
    `requests`, so when two suites subclass Hummingbot's harness in one process (spot and perp) a test
    would otherwise see the requests of its namesake in the other suite.
    """
    method = getattr(type(test_case), test_case._testMethodName, None)
    for cell in getattr(method, "__closure__", None) or ():
        try:
            contents = cell.cell_contents
        except ValueError:
            continue
        if isinstance(contents, aioresponses):
            contents.requests.clear()


async def close_shared_http_session() -> None:
    """Hummingbot keeps ONE aiohttp session per process (ConnectionsFactory), bound to the event loop that
    created it; every test has its own loop, so a test that used it closes it before its loop ends."""
    factory = ConnectionsFactory()
    try:
        await factory.close()
    except Exception:  # created on another, already closed loop: just forget it
        factory._shared_client = None


class ClosesSharedHttpSession:
    """Mixin for IsolatedAsyncioTestCase suites that make (mocked or real) HTTP requests."""

    async def asyncTearDown(self) -> None:
        await close_shared_http_session()
        await super().asyncTearDown()
