"""The connector reads the forms captured from the live exchange (issue 23; backpack_emulator/API_COVERAGE.md
"Live forms"): the live error answers, newest-first public trades, and decimals padded to each field's scale.
The frames and bodies below are the captured ones (ccxt's static tests and code comments, an issue log)."""
import asyncio
import json
from decimal import Decimal
from unittest.mock import AsyncMock

from bidict import bidict

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_messages import PositionRecord
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_errors as errors
from hummingbot.connector.exchange.backpack.backpack_sequenced_book import SequencedBook
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.event.events import MarketEvent
from hummingbot.data_feed.candles_feed.backpack_spot_candles.kline_parsing import ws_kline_to_candle
from test.connector.backpack.helpers import url_regex
from test.connector.backpack.order_test_case import BackpackOrderTestCase

EXPIRED_401 = "Request has expired"  # HTTP 401, text/plain (issue log: "Response code 401 (Unauthorized) ...")
UNKNOWN_MARKET_400 = ('Bad Request parse request payload error: failed to parse "MarketSymbol": Invalid market '
                      'symbol (occurred while parsing "OrderExecutePayload")')  # ccxt's comment, word for word
BAD_INTERVAL_400 = ('failed to parse parameter `interval`: failed to parse "KlineInterval": '
                    'Expect a valid enumeration value.')

# ccxt.pro's captured market buy of 0.001 ETH (orderAccepted, then orderFill), `E`/`T` as strings as captured.
ACCEPTED = {"E": "1754939110175843", "O": "USER", "Q": "4.30", "S": "Bid", "T": "1754939110174703",
            "V": "RejectTaker", "X": "New", "Z": "0", "e": "orderAccepted", "f": "GTC", "i": "5406825793",
            "o": "MARKET", "q": "0.0010", "r": False, "s": "ETH_USDC", "t": None, "z": "0"}
FILLED = {"E": "1754939110175879", "L": "4299.16", "N": "ETH", "O": "USER", "Q": "4.30", "S": "Bid",
          "T": "1754939110174705", "V": "RejectTaker", "X": "Filled", "Z": "4.299160", "e": "orderFill", "f": "GTC",
          "i": "5406825793", "l": "0.0010", "m": False, "n": "0.000001", "o": "MARKET", "q": "0.0010", "r": False,
          "s": "ETH_USDC", "t": 2888471, "z": "0.0010"}


def hb_error(status: int, body: str) -> IOError:
    return IOError(f"Error executing request POST https://api.backpack.exchange/api/v1/order. "
                   f"HTTP status is {status}. Error: {body}")


class LiveErrorFormsTests(BackpackOrderTestCase):

    def test_live_error_forms_are_classified(self):
        expired, unknown_market, interval = (hb_error(401, EXPIRED_401), hb_error(400, UNKNOWN_MARKET_400),
                                             hb_error(400, BAD_INTERVAL_400))
        self.assertEqual([True, False, False],
                         [errors.is_expired_request(e) for e in (expired, unknown_market, interval)])
        for error in (expired, unknown_market, interval):  # a definite answer: never "may exist", "not found", 429
            self.assertEqual((False, False, False), (errors.is_outcome_unknown(error), errors.is_not_found(error),
                                                     errors.is_rate_limited(error)))
        self.assertEqual((401, "", EXPIRED_401), tuple(vars(errors.parse_error(expired)).values()))

    async def create_answered_expired(self, times: int):
        """An order create whose first `times` answers are live's expiry; then the exchange accepts it."""
        for _ in range(times):
            self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=401, body=EXPIRED_401,
                               content_type="text/plain")
        self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body="1640780000000")
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response())
        await self.create()
        return len(self.sent("POST", CONSTANTS.ORDER_PATH_URL)), len(self.sent("GET", CONSTANTS.SERVER_TIME_PATH_URL))

    async def test_plain_text_401_expired_create_resyncs_the_clock_and_retries_once(self):
        self.assertEqual((2, 1), await self.create_answered_expired(1))  # (creates sent, clock syncs)
        self.assertEqual(OrderState.OPEN, self.exchange.in_flight_orders["700"].current_state)

    async def test_plain_text_401_expired_twice_fails_the_order_saying_expired_not_bad_keys(self):
        self.assertEqual((2, 1), await self.create_answered_expired(2))
        self.assertNotIn("700", self.exchange.in_flight_orders)
        self.assertEqual({}, self.exchange.orders_with_unknown_outcome)
        [message] = self.failure_messages()
        self.assertIn("Request has expired", message)
        self.assertNotIn("API key", message)

    async def test_plain_text_401_expired_signed_get_resyncs_and_retries(self):
        self.mock_api.get(url_regex(self.url(CONSTANTS.CAPITAL_PATH_URL)), status=401, body=EXPIRED_401,
                          content_type="text/plain")
        self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body="1640780000000")
        self.mock_api.get(url_regex(self.url(CONSTANTS.CAPITAL_PATH_URL)),
                          body=json.dumps({"USDC": {"available": "10", "locked": "0", "staked": "0"}}))
        balances = await self.exchange._api_get(path_url=CONSTANTS.CAPITAL_PATH_URL, is_auth_required=True)
        self.assertEqual("10", balances["USDC"]["available"])
        self.assertEqual(1, len(self.sent("GET", CONSTANTS.SERVER_TIME_PATH_URL)))

    async def test_plain_text_unknown_market_fails_the_order_at_once(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=UNKNOWN_MARKET_400,
                           content_type="text/plain")
        await self.create()
        self.assertEqual(1, len(self.sent("POST", CONSTANTS.ORDER_PATH_URL)))  # no retry, no lookup by clientId
        self.assertEqual([], self.sent("GET", CONSTANTS.ORDER_PATH_URL))
        self.assertNotIn("700", self.exchange.in_flight_orders)
        [message] = self.failure_messages()
        self.assertIn("Invalid market symbol", message)

    async def test_last_price_is_the_newest_of_a_newest_first_trades_answer(self):
        self.mock_api.get(url_regex(self.url(CONSTANTS.TICKER_PATH_URL)), status=204)
        trades = [{"id": 7558558, "isBuyerMaker": True, "price": "1626.15", "quantity": "0.0333",
                   "quoteQuantity": "54.150795", "timestamp": 1781067801978},
                  {"id": 7558557, "isBuyerMaker": True, "price": "1626.24", "quantity": "0.1311",
                   "quoteQuantity": "213.200064", "timestamp": 1781067801927}]  # ccxt's recorded answer
        self.mock_api.get(url_regex(self.url(CONSTANTS.TRADES_PATH_URL)), body=json.dumps(trades))
        self.assertEqual(1626.15, await self.exchange._get_last_traded_price("SOL-USDC"))


