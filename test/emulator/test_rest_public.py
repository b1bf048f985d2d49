"""Public REST endpoints: paths, shapes, decimal strings, enum spellings and timestamp units."""
import re
import time
from datetime import datetime, timezone
from decimal import Decimal

from test.emulator.support import EmulatorTestCase

DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


class PublicRestTest(EmulatorTestCase):
    market_data = True

    async def test_status_ping_time(self):
        self.assertEqual({"status": "Ok", "message": None}, await self.alice.ok("GET", "/api/v1/status"))
        status, body, headers = await self.alice.call("GET", "/api/v1/ping")
        self.assertEqual((200, "pong"), (status, body))
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        status, body, headers = await self.alice.call("GET", "/api/v1/time")
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertIsInstance(body, int)
        self.assertLess(abs(body - time.time() * 1000), 2000)

    async def test_processing_header_on_every_response(self):
        for path in ("/api/v1/ping", "/api/v1/markets", "/api/v1/nope"):
            _, _, headers = await self.alice.call("GET", path)
            self.assertGreaterEqual(int(headers["X-Emulator-Processing-Us"]), 0)
        _, _, headers = await self.alice.call("GET", "/api/v1/capital", signed=False)
        self.assertIn("X-Emulator-Processing-Us", headers)

    async def test_unknown_path_is_json_404(self):
        status, body, _ = await self.alice.call("GET", "/api/v1/nope")
        self.assertEqual((404, "RESOURCE_NOT_FOUND"), (status, body["code"]))

    async def test_markets(self):
        markets = {m["symbol"]: m for m in await self.alice.ok("GET", "/api/v1/markets")}
        self.assertEqual({"SOL_USDC", "BTC_USDC", "SOL_USDC_PERP", "BTC_USDC_PERP"}, set(markets))
        sol = markets["SOL_USDC"]
        self.assertEqual(("SOL", "USDC", "SPOT", True, "Open"),
                         (sol["baseSymbol"], sol["quoteSymbol"], sol["marketType"], sol["visible"], sol["orderBookState"]))
        self.assertEqual(("0.01", "0.01", "0.01"), (sol["filters"]["price"]["tickSize"],
                                                  sol["filters"]["quantity"]["stepSize"],
                                                  sol["filters"]["quantity"]["minQuantity"]))
        btc = markets["BTC_USDC_PERP"]
        self.assertEqual(("0.1", "0.00001", "0.00001"), (btc["filters"]["price"]["tickSize"],
                                                       btc["filters"]["quantity"]["stepSize"],
                                                       btc["filters"]["quantity"]["minQuantity"]))
        self.assertEqual("PERP", btc["marketType"])
        self.assertEqual("sqrt", btc["imfFunction"]["type"])
        self.assertIsInstance(btc["fundingInterval"], int)
        perps = await self.alice.ok("GET", "/api/v1/markets", {"marketType": "PERP"})
        self.assertEqual({"SOL_USDC_PERP", "BTC_USDC_PERP"}, {m["symbol"] for m in perps})
        one = await self.alice.ok("GET", "/api/v1/market", {"symbol": "SOL_USDC"})
        self.assertEqual(sol, one)

    async def test_depth_shape_and_order(self):
        depth = await self.alice.ok("GET", "/api/v1/depth", {"symbol": "SOL_USDC", "limit": 5})
        self.assertIsInstance(depth["lastUpdateId"], str)
        self.assertGreater(int(depth["lastUpdateId"]), 0)
        self.assertGreater(depth["timestamp"], 10**15)  # microseconds
        for side in ("bids", "asks"):
            prices = [Decimal(p) for p, _ in depth[side]]
            self.assertEqual(sorted(prices), prices, f"{side} must be ascending")
            self.assertLessEqual(len(prices), 5)
            for p, q in depth[side]:
                self.assertRegex(p, DECIMAL)
                self.assertRegex(q, DECIMAL)
        self.assertLess(Decimal(depth["bids"][-1][0]), Decimal(depth["asks"][0][0]))
        status, body, _ = await self.alice.call("GET", "/api/v1/depth", {"symbol": "SOL_USDC", "limit": 7})
        self.assertEqual(400, status)
        self.assertIn("failed to parse parameter `limit`", body)  # DepthLimit is an enum of 5..1000
        status, body, _ = await self.alice.call("GET", "/api/v1/depth", {"symbol": "DOGE_USDC"})
        self.assertEqual((400, "INVALID_MARKET"), (status, body["code"]))

    async def test_ticker_trades_klines(self):
        await self.alice.order(symbol="SOL_USDC", side="Bid", orderType="Market", quantity="1")
        ticker = await self.alice.ok("GET", "/api/v1/ticker", {"symbol": "SOL_USDC"})
        self.assertEqual({"symbol", "firstPrice", "lastPrice", "priceChange", "priceChangePercent", "high", "low",
                          "volume", "quoteVolume", "trades"}, set(ticker))
        self.assertTrue(all(isinstance(v, str) for v in ticker.values()))
        self.assertGreaterEqual(int(ticker["trades"]), 1)
        tickers = await self.alice.ok("GET", "/api/v1/tickers")
        self.assertEqual(4, len(tickers))
        trades = await self.alice.ok("GET", "/api/v1/trades", {"symbol": "SOL_USDC", "limit": 3})
        self.assertTrue(1 <= len(trades) <= 3)
        trade = trades[0]  # the newest: live lists trades newest first
        self.assertEqual({"id", "price", "quantity", "quoteQuantity", "timestamp", "isBuyerMaker"}, set(trade))
        self.assertIsInstance(trade["id"], int)
        self.assertLess(abs(trade["timestamp"] - time.time() * 1000), 5000)  # milliseconds
        self.assertEqual(Decimal(trade["price"]) * Decimal(trade["quantity"]), Decimal(trade["quoteQuantity"]))
        ids = [t["id"] for t in trades]
        self.assertEqual(sorted(ids, reverse=True), ids)
        klines = await self.alice.ok("GET", "/api/v1/klines", {"symbol": "SOL_USDC", "interval": "1m",
                                                               "startTime": int(time.time()) - 120})
        self.assertGreaterEqual(len(klines), 1)
        k = klines[-1]
        self.assertEqual({"start", "end", "open", "high", "low", "close", "volume", "quoteVolume", "trades"}, set(k))
        self.assertRegex(k["start"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:00$")
        self.assertLessEqual(Decimal(k["low"]), Decimal(k["high"]))
        status, body, _ = await self.alice.call("GET", "/api/v1/klines", {"symbol": "SOL_USDC", "interval": "1m"})
        self.assertEqual(400, status)

    async def test_perp_market_data(self):
        marks = await self.alice.ok("GET", "/api/v1/markPrices")
        self.assertEqual({"SOL_USDC_PERP", "BTC_USDC_PERP"}, {m["symbol"] for m in marks})
        mark = [m for m in marks if m["symbol"] == "SOL_USDC_PERP"][0]
        self.assertEqual({"fundingRate", "indexPrice", "markPrice", "nextFundingTimestamp", "symbol"}, set(mark))
        self.assertTrue(170 < Decimal(mark["markPrice"]) < 190)
        self.assertGreater(mark["nextFundingTimestamp"], time.time() * 1000)  # ms
        self.assertLess(mark["nextFundingTimestamp"], time.time() * 1000 + 3_600_001)
        one = await self.alice.ok("GET", "/api/v1/markPrices", {"symbol": "BTC_USDC_PERP"})
        self.assertEqual(1, len(one))
        self.assertTrue(90000 < Decimal(one[0]["markPrice"]) < 100000)
        self.assertEqual([], await self.alice.ok("GET", "/api/v1/fundingRates", {"symbol": "SOL_USDC_PERP"}))
        oi = await self.alice.ok("GET", "/api/v1/openInterest", {"symbol": "SOL_USDC_PERP"})
        self.assertEqual("SOL_USDC_PERP", oi[0]["symbol"])
        self.assertIsInstance(oi[0]["openInterest"], str)
        self.assertIsInstance(oi[0]["timestamp"], int)


class KlineGapsTest(EmulatorTestCase):
    """Without market data: no generated history and no generated trades, only the ones placed here."""

    async def test_klines_list_buckets_without_trades_with_null_prices(self):
        now = int(time.time())
        minute = now - now % 60
        for seconds, price in ((minute - 600, "150"), (minute - 420, "151")):
            self.server.exchange.klines.add_trade("BTC_USDC", Decimal(price), Decimal("1"), seconds * 1000 + 1)
        klines = await self.alice.ok("GET", "/api/v1/klines", {"symbol": "BTC_USDC", "interval": "1m",
                                                               "startTime": minute - 900, "endTime": minute - 400})
        self.assertEqual([minute - 600 + 60 * i for i in range(4)],
                         [int(datetime.strptime(k["start"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
                              .timestamp()) for k in klines])
        empty = klines[1]
        self.assertEqual({"open": None, "high": None, "low": None, "close": None, "volume": "0",
                          "quoteVolume": "0", "trades": "0"}, {k: v for k, v in empty.items() if k not in ("start", "end")})
        self.assertEqual(["150", None, None, "151"], [k["close"] for k in klines])
