"""Hummingbot's perpetual connector suite (every inherited test) run against `BackpackPerpetualDerivative`.

The exchange answers shared with spot (orders, cancels, order status, fills, order frames) come from
the spot suite's hooks; this class overrides only what differs for perps.
"""
import asyncio
import json
from decimal import Decimal
from typing import Any, Callable, List, Optional, Tuple
from unittest.mock import patch

from aioresponses import aioresponses
from aioresponses.core import RequestCall

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    HEDGE_REFUSED,
    BackpackPerpetualDerivative,
)
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_utils import DEFAULT_FEES
from hummingbot.connector.exchange.backpack import backpack_account_registry as account_registry
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.test_support.perpetual_derivative_test import AbstractPerpetualDerivativeTests
from hummingbot.connector.perpetual_derivative_py_base import PerpetualDerivativePyBase
from hummingbot.core.data_type.common import PositionAction, PositionMode, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder
from hummingbot.core.data_type.trade_fee import TokenAmount, TradeFeeBase
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import AccountEvent
from test.connector.backpack import test_backpack_exchange as spot_suite
from test.connector.backpack.helpers import API_KEY, API_SECRET, market, url_regex
from test.connector.backpack_perpetual.helpers import (
    collateral_row,
    collateral_summary,
    funding_row,
    position_frame,
)


# Hummingbot 20260922's base class logs a position-mode switch at INFO (20251103: DEBUG).
SWITCH_LOG_LEVEL = "INFO" if hasattr(PerpetualDerivativePyBase, "_fire_position_mode_events") else "DEBUG"