class LivePaddedDecimalsTests(BackpackOrderTestCase):

    async def test_captured_market_buy_frames_fill_the_order_once(self):
        self.exchange._set_trading_pair_symbol_map(bidict({"SOL_USDC": "SOL-USDC", "ETH_USDC": "ETH-USDC"}))
        self.exchange._trading_rules["ETH-USDC"] = TradingRule("ETH-USDC", min_order_size=Decimal("0.0001"),
                                                               min_price_increment=Decimal("0.01"),
                                                               min_base_amount_increment=Decimal("0.0001"))
        order = self.track(client_order_id="501", exchange_order_id="5406825793", amount="0.001", price="4300",
                           trading_pair="ETH-USDC")
        queue = AsyncMock()
        queue.get.side_effect = [{"stream": "account.orderUpdate.ETH_USDC", "data": frame}
                                 for frame in (ACCEPTED, FILLED)] + [asyncio.CancelledError]
        self.exchange._user_stream_tracker._user_stream = queue
        try:
            await self.exchange._user_stream_event_listener()
        except asyncio.CancelledError:
            pass
        await asyncio.sleep(0.05)
        [fill] = self.events[MarketEvent.OrderFilled].event_log
        self.assertEqual((Decimal("4299.16"), Decimal("0.001")), (fill.price, fill.amount))
        self.assertEqual([("ETH", Decimal("0.000001"))], [(f.token, f.amount) for f in fill.trade_fee.flat_fees])
        self.assertEqual(OrderState.FILLED, order.current_state)
        self.assertEqual(Decimal("0.001"), order.executed_amount_base)

    def test_captured_depth_snapshot_and_zero_quantity_removal(self):
        book = SequencedBook("BTC-USDC", OrderBook())
        book.apply_snapshot({"asks": [["118318.3", "0.00633"], ["118567.2", "0.08450"]],
                             "bids": [["1.0", "0.38647"], ["12.9", "1.00000"]],
                             "lastUpdateId": "1504999670", "timestamp": 1753102447307501})
        self.assertTrue(book.apply_diff({"E": "1759338824897386", "T": "1759338824895616", "U": 1504999671,
                                         "a": [], "b": [["12.9", "0.00000"]], "e": "depth", "s": "BTC_USDC",
                                         "u": 1504999671}))
        self.assertEqual([(1.0, 0.38647)], [(row.price, row.amount) for row in book.book.bid_entries()])
        self.assertEqual((118318.3, 1.0), (book.book.get_price(True), book.book.get_price(False)))  # best ask, bid

    def test_captured_position_update_quantities(self):
        record = PositionRecord.from_ws({
            "B": "4236.36", "E": "1754943862040486", "M": "4235.88650933", "P": "-0.000473", "Q": "0.0010",
            "T": "1754943862040487", "b": "4238.479", "e": "positionOpened", "f": "0.02", "i": 5411399049,
            "l": "0", "m": "0.0125", "n": "4.23588650933", "p": "0", "q": "0.0010", "s": "ETH_USDC_PERP"})
        self.assertEqual((Decimal("0.001"), Decimal("4236.36")), (record.amount, record.entry_price))

    def test_captured_kline_frame_with_nine_decimal_prices(self):
        candle = ws_kline_to_candle({"stream": "kline.2h.ETH_USDC", "data": {
            "E": "1754519557526056", "T": "2025-08-07T00:00:00", "X": False, "c": "3680.520000000", "e": "kline",
            "h": "3681.370000000", "l": "3667.650000000", "n": 255, "o": "3670.150000000", "s": "ETH_USDC",
            "t": "2025-08-06T22:00:00", "v": "62.2621000"}})
        self.assertEqual((3670.15, 3681.37, 3667.65, 3680.52, 62.2621),
                         (candle["open"], candle["high"], candle["low"], candle["close"], candle["volume"]))
