"""The account's fee tier (`GET /api/v1/account`) in fee estimates and budget checks, spot and perp (aioresponses)."""
import json
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

from aioresponses import aioresponses

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_account_fees import fee_rates_from_account
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.data_type.order_candidate import OrderCandidate, PerpetualOrderCandidate
from test.connector.backpack.helpers import API_KEY, API_SECRET
from test.connector.backpack_perpetual.helpers import PAIR, make_derivative

ACCOUNT_URL = web_utils.rest_url(CONSTANTS.ACCOUNT_PATH_URL)


def account(spot_maker="8", spot_taker="10", futures_maker="2", futures_taker="5", leverage="10"):
    return {"autoBorrowSettlements": False, "autoLend": False, "autoRealizePnl": True, "autoRepayBorrows": False,
            "borrowLimit": "0", "futuresMakerFee": futures_maker, "futuresTakerFee": futures_taker,
            "leverageLimit": leverage, "limitOrders": 0, "liquidating": False, "positionLimit": "1000000",
            "spotMakerFee": spot_maker, "spotTakerFee": spot_taker, "triggerOrders": 0}


class FeeTestCase(IsolatedAsyncioWrapperTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.mock_api = aioresponses()
        self.mock_api.start()
        self.log_records = []

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()

    level = 0

    def handle(self, record):
        self.log_records.append(record)

    def logged(self, level: str) -> str:
        return "\n".join(r.getMessage() for r in self.log_records if r.levelname == level)


class SpotAccountFeeTests(FeeTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange = BackpackExchange(API_KEY, API_SECRET, trading_pairs=["SOL-USDC"])
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        self.exchange.logger().setLevel(1)
        self.exchange.logger().addHandler(self)

    def percent(self, order_type: OrderType, is_maker=None) -> Decimal:
        return self.exchange.get_fee("SOL", "USDC", order_type, TradeType.BUY, Decimal("1"), Decimal("100"),
                                     is_maker=is_maker).percent

    async def test_defaults_until_the_account_answers_then_the_account_tier(self):
        self.assertEqual((Decimal("0.0008"), Decimal("0.001")),
                         (self.percent(OrderType.LIMIT_MAKER), self.percent(OrderType.MARKET)))
        self.mock_api.get(ACCOUNT_URL, body=json.dumps(account(spot_maker="-1", spot_taker="4.5")))
        await self.exchange._update_trading_fees()
        self.assertEqual(Decimal("-0.0001"), self.percent(OrderType.LIMIT_MAKER))  # a rebate
        self.assertEqual(Decimal("-0.0001"), self.percent(OrderType.LIMIT, is_maker=True))
        self.assertEqual(Decimal("0.00045"), self.percent(OrderType.MARKET))
        self.assertIn("maker -0.0100%, taker 0.04500% (the maker fee is a rebate)", self.logged("INFO"))
        self.assertEqual(3600, self.exchange.TRADING_FEES_INTERVAL)  # re-read every hour, not every 12 hours

    async def test_an_answer_without_fees_or_an_error_keeps_what_was_known(self):
        self.mock_api.get(ACCOUNT_URL, body=json.dumps(account(spot_maker="2", spot_taker="6")))
        self.mock_api.get(ACCOUNT_URL, body=json.dumps({"leverageLimit": "10"}))
        self.mock_api.get(ACCOUNT_URL, status=503, body=json.dumps({"code": "SERVER_ERROR", "message": "down"}))
        for _ in range(3):
            await self.exchange._update_trading_fees()
        self.assertEqual(Decimal("0.0002"), self.percent(OrderType.LIMIT_MAKER))
        self.assertIn("has no spotMakerFee / spotTakerFee", self.logged("WARNING"))
        self.assertIn("Could not read the Backpack account fee tier", self.logged("WARNING"))

    def test_rates_parse_basis_point_strings_and_refuse_garbage(self):
        rates = fee_rates_from_account(account(spot_maker="-0.5", spot_taker="7"), ("spotMakerFee", "spotTakerFee"))
        self.assertEqual((Decimal("-0.00005"), Decimal("0.0007")), (rates.maker, rates.taker))
        for bad in ({"spotMakerFee": "x", "spotTakerFee": "1"}, {"spotMakerFee": "NaN", "spotTakerFee": "1"},
                    {"spotTakerFee": "1"}, None, []):
            self.assertIsNone(fee_rates_from_account(bad, ("spotMakerFee", "spotTakerFee")))

    async def test_spot_budget_needs_the_whole_cost_whatever_the_fee(self):
        self.exchange._account_available_balances.update({"USDC": Decimal("100"), "SOL": Decimal("0")})
        self.exchange._account_balances.update({"USDC": Decimal("100"), "SOL": Decimal("0")})
        self.mock_api.get(ACCOUNT_URL, body=json.dumps(account(spot_maker="-1")))
        await self.exchange._update_trading_fees()
        candidate = OrderCandidate(trading_pair="SOL-USDC", is_maker=True, order_type=OrderType.LIMIT,
                                   order_side=TradeType.BUY, amount=Decimal("1.0001"), price=Decimal("100"))
        adjusted = self.exchange.budget_checker.adjust_candidate(candidate, all_or_none=True)
        self.assertEqual(Decimal("0"), adjusted.amount)  # 100.01 USDC needed: a rebate does not pay for the order
        exact = OrderCandidate(trading_pair="SOL-USDC", is_maker=True, order_type=OrderType.LIMIT,
                               order_side=TradeType.BUY, amount=Decimal("1"), price=Decimal("100"))
        adjusted = self.exchange.budget_checker.adjust_candidate(exact, all_or_none=True)
        self.assertEqual(Decimal("1"), adjusted.amount)


class PerpetualAccountFeeTests(FeeTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.derivative = make_derivative()
        self.derivative.logger().setLevel(1)
        self.derivative.logger().addHandler(self)

    def percent(self, is_maker: bool) -> Decimal:
        return self.derivative.get_fee("SOL", "USDC", OrderType.LIMIT, TradeType.BUY, PositionAction.OPEN,
                                       Decimal("1"), Decimal("100"), is_maker=is_maker).percent

    async def test_the_minute_account_read_applies_the_futures_tier(self):
        self.assertEqual((Decimal("0.0002"), Decimal("0.0005")), (self.percent(True), self.percent(False)))
        self.mock_api.get(ACCOUNT_URL, body=json.dumps(account(futures_maker="-0.5", futures_taker="3")))
        await self.derivative._refresh_account_leverage()
        self.assertEqual((Decimal("-0.00005"), Decimal("0.0003")), (self.percent(True), self.percent(False)))
        self.assertEqual(10, self.derivative.get_leverage(PAIR))

    def fits(self, available: str, is_maker: bool) -> bool:
        candidate = PerpetualOrderCandidate(trading_pair=PAIR, is_maker=is_maker, order_type=OrderType.LIMIT,
                                            order_side=TradeType.BUY, amount=Decimal("50"), price=Decimal("100"),
                                            leverage=Decimal("10"))  # 500 USDC of margin
        self.derivative._account_available_balances["USDC"] = Decimal(available)
        self.derivative._account_balances["USDC"] = Decimal("0")
        return self.derivative.budget_checker.adjust_candidate(candidate, all_or_none=True).amount == Decimal("50")

    async def test_budget_reserves_the_account_fee_but_never_counts_a_rebate(self):
        self.mock_api.get(ACCOUNT_URL, body=json.dumps(account(futures_maker="-1", futures_taker="10")))
        await self.derivative._update_trading_fees()
        # A maker rebate (1 bp of the 5000 notional) is paid after the fill: the 500 of margin is needed in full,
        # not 499.5.
        self.assertFalse(self.fits("499.5", is_maker=True))
        self.assertTrue(self.fits("500", is_maker=True))
        # The account's taker fee (10 bps of the notional, the default is 5 bps) is reserved: 505, not 502.5.
        self.assertFalse(self.fits("503", is_maker=False))
        self.assertTrue(self.fits("505", is_maker=False))
