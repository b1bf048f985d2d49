"""The audit of API_COVERAGE.md, run automatically: every endpoint and stream the emulator serves
answers exactly the official types (official_types.json: field present, name, JSON type, enum
spelling, timestamp unit). A new endpoint or stream without a transcribed type fails the coverage
checks at the end."""
import asyncio
import json
from typing import Any, Dict, List, Set

import aiohttp

from backpack_emulator import request_schema, ws as emulator_ws
from test.emulator.official_types import OFFICIAL, problems
from test.emulator.support import EmulatorTestCase

SPOT, PERP = "SOL_USDC", "SOL_USDC_PERP"


class OfficialTypesAuditTest(EmulatorTestCase):
    market_data = True

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.audited: Set[str] = set()

    def audit(self, endpoint: str, body: Any) -> None:
        self.assertIn(endpoint, OFFICIAL["rest"], f"{endpoint} has no official type transcribed")
        self.assertEqual([], problems(body, OFFICIAL["rest"][endpoint]), endpoint)
        self.audited.add(endpoint)

    async def get(self, path: str, params: Dict[str, Any] = None, signed: bool = False) -> Any:
        status, body, _ = await self.alice.call("GET", path, params, signed=signed)
        self.assertEqual(200, status, (path, body))
        self.audit(f"GET {path}", body)
        return body

    async def call(self, method: str, path: str, params: Any) -> Any:
        status, body, _ = await self.alice.call(method, path, params)
        self.assertEqual(200, status, (method, path, body))
        if OFFICIAL["rest"][f"{method} {path}"] == "empty":
            self.assertIsNone(body)
            self.audited.add(f"{method} {path}")
        else:
            self.audit(f"{method} {path}", body)
        return body

    async def test_every_endpoint_and_stream_answers_the_official_types(self):
        frames = await self.start_streams()
        await self.trade_a_little()
        await self.audit_public()
        await self.audit_private()
        await self.audit_streams(frames)
        served = {f"{m} {p}" for m, p in request_schema.SCHEMAS}
        self.assertEqual(set(), served - set(OFFICIAL["rest"]), "served endpoints with no official type")
        self.assertEqual(set(), served - self.audited, "served endpoints this audit did not check")

    # ----- setup: streams first, so that the trading below shows up on them
    async def start_streams(self) -> Dict[str, List[Dict[str, Any]]]:
        frames: Dict[str, List[Dict[str, Any]]] = {}
        public = [f"depth.{SPOT}", f"bookTicker.{SPOT}", f"trade.{SPOT}", f"kline.1m.{SPOT}", f"ticker.{SPOT}",
                  f"markPrice.{PERP}", f"openInterest.{PERP}", f"depth.200ms.{SPOT}"]
        private = ["account.orderUpdate", "account.positionUpdate", "account.rfqUpdate"]
        self.public_ws = await self.ws(*public)
        self.private_ws = await self.ws(*private)
        self.readers = [asyncio.ensure_future(self.read(ws, frames)) for ws in (self.public_ws, self.private_ws)]
        self.server.periodic._last_open_interest_s = None  # the next tick publishes open interest
        return frames

    @staticmethod
    async def read(ws: aiohttp.ClientWebSocketResponse, frames: Dict[str, List[Dict[str, Any]]]) -> None:
        async for message in ws:
            frame = json.loads(message.data)
            if "stream" in frame:
                frames.setdefault(frame["stream"], []).append(frame["data"])

    async def trade_a_little(self) -> None:
        for symbol, price in ((SPOT, "180"), (PERP, "180")):
            await self.bob.order(symbol=symbol, side="Ask", orderType="Limit", price=price, quantity="5")
        self.market_fill = await self.call("POST", "/api/v1/order", {"symbol": SPOT, "side": "Bid",
                                                                     "orderType": "Market", "quantity": "1"})
        await self.alice.order(symbol=SPOT, side="Bid", orderType="Market", quoteQuantity="10")
        await self.alice.order(symbol=PERP, side="Bid", orderType="Market", quantity="1")
        await self.alice.order(symbol=PERP, side="Bid", orderType="Limit", price="1", quantity="1",
                               timeInForce="IOC")  # expires unfilled: an orderExpired event
        exchange = self.server.exchange
        exchange.next_funding_ms[PERP] = exchange.clock.now_ms() - 1
        exchange.run_funding()  # a funding payment and a funding rate row
        await asyncio.sleep(2.2)  # periodic streams (ticker, kline, markPrice) publish at least once

    async def audit_public(self) -> None:
        status, text, _ = await self.alice.call("GET", "/api/v1/ping", signed=False)
        self.assertEqual((200, "pong"), (status, text))
        self.audited.add("GET /api/v1/ping")
        status, text, _ = await self.alice.call("GET", "/api/v1/time", signed=False)
        self.assertTrue(10**12 < int(text) < 10**13)
        self.audited.add("GET /api/v1/time")
        for path, params in (("/api/v1/status", None), ("/api/v1/markets", None), ("/api/v1/market", {"symbol": PERP}),
                             ("/api/v1/assets", None), ("/api/v1/securities", None), ("/api/v1/collateral", None),
                             ("/api/v1/ticker", {"symbol": SPOT}), ("/api/v1/tickers", {"interval": "1w"}),
                             ("/api/v1/depth", {"symbol": SPOT, "limit": "5"}), ("/api/v1/trades", {"symbol": SPOT}),
                             ("/api/v1/trades/history", {"symbol": SPOT, "limit": "5"}),
                             ("/api/v1/markPrices", None), ("/api/v1/fundingRates", {"symbol": PERP}),
                             ("/api/v1/openInterest", None)):
            body = await self.get(path, params)
            if isinstance(body, list) and path not in ("/api/v1/securities",):
                self.assertTrue(body, f"{path} answered no rows to audit")
        self.assertEqual([], await self.get("/api/v1/securities"))
        for price_type in ("Last", "Mark", "Index"):
            rows = await self.get("/api/v1/klines", {"symbol": PERP, "interval": "1m", "startTime": "0",
                                                     "priceType": price_type})
            self.assertTrue(rows, price_type)

    async def audit_private(self) -> None:
        resting = await self.call("POST", "/api/v1/order", {"symbol": SPOT, "side": "Bid", "orderType": "Limit",
                                                            "price": "100", "quantity": "1", "clientId": 77,
                                                            "postOnly": True})
        results = await self.call("POST", "/api/v1/orders", [
            {"symbol": SPOT, "side": "Bid", "orderType": "Limit", "price": "101", "quantity": "1", "clientId": 78},
            {"symbol": SPOT, "side": "Bid", "orderType": "Limit", "price": "102", "quantity": "1", "clientId": 77}])
        self.assertEqual(["Ok", "Err"], [r["operation"] for r in results])
        await self.get("/api/v1/order", {"symbol": SPOT, "clientId": "77"}, signed=True)
        self.assertEqual(2, len(await self.get("/api/v1/orders", None, signed=True)))
        await self.call("DELETE", "/api/v1/order", {"symbol": SPOT, "orderId": resting["id"]})
        self.assertEqual(1, len(await self.call("DELETE", "/api/v1/orders", {"symbol": SPOT})))
        await self.call("PATCH", "/api/v1/account", {"leverageLimit": "5"})
        await self.call("POST", "/api/v1/borrowLend", {"symbol": "USDC", "side": "Lend", "quantity": "100"})
        for path, params in (("/api/v1/account", None), ("/api/v1/capital", None),
                             ("/api/v1/capital/collateral", None), ("/api/v1/borrowLend/positions", None),
                             ("/api/v1/position", None), ("/wapi/v1/history/orders", None),
                             ("/wapi/v1/history/fills", None), ("/wapi/v1/history/funding", None)):
            body = await self.get(path, params, signed=True)
            self.assertTrue(body, f"{path} answered nothing to audit")

    async def audit_streams(self, frames: Dict[str, List[Dict[str, Any]]]) -> None:
        await asyncio.sleep(0.2)
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        kinds = set(emulator_ws.PUBLIC_KINDS) | set(emulator_ws.PRIVATE_KINDS)
        self.assertEqual(set(), kinds - set(OFFICIAL["streams"]), "served streams with no official type")
        seen = set()
        for stream, events in frames.items():
            kind = stream if stream.startswith("account.") else stream.split(".")[0]
            kind = next(k for k in OFFICIAL["streams"] if kind.startswith(k))
            seen.add(kind)
            for event in events:
                self.assertEqual([], problems(event, OFFICIAL["streams"][kind]), (stream, event))
        # account.rfqUpdate: accepted (with the others, in one request) but the emulator has no RFQs.
        self.assertEqual(kinds - {"account.rfqUpdate"}, seen, "streams that sent nothing to audit")
        order_events = {e["e"] for e in frames["account.orderUpdate"]}
        self.assertLessEqual({"orderAccepted", "orderFill", "orderCancelled", "orderExpired"}, order_events)
        accepted_limit = next(e for e in frames["account.orderUpdate"] if e["e"] == "orderAccepted" and e["o"] == "LIMIT")
        self.assertEqual(str(float(accepted_limit["p"]) * float(accepted_limit["q"])), str(float(accepted_limit["Q"])))
        await self.public_ws.close()
        await self.private_ws.close()