class BackpackPerpetualDerivativeTests(AbstractPerpetualDerivativeTests.PerpetualDerivativeTests,
                                       spot_suite.BackpackExchangeTests):

    def exchange_symbol_for_tokens(self, base_token: str, quote_token: str) -> str:
        return f"{base_token}_{quote_token}_PERP"

    def create_exchange_instance(self):
        return BackpackPerpetualDerivative(backpack_perpetual_api_key=API_KEY,
                                           backpack_perpetual_api_secret=API_SECRET,
                                           trading_pairs=[self.trading_pair])

    @property
    def all_symbols_request_mock_response(self):
        return [market(self.exchange_trading_pair, self.base_asset, self.quote_asset, market_type="PERP",
                       tick="0.0001", step="0.000001", min_qty="0.01")]

    @property
    def all_symbols_including_invalid_pair_mock_response(self) -> Tuple[str, Any]:
        response = self.all_symbols_request_mock_response + [
            market("INVALID_PAIR", "INVALID", "PAIR", market_type="SPOT"),
            market("HIDDEN_PAIR_PERP", "HIDDEN", "PAIR", market_type="PERP", visible=False),
        ]
        return "INVALID-PAIR", response

    @property
    def trading_rules_request_erroneous_mock_response(self):
        broken = market(self.exchange_trading_pair, self.base_asset, self.quote_asset, market_type="PERP")
        del broken["filters"]["quantity"]
        return [broken]

    # ----- balances: the collateral summary -----

    def _configure_balance_response(self, response, mock_api, callback=lambda *args, **kwargs: None) -> str:
        # Alone in the process the perp also reads the account's assets (none here), like the spot connector.
        mock_api.get(url_regex(self._url(CONSTANTS.CAPITAL_PATH_URL)), body="{}", repeat=True)
        return super()._configure_balance_response(response=response, mock_api=mock_api, callback=callback)

    @aioresponses()
    async def test_update_balances(self, mock_api):
        """Hummingbot's version expects a row per collateral asset; ours (beside a spot connector of the key) is
        one USDC row, the account's assets being the spot connector's: available = netEquityAvailable, total =
        the positions' unrealized PnL. Alone, see test_backpack_perpetual_account (CollateralAndBudgetTests)."""
        response = collateral_summary("2100", "2050", [collateral_row(self.base_asset, "15", "10"),
                                                       collateral_row(self.quote_asset, "2000", "2000")], "7.5")
        with patch.object(account_registry, "has_spot_connector", return_value=True):
            self._configure_balance_response(response=response, mock_api=mock_api)
            await self.exchange._update_balances()
            self.assertEqual({"USDC": Decimal("7.5")}, self.exchange.get_all_balances())
            self.assertEqual({"USDC": Decimal("2050")}, self.exchange.available_balances)
            self._configure_balance_response(response={}, mock_api=mock_api)
            await self.exchange._update_balances()
            self.assertEqual({}, self.exchange.get_all_balances())

    @property
    def balance_url(self):
        return self._url(CONSTANTS.COLLATERAL_PATH_URL)

    @property
    def balance_request_mock_response_for_base_and_quote(self):
        return collateral_summary("2100", "2050", [collateral_row(self.base_asset, "15", "10"),
                                                   collateral_row(self.quote_asset, "2000", "2000")])

    @property
    def balance_request_mock_response_only_base(self):
        return collateral_summary("100", "90", [collateral_row(self.base_asset, "15", "10")])

    # ----- fees and orders -----

    @property
    def expected_fill_fee(self) -> TradeFeeBase:
        return TradeFeeBase.new_perpetual_fee(fee_schema=DEFAULT_FEES, position_action=PositionAction.OPEN,
                                              flat_fees=[TokenAmount(token=self.quote_asset, amount=Decimal("30"))])

    def validate_order_creation_request(self, order: InFlightOrder, request_call: RequestCall):
        super().validate_order_creation_request(order, request_call)
        body = json.loads(request_call.kwargs["data"])
        if order.position == PositionAction.CLOSE:
            self.assertIs(True, body["reduceOnly"])
        else:
            self.assertNotIn("reduceOnly", body)

    def position_event_for_full_fill_websocket_update(self, order: InFlightOrder, unrealized_pnl: float):
        sign = "-" if order.trade_type == TradeType.SELL else ""
        return position_frame(self.exchange_trading_pair, f"{sign}{order.amount}", str(order.price),
                              str(unrealized_pnl), event="positionOpened")

    # ----- position mode and leverage -----

    @property
    def expected_supported_position_modes(self) -> List[PositionMode]:
        return [PositionMode.ONEWAY]

    def configure_successful_set_position_mode(self, position_mode: PositionMode, mock_api: aioresponses,
                                               callback: Optional[Callable] = lambda *args, **kwargs: None):
        callback()  # Backpack has no position-mode endpoint: the connector answers without a request

    def configure_failed_set_position_mode(self, position_mode: PositionMode, mock_api: aioresponses,
                                           callback: Optional[Callable] = lambda *args, **kwargs: None
                                           ) -> Tuple[str, str]:
        callback()  # refused locally, nothing is sent
        return "", HEDGE_REFUSED.format(mode=position_mode.name)

    def configure_successful_set_leverage(self, leverage: int, mock_api: aioresponses,
                                          callback: Optional[Callable] = lambda *args, **kwargs: None):
        url = self._url(CONSTANTS.ACCOUNT_PATH_URL)
        mock_api.patch(url, status=200, body="", callback=callback)  # Backpack answers 200 with no body
        return url

    def configure_failed_set_leverage(self, leverage: int, mock_api: aioresponses,
                                      callback: Optional[Callable] = lambda *args, **kwargs: None
                                      ) -> Tuple[str, str]:
        url = self._url(CONSTANTS.ACCOUNT_PATH_URL)
        message = "Invalid `leverageLimit`: expected a number between 1 and 100"
        mock_api.patch(url, status=400, body=json.dumps({"code": "INVALID_CLIENT_REQUEST", "message": message}),
                       callback=callback)
        return url, message

    def test_set_position_mode_success(self):
        """Replaces the inherited version, which asserts that switching to HEDGE succeeds: Backpack positions
        are net (one per market), so this connector must refuse HEDGE. Here: ONEWAY succeeds, HEDGE fails."""
        self.exchange.set_position_mode(PositionMode.ONEWAY)
        self.async_run_with_timeout(asyncio.sleep(0.01))
        self.assertTrue(self.is_logged(SWITCH_LOG_LEVEL, f"Position mode switched to {PositionMode.ONEWAY}."))
        self.exchange.set_position_mode(PositionMode.HEDGE)
        self.async_run_with_timeout(asyncio.sleep(0.01))
        self.assertEqual(PositionMode.ONEWAY, self.exchange.position_mode)
        self.assertFalse(self.is_logged(SWITCH_LOG_LEVEL, f"Position mode switched to {PositionMode.HEDGE}."))
        self.assertTrue(self.is_logged("ERROR", HEDGE_REFUSED.format(mode="HEDGE")))

    def test_set_position_mode_failure(self):
        """Replaces the inherited version, which expects Hummingbot's generic per-pair NETWORK line: HEDGE is refused
        with one clear ERROR line (and the failure event), nothing else."""
        failures = EventLogger()
        self.exchange.add_listener(AccountEvent.PositionModeChangeFailed, failures)
        self.exchange.set_position_mode(PositionMode.HEDGE)
        self.async_run_with_timeout(asyncio.sleep(0.01))
        self.assertTrue(self.is_logged("ERROR", HEDGE_REFUSED.format(mode="HEDGE")))
        self.assertFalse(any(record.levelname == "NETWORK" for record in self.log_records))
        self.assertEqual([self.trading_pair], [event.trading_pair for event in failures.event_log])
        self.assertEqual(PositionMode.ONEWAY, self.exchange.position_mode)

    def test_get_buy_and_sell_collateral_tokens(self):
        self.assertEqual("USDC", self.exchange.get_buy_collateral_token(self.trading_pair))
        self.assertEqual("USDC", self.exchange.get_sell_collateral_token(self.trading_pair))

    # ----- funding -----

    @property
    def funding_info_url(self):
        return url_regex(self._url(CONSTANTS.MARK_PRICES_PATH_URL))

    @property
    def funding_info_mock_response(self):
        return [{"fundingRate": str(self.target_funding_info_rate),
                 "indexPrice": str(self.target_funding_info_index_price),
                 "markPrice": str(self.target_funding_info_mark_price),
                 "nextFundingTimestamp": self.target_funding_info_next_funding_utc_timestamp * 1000,
                 "symbol": self.exchange_trading_pair}]

    def funding_info_event_for_websocket_update(self):
        return {"stream": f"markPrice.{self.exchange_trading_pair}",
                "data": {"e": "markPrice", "E": 1657100053000000, "s": self.exchange_trading_pair,
                         "p": str(self.target_funding_info_mark_price_ws_updated),
                         "f": str(self.target_funding_info_rate_ws_updated),
                         "i": str(self.target_funding_info_index_price_ws_updated),
                         "n": self.target_funding_info_next_funding_utc_timestamp_ws_updated * 1000,
                         "T": 1657100053000000}}

    @property
    def funding_payment_url(self):
        return url_regex(self._url(CONSTANTS.FUNDING_HISTORY_PATH_URL))

    @property
    def empty_funding_payment_mock_response(self):
        return []

    @property
    def funding_payment_mock_response(self):
        return [funding_row(self.exchange_trading_pair, self.target_funding_payment_timestamp,
                            str(self.target_funding_payment_funding_rate),
                            str(self.target_funding_payment_payment_amount))]
