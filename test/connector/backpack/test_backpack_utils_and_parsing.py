import unittest
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_errors as errors, backpack_utils as utils
from hummingbot.connector.exchange.backpack.backpack_order_placement import decimal_text
from hummingbot.connector.exchange.backpack.backpack_messages import (
    Fill,
    is_market_tradable,
    OrderStatus,
    order_state_for,
    seconds_from_any,
    seconds_from_iso,
    seconds_from_us,
)
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from test.connector.backpack.helpers import market


class UtilsTests(unittest.TestCase):

    def test_registry_settings(self):
        self.assertEqual("SOL-USDC", utils.EXAMPLE_PAIR)
        self.assertTrue(utils.CENTRALIZED)
        self.assertEqual(Decimal("0.0008"), utils.DEFAULT_FEES.maker_percent_fee_decimal)
        self.assertEqual(Decimal("0.001"), utils.DEFAULT_FEES.taker_percent_fee_decimal)
        fields = type(utils.KEYS).model_fields
        for key in ("backpack_api_key", "backpack_api_secret"):
            extra = fields[key].json_schema_extra
            self.assertTrue(extra["is_secure"] and extra["is_connect_key"] and extra["prompt_on_new"], key)
        self.assertEqual("RejectTaker", fields["backpack_self_trade_prevention"].default)
        self.assertEqual("backpack", utils.KEYS.connector)

    def test_market_filter_accepts_only_visible_spot_whatever_its_state(self):
        self.assertTrue(utils.is_exchange_information_valid(market("SOL_USDC", "SOL", "USDC")))
        self.assertFalse(utils.is_exchange_information_valid(market("SOL_USDC_PERP", "SOL", "USDC", "PERP")))
        self.assertFalse(utils.is_exchange_information_valid(market("X_USDC", "X", "USDC", visible=False)))
        closed = {**market("Y_USDC", "Y", "USDC"), "orderBookState": "Closed"}
        self.assertTrue(utils.is_exchange_information_valid(closed))  # stays known; its state limits the orders
        self.assertFalse(utils.is_exchange_information_valid({**market("Z_USDC", "Z", "USDC"), "marketType": "RFQ"}))
        self.assertTrue(is_market_tradable(market("SOL_USDC_PERP", "SOL", "USDC", "PERP"), "PERP"))


class ErrorTests(unittest.TestCase):

    @staticmethod
    def hb_error(status: int, body: str) -> IOError:
        return IOError(f"Error executing request GET https://x/api/v1/order. HTTP status is {status}. Error: {body}")

    def test_parse_json_and_text_bodies(self):
        error = errors.parse_error(self.hb_error(400, '{"code":"INVALID_ORDER","message":"Invalid order"}'))
        self.assertEqual((400, "INVALID_ORDER", "Invalid order"), (error.status, error.code, error.message))
        text = errors.parse_error(self.hb_error(400, 'Bad Request parse request payload error: "MarketSymbol"'))
        self.assertEqual(("", 'Bad Request parse request payload error: "MarketSymbol"'), (text.code, text.message))

    def test_classification(self):
        not_found = self.hb_error(404, '{"code":"RESOURCE_NOT_FOUND","message":"Not Found"}')
        post_only = self.hb_error(
            400, '{"code":"INVALID_ORDER","message":"Order would immediately match and take liquidity"}')
        expired = self.hb_error(400, '{"code":"INVALID_CLIENT_REQUEST","message":"Request has expired"}')
        skew = self.hb_error(
            400, '{"code":"INVALID_CLIENT_REQUEST","message":"Invalid timestamp: must be within 10 minutes"}')
        limited = self.hb_error(429, '{"code":"TOO_MANY_REQUESTS","message":"Too many requests"}')
        self.assertEqual([True, False, False, False, False], [errors.is_not_found(e) for e in
                                                              (not_found, post_only, expired, skew, limited)])
        self.assertTrue(errors.is_post_only_reject(post_only))
        self.assertEqual([False, False, True, True, False], [errors.is_expired_request(e) for e in
                                                              (not_found, post_only, expired, skew, limited)])
        self.assertTrue(errors.is_rate_limited(limited))
        self.assertFalse(errors.is_expired_request(ValueError("timestamp in local code")))


