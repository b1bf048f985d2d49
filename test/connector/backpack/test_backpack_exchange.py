"""Hummingbot's own connector test suite (every inherited test) run against `BackpackExchange`."""
import json
from decimal import Decimal
from typing import Any, Callable, List, Optional, Tuple

from aioresponses import aioresponses
from aioresponses.core import RequestCall

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.exchange.backpack.backpack_utils import DEFAULT_FEES
from hummingbot.connector.test_support.exchange_connector_test import AbstractExchangeConnectorTests
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder
from hummingbot.core.data_type.trade_fee import TokenAmount, TradeFeeBase
from test.connector.backpack.helpers import (
    ClosesSharedHttpSession,
    API_KEY,
    API_SECRET,
    fill_row,
    market,
    order_update_frame,
    reset_decorator_mock,
    rest_order,
    url_regex,
)

NOT_FOUND_BODY = json.dumps({"code": "RESOURCE_NOT_FOUND", "message": "Not Found"})


class BackpackExchangeTests(ClosesSharedHttpSession, AbstractExchangeConnectorTests.ExchangeConnectorTests):

    def setUp(self) -> None:
        super().setUp()
        reset_decorator_mock(self)  # the perp suite subclasses this one: keep each test's request log its own

    def _url(self, path: str) -> str:
        return web_utils.rest_url(path, self.exchange.rest_base_url)

    def _expected_initial_status_dict(self):
        # backpack_market_states: not ready while a pair is Closed / CancelOnly (no state known yet: open)
        return {**super()._expected_initial_status_dict(), "trading_pairs_open": True}

    @property
    def all_symbols_url(self):
        return url_regex(self._url(CONSTANTS.MARKETS_PATH_URL))

    @property
    def latest_prices_url(self):
        return url_regex(self._url(CONSTANTS.TICKER_PATH_URL))

    @property
    def network_status_url(self):
        return self._url(CONSTANTS.SERVER_TIME_PATH_URL)

    @property
    def trading_rules_url(self):
        return url_regex(self._url(CONSTANTS.MARKETS_PATH_URL))

    @property
    def order_creation_url(self):
        return self._url(CONSTANTS.ORDER_PATH_URL)

    @property
    def balance_url(self):
        return self._url(CONSTANTS.CAPITAL_PATH_URL)

    def _configure_balance_response(self, response, mock_api, callback=lambda *args, **kwargs: None) -> str:
        # A balance poll also reads the borrow/lend positions (Auto Lend); none here.
        mock_api.get(url_regex(self._url(CONSTANTS.BORROW_LEND_POSITIONS_PATH_URL)), body="[]", repeat=True)
        return super()._configure_balance_response(response=response, mock_api=mock_api, callback=callback)

    @property
    def all_symbols_request_mock_response(self):
        return [market(self.exchange_trading_pair, self.base_asset, self.quote_asset,
                       tick="0.0001", step="0.000001", min_qty="0.01")]

    @property
    def latest_prices_request_mock_response(self):
        return {"symbol": self.exchange_trading_pair, "firstPrice": "9000",
                "lastPrice": str(self.expected_latest_price),
                "high": "10000", "low": "9000", "volume": "10", "quoteVolume": "95000", "trades": "12"}

    @property
    def all_symbols_including_invalid_pair_mock_response(self) -> Tuple[str, Any]:
        response = self.all_symbols_request_mock_response + [
            market("INVALID_PAIR_PERP", "INVALID", "PAIR", market_type="PERP"),
            market("HIDDEN_PAIR", "HIDDEN", "PAIR", visible=False),
        ]
        return "INVALID-PAIR", response

    @property
    def network_status_request_successful_mock_response(self):
        return 1640000003000  # /api/v1/time: a bare number of milliseconds

    @property
    def trading_rules_request_mock_response(self):
        return self.all_symbols_request_mock_response

    @property
    def trading_rules_request_erroneous_mock_response(self):
        broken = market(self.exchange_trading_pair, self.base_asset, self.quote_asset)
        del broken["filters"]["quantity"]
        return [broken]

    @property
    def order_creation_request_successful_mock_response(self):
        return rest_order(self.expected_exchange_order_id, 11, self.exchange_trading_pair, "New",
                          Decimal("100"), Decimal("10000"))

    @property
    def balance_request_mock_response_for_base_and_quote(self):
        return {self.base_asset: {"available": "10", "locked": "4", "staked": "1"},
                self.quote_asset: {"available": "2000", "locked": "0", "staked": "0"}}

    @property
    def balance_request_mock_response_only_base(self):
        return {self.base_asset: {"available": "10", "locked": "5", "staked": "0"}}

    @property
    def balance_event_websocket_update(self):
        return {}  # Backpack has no balance stream (balances are polled)

    @property
    def expected_latest_price(self):
        return 9999.9

    @property
    def expected_supported_order_types(self):
        return [OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET]

    @property
    def expected_trading_rule(self):
        return TradingRule(trading_pair=self.trading_pair, min_order_size=Decimal("0.01"),
                           min_price_increment=Decimal("0.0001"), min_base_amount_increment=Decimal("0.000001"),
                           min_notional_size=Decimal("0"))

    @property
    def expected_logged_error_for_erroneous_trading_rule(self):
        return f"Error parsing the trading pair rule {self.trading_rules_request_erroneous_mock_response[0]}. Skipping."

    @property
    def expected_exchange_order_id(self):
        return "28"

    @property
    def is_order_fill_http_update_included_in_status_update(self) -> bool:
        return True

    @property
    def is_order_fill_http_update_executed_during_websocket_order_event_processing(self) -> bool:
        return False

    @property
    def expected_partial_fill_price(self) -> Decimal:
        return Decimal("10500")

    @property
    def expected_partial_fill_amount(self) -> Decimal:
        return Decimal("0.5")

    @property
    def expected_fill_fee(self) -> TradeFeeBase:
        return TradeFeeBase.new_spot_fee(fee_schema=DEFAULT_FEES, trade_type=TradeType.BUY,
                                         flat_fees=[TokenAmount(token=self.quote_asset, amount=Decimal("30"))])

    @property
    def expected_fill_trade_id(self) -> str:
        return "30000"

    def exchange_symbol_for_tokens(self, base_token: str, quote_token: str) -> str:
        return f"{base_token}_{quote_token}"

    def create_exchange_instance(self):
        return BackpackExchange(backpack_api_key=API_KEY, backpack_api_secret=API_SECRET,
                                trading_pairs=[self.trading_pair])

    # ----- request validation -----

    def validate_auth_credentials_present(self, request_call: RequestCall):
        headers = request_call.kwargs["headers"]
        self.assertEqual(API_KEY, headers["X-API-Key"])
        self.assertEqual(88, len(headers["X-Signature"]))  # base64 of a 64-byte ED25519 signature
        self.assertTrue(headers["X-Timestamp"].isdigit())
        self.assertEqual("5000", headers["X-Window"])

    def validate_order_creation_request(self, order: InFlightOrder, request_call: RequestCall):
        body = json.loads(request_call.kwargs["data"])
        self.assertEqual(self.exchange_trading_pair, body["symbol"])
        self.assertEqual("Bid" if order.trade_type == TradeType.BUY else "Ask", body["side"])
        self.assertEqual("Limit", body["orderType"])
        self.assertEqual(Decimal(body["quantity"]), order.amount)
        self.assertEqual(Decimal(body["price"]), order.price)
        self.assertEqual(int(order.client_order_id), body["clientId"])
        self.assertEqual("GTC", body["timeInForce"])
        self.assertFalse(body["postOnly"])
        self.assertEqual("RejectTaker", body["selfTradePrevention"])

    def validate_order_cancelation_request(self, order: InFlightOrder, request_call: RequestCall):
        body = json.loads(request_call.kwargs["data"])
        # By exchange id once known (a clientId is unique among open orders only), by clientId before.
        target = {"orderId": order.exchange_order_id} if order.exchange_order_id else \
            {"clientId": int(order.client_order_id)}
        self.assertEqual({"symbol": self.exchange_trading_pair, **target}, body)

    def validate_order_status_request(self, order: InFlightOrder, request_call: RequestCall):
        """The harness picks the first request whose URL starts with the order URL: the poll's open orders of
        every market (`/api/v1/orders` without parameters, backpack_order_polling), those of the market
        (`?symbol=`, its fallback), or the order's own lookup."""
        params = request_call.kwargs["params"]
        if not params:
            return  # every market's open orders
        self.assertEqual(self.exchange_trading_pair, params["symbol"])
        if "clientId" in params:
            self.assertEqual(order.client_order_id, params["clientId"])
        elif "orderId" in params:
            self.assertEqual(order.exchange_order_id, params["orderId"])
        else:
            self.assertEqual({"symbol"}, set(params))

    def validate_trades_request(self, order: InFlightOrder, request_call: RequestCall):
        """The order's own fills, or the poll's scan of its market (newest first, matched locally)."""
        params = request_call.kwargs["params"]
        self.assertEqual(self.exchange_trading_pair, params["symbol"])
        if "orderId" in params:
            self.assertEqual(order.exchange_order_id, params["orderId"])
        else:
            self.assertEqual(CONSTANTS.SORT_DESC, params["sortDirection"])

    # ----- mocked exchange answers -----

    def _order_payload(self, order: InFlightOrder, status: str, executed: Decimal = Decimal("0")):
        return rest_order(order.exchange_order_id or self.expected_exchange_order_id, int(order.client_order_id),
                          self.exchange_trading_pair, status, order.amount, order.price, executed,
                          side="Bid" if order.trade_type == TradeType.BUY else "Ask")

    def configure_successful_cancelation_response(self, order: InFlightOrder, mock_api: aioresponses,
                                                  callback: Optional[Callable] = lambda *args, **kwargs: None) -> str:
        url = self._url(CONSTANTS.ORDER_PATH_URL)
        mock_api.delete(url, body=json.dumps(self._order_payload(order, "Cancelled")), callback=callback)
        return url

    def configure_erroneous_cancelation_response(self, order: InFlightOrder, mock_api: aioresponses,
                                                 callback: Optional[Callable] = lambda *args, **kwargs: None) -> str:
        url = self._url(CONSTANTS.ORDER_PATH_URL)
        mock_api.delete(url, status=400, body=json.dumps({"code": "INVALID_ORDER", "message": "Invalid order"}),
                        callback=callback)
        return url

    def configure_order_not_found_error_cancelation_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> str:
        url = self._url(CONSTANTS.ORDER_PATH_URL)
        mock_api.delete(url, status=404, body=NOT_FOUND_BODY, callback=callback)
        return url

    def configure_one_successful_one_erroneous_cancel_all_response(
            self, successful_order: InFlightOrder, erroneous_order: InFlightOrder, mock_api: aioresponses) -> List[str]:
        # Cancel-all cancels the bot's orders one by one (by clientId): the first cancel succeeds, the second fails.
        url = self._url(CONSTANTS.ORDER_PATH_URL)
        mock_api.delete(url, body=json.dumps(self._order_payload(successful_order, "Cancelled")))
        mock_api.delete(url, status=400, body=json.dumps({"code": "INVALID_ORDER", "message": "Invalid order"}))
        return [url]

    def _not_resting(self, mock_api: aioresponses):
        mock_api.get(url_regex(self._url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND_BODY)

    def _history_answer(self, order: InFlightOrder, mock_api: aioresponses, rows: list, callback) -> str:
        url = self._url(CONSTANTS.ORDER_HISTORY_PATH_URL)
        mock_api.get(url_regex(url), body=json.dumps(rows), callback=callback)
        return url

    def configure_completely_filled_order_status_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> List[str]:
        self._not_resting(mock_api)
        history = self._history_answer(order, mock_api, [
            {**self._order_payload(order, "Filled", order.amount), "createdAt": "2021-12-29T12:13:20.000"}], callback)
        return [self._url(CONSTANTS.ORDER_PATH_URL), history]

    def configure_canceled_order_status_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> List[str]:
        self._not_resting(mock_api)
        history = self._history_answer(order, mock_api, [
            {**self._order_payload(order, "Cancelled"), "createdAt": "2021-12-29T12:13:20.000"}], callback)
        return [self._url(CONSTANTS.ORDER_PATH_URL), history]

    def configure_open_order_status_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> List[str]:
        url = self._url(CONSTANTS.ORDER_PATH_URL)
        mock_api.get(url_regex(url), body=json.dumps(self._order_payload(order, "New")), callback=callback)
        return [url]

    def configure_http_error_order_status_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> str:
        url = self._url(CONSTANTS.ORDER_PATH_URL)
        mock_api.get(url_regex(url), status=503, body=json.dumps({"code": "SERVER_ERROR", "message": "Unavailable"}),
                     callback=callback)
        return url

    def configure_partially_filled_order_status_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> str:
        url = self._url(CONSTANTS.ORDER_PATH_URL)
        payload = self._order_payload(order, "PartiallyFilled", self.expected_partial_fill_amount)
        mock_api.get(url_regex(url), body=json.dumps(payload), callback=callback)
        return url

    def configure_order_not_found_error_order_status_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> List[str]:
        self._not_resting(mock_api)
        history = self._history_answer(order, mock_api, [], lambda *args, **kwargs: None)
        mock_api.get(url_regex(self._url(CONSTANTS.FILL_HISTORY_PATH_URL)), body="[]", callback=callback)
        return [self._url(CONSTANTS.ORDER_PATH_URL), history]

    def _fills_answer(self, order: InFlightOrder, mock_api: aioresponses, price: Decimal, amount: Decimal,
                      callback) -> str:
        url = self._url(CONSTANTS.FILL_HISTORY_PATH_URL)
        row = fill_row(int(self.expected_fill_trade_id), order.exchange_order_id, int(order.client_order_id),
                       self.exchange_trading_pair, price, amount, Decimal("30"), self.quote_asset)
        mock_api.get(url_regex(url), body=json.dumps([row]), callback=callback)
        return url

    def configure_partial_fill_trade_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> str:
        return self._fills_answer(order, mock_api, self.expected_partial_fill_price,
                                  self.expected_partial_fill_amount, callback)

    def configure_erroneous_http_fill_trade_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> str:
        url = self._url(CONSTANTS.FILL_HISTORY_PATH_URL)
        mock_api.get(url_regex(url), status=400, body=json.dumps({"code": "INVALID_CLIENT_REQUEST", "message": "x"}),
                     callback=callback)
        return url

    def configure_full_fill_trade_response(
            self, order: InFlightOrder, mock_api: aioresponses,
            callback: Optional[Callable] = lambda *args, **kwargs: None) -> str:
        return self._fills_answer(order, mock_api, order.price, order.amount, callback)

    # ----- user stream frames -----

    def _frame(self, order: InFlightOrder, event: str, status: str, executed: Decimal = Decimal("0"), **fill):
        return order_update_frame(event, status, order.exchange_order_id, int(order.client_order_id),
                                  self.exchange_trading_pair, order.amount, order.price, executed, **fill)

    def order_event_for_new_order_websocket_update(self, order: InFlightOrder):
        return self._frame(order, "orderAccepted", "New")

    def order_event_for_canceled_order_websocket_update(self, order: InFlightOrder):
        return self._frame(order, "orderCancelled", "Cancelled")

    def order_event_for_full_fill_websocket_update(self, order: InFlightOrder):
        return self._frame(order, "orderFill", "Filled", order.amount, t=int(self.expected_fill_trade_id),
                           l=str(order.amount), L=str(order.price), m=False, n="30", N=self.quote_asset)

    def trade_event_for_full_fill_websocket_update(self, order: InFlightOrder):
        return None  # the orderFill frame above carries both the fill and the new status