class MessageTests(unittest.TestCase):

    def test_decimal_text_sent_to_the_exchange(self):
        self.assertEqual(["1.23", "100", "0.00001", "95000.1"],
                         [decimal_text(Decimal(v)) for v in ("1.230", "100", "0.000010", "95000.10")])

    def test_timestamp_units(self):
        self.assertAlmostEqual(1753102447.307501, seconds_from_us(1753102447307501), places=6)
        self.assertAlmostEqual(1753102447.307501, seconds_from_us("1753102447307501"), places=6)  # CCXT-style str
        self.assertEqual(1757621440.699, seconds_from_any(1757621440699))  # REST createdAt ms
        self.assertEqual(1755105961.197, seconds_from_iso("2025-08-13T17:26:01.197"))  # naive UTC
        self.assertEqual(1755105961.197, seconds_from_iso("2025-08-13T17:26:01.197Z"))
        self.assertEqual(1757604780.0, seconds_from_any("2025-09-11 15:33:00"))

    def test_status_map(self):
        expected = {"New": OrderState.OPEN, "PartiallyFilled": OrderState.PARTIALLY_FILLED,
                    "Filled": OrderState.FILLED, "Cancelled": OrderState.CANCELED, "Expired": OrderState.CANCELED,
                    "TriggerPending": OrderState.PENDING_CREATE, "TriggerFailed": OrderState.FAILED}
        self.assertEqual(expected, {status: order_state_for(status) for status in expected})
        with self.assertRaises(ValueError):
            order_state_for("Weird")

    def test_ws_fill_frame(self):
        frame = {"e": "orderFill", "E": 1748288615134547, "T": 1748288615133255, "s": "ETH_USDC", "c": 77,
                 "S": "Bid", "X": "Filled", "i": "114575842681290753", "q": "0.0010", "l": "0.0010", "L": "4299.16",
                 "z": "0.0010", "m": False, "n": "0.000001", "N": "ETH", "t": 2888471}
        fill = Fill.from_ws(frame)
        self.assertEqual(("2888471", "114575842681290753", "77"), (fill.trade_id, fill.exchange_order_id,
                                                                   fill.client_order_id))
        self.assertEqual((Decimal("4299.16"), Decimal("0.0010"), Decimal("0.000001"), "ETH"),
                         (fill.price, fill.amount, fill.fee_amount, fill.fee_asset))
        self.assertEqual(TradeType.BUY, fill.trade_type)
        self.assertAlmostEqual(1748288615.133255, fill.timestamp, places=6)
        status = OrderStatus.from_ws(frame)
        self.assertEqual((OrderState.FILLED, Decimal("0.0010")), (status.state, status.executed_quantity))

    def test_history_fill_row_and_order(self):
        row = {"clientId": "12", "fee": "0.0047325", "feeSymbol": "USDC", "isMaker": True, "orderId": "9",
               "price": "4.7325", "quantity": "1", "side": "Ask", "symbol": "ETH_USDC",
               "timestamp": "2025-08-13T17:26:01.197", "tradeId": 3}
        fill = Fill.from_history(row)
        self.assertEqual(("3", "9", "12", TradeType.SELL, True), (fill.trade_id, fill.exchange_order_id,
                                                                  fill.client_order_id, fill.trade_type, fill.is_maker))
        self.assertEqual(1755105961.197, fill.timestamp)
        order = OrderStatus.from_rest({"id": "8284661092", "clientId": None, "status": "New", "symbol": "ETH_USDC",
                                       "executedQuantity": "0", "createdAt": 1757621440699})
        self.assertEqual(("8284661092", None, OrderState.OPEN, 1757621440.699),
                         (order.exchange_order_id, order.client_order_id, order.state, order.timestamp))
