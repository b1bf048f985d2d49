"""Account-level perp behaviour: account-wide leverage, ONEWAY only, reduceOnly closes, collateral balances
and budget checks before and after fills.

The budget checks run Hummingbot's own PerpetualBudgetChecker, whose fee estimate reads the fee schema of
`backpack_perpetual` from Hummingbot's registry: the plugin must be installed (tools/setup.sh), as for real use."""
import asyncio
import json
import time
from decimal import Decimal
from unittest.mock import patch
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

from aioresponses import aioresponses

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_utils import DEFAULT_FEES
from hummingbot.connector.exchange.backpack import (
    backpack_account_registry as account_registry,
    backpack_constants as CONSTANTS,
    backpack_web_utils as web_utils,
)
from hummingbot.core.data_type.common import OrderType, PositionAction, PositionMode, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState, OrderUpdate, TradeUpdate
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.data_type.order_candidate import PerpetualOrderCandidate
from hummingbot.core.data_type.trade_fee import TokenAmount, TradeFeeBase
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import AccountEvent
from test.connector.backpack.helpers import rest_order, url_regex
from test.connector.backpack_perpetual.helpers import (
    OTHER_PAIR,
    PAIR,
    SYMBOL,
    collateral_row,
    collateral_summary,
    make_derivative,
)

ACCOUNT_URL = web_utils.rest_url(CONSTANTS.ACCOUNT_PATH_URL)
ORDER_URL = web_utils.rest_url(CONSTANTS.ORDER_PATH_URL)
ORDERS_URL = web_utils.rest_url(CONSTANTS.ORDERS_PATH_URL)
COLLATERAL_URL = web_utils.rest_url(CONSTANTS.COLLATERAL_PATH_URL)
CAPITAL_URL = web_utils.rest_url(CONSTANTS.CAPITAL_PATH_URL)
BORROW_LEND_URL = web_utils.rest_url(CONSTANTS.BORROW_LEND_POSITIONS_PATH_URL)


class AccountTestCase(IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.derivative = make_derivative()
        self.derivative.logger().setLevel(1)
        self.derivative.logger().addHandler(self)
        self.log_records = []
        self.mock_api = aioresponses()
        self.mock_api.start()

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()

    def handle(self, record):
        self.log_records.append(record)

    @property
    def level(self):
        return 1

    def logged(self, level: str) -> str:
        return "\n".join(r.getMessage() for r in self.log_records if r.levelname == level)

    def sent(self, method: str, url: str):
        return [call for (verb, target), calls in self.mock_api.requests.items()
                if verb == method and str(target).split("?")[0] == url for call in calls]


class LeverageTests(AccountTestCase):

    async def test_leverage_is_patched_account_wide_and_applied_to_every_pair(self):
        self.mock_api.patch(ACCOUNT_URL, status=200, body="")
        self.assertEqual((True, ""), await self.derivative._set_trading_pair_leverage(PAIR, 5))
        patch_call = self.sent("PATCH", ACCOUNT_URL)[0]
        self.assertEqual({"leverageLimit": "5"}, json.loads(patch_call.kwargs["data"]))
        self.assertEqual(88, len(patch_call.kwargs["headers"]["X-Signature"]))
        self.assertEqual((5, 5), (self.derivative.get_leverage(PAIR), self.derivative.get_leverage(OTHER_PAIR)))

    async def test_warns_when_pairs_ask_for_different_leverage(self):
        self.mock_api.patch(ACCOUNT_URL, status=200, body="", repeat=True)
        await self.derivative._set_trading_pair_leverage(PAIR, 5)
        await self.derivative._set_trading_pair_leverage(OTHER_PAIR, 5)
        self.assertEqual("", self.logged("WARNING"))
        await self.derivative._set_trading_pair_leverage(OTHER_PAIR, 3)
        self.assertIn("account-wide", self.logged("WARNING"))
        self.assertIn(f"{PAIR} (which asked for 5x)", self.logged("WARNING"))
        self.assertEqual(3, self.derivative.get_leverage(PAIR))

    async def test_invalid_leverage_sends_nothing(self):
        for leverage in (0, -2, 2.5, True):
            success, message = await self.derivative._set_trading_pair_leverage(PAIR, leverage)
            self.assertFalse(success)
            self.assertIn("Nothing was sent", message)
        self.assertEqual({}, self.mock_api.requests)

    async def test_rejected_leverage_keeps_the_old_value(self):
        self.mock_api.patch(ACCOUNT_URL, status=400, body=json.dumps(
            {"code": "INVALID_CLIENT_REQUEST", "message": "Invalid `leverageLimit`"}))
        answer = await self.derivative._set_trading_pair_leverage(PAIR, 500)
        self.assertEqual((False, "Invalid `leverageLimit`"), answer)
        self.assertEqual(1, self.derivative.get_leverage(PAIR))

    async def test_leverage_is_re_read_periodically(self):
        self.mock_api.get(ACCOUNT_URL, body=json.dumps({"leverageLimit": "10", "futuresMakerFee": "2"}))
        self.mock_api.get(ACCOUNT_URL, body=json.dumps({"leverageLimit": "20", "futuresMakerFee": "2"}))
        await self.derivative._refresh_account_leverage()
        self.assertEqual((10, 10), (self.derivative.get_leverage(PAIR), self.derivative.get_leverage(OTHER_PAIR)))
        await self.derivative._refresh_account_leverage()  # within the interval: no request
        self.assertEqual(1, len(self.sent("GET", ACCOUNT_URL)))
        self.derivative._next_leverage_refresh = time.monotonic() - 1  # interval elapsed
        await self.derivative._refresh_account_leverage()
        self.assertEqual(20, self.derivative.get_leverage(PAIR))
        self.assertIn("20x", self.logged("INFO"))

    async def test_unreadable_account_leaves_leverage_and_warns(self):
        self.mock_api.get(ACCOUNT_URL, status=503, body=json.dumps({"code": "SERVER_ERROR", "message": "down"}))
        await self.derivative._refresh_account_leverage()
        self.assertEqual(1, self.derivative.get_leverage(PAIR))
        self.assertIn("Could not read the Backpack account leverage", self.logged("WARNING"))


class PositionModeTests(AccountTestCase):

    async def test_hedge_is_refused_with_a_clear_message_and_failure_event(self):
        failures = EventLogger()
        self.derivative.add_listener(AccountEvent.PositionModeChangeFailed, failures)
        self.derivative.set_position_mode(PositionMode.HEDGE)
        await asyncio.sleep(0.01)
        self.assertEqual(PositionMode.ONEWAY, self.derivative.position_mode)
        self.assertIn("only support the ONEWAY position mode", self.logged("ERROR"))
        self.assertEqual(2, len(failures.event_log))  # one per trading pair
        self.assertIn("HEDGE is not available", failures.event_log[0].message)
        self.assertEqual({}, self.mock_api.requests)


class ReduceOnlyTests(AccountTestCase):

    async def test_close_orders_are_reduce_only_and_open_orders_are_not(self):
        self.mock_api.post(ORDER_URL, body=json.dumps(rest_order("1", None, SYMBOL, "New", Decimal("1"),
                                                                 Decimal("180"))), repeat=True)
        for action in (PositionAction.CLOSE, PositionAction.OPEN):
            await self.derivative._create_order(TradeType.SELL, self.derivative_order_id(), PAIR, Decimal("5"),
                                                OrderType.LIMIT, Decimal("180"), position_action=action)
        first, second = [json.loads(call.kwargs["data"]) for call in self.sent("POST", ORDER_URL)]
        self.assertIs(True, first["reduceOnly"])
        self.assertNotIn("reduceOnly", second)

    def derivative_order_id(self) -> str:
        from hummingbot.connector.exchange.backpack.backpack_client_order_ids import next_client_order_id
        return next_client_order_id()

    async def test_invalid_position_action_sends_nothing(self):
        with self.assertRaises(ValueError):
            await self.derivative._create_order(TradeType.BUY, self.derivative_order_id(), PAIR, Decimal("1"),
                                                OrderType.LIMIT, Decimal("180"), position_action=PositionAction.NIL)
        self.assertEqual({}, self.mock_api.requests)

    async def test_batch_keeps_each_orders_position_action(self):
        self.mock_api.post(ORDERS_URL, body=json.dumps([{"operation": "Ok", **rest_order("1", None, SYMBOL, "New",
                                                                                        Decimal("1"), Decimal("1")),
                                                         "createdAt": 1640780000000}] * 2))
        orders = [LimitOrder(client_order_id="", trading_pair=PAIR, is_buy=False, base_currency="SOL",
                             quote_currency="USDC", price=Decimal("190"), quantity=Decimal("1"), position=action)
                  for action in (PositionAction.CLOSE, PositionAction.OPEN)]
        created = self.derivative.batch_order_create(orders)
        for _ in range(50):
            if self.sent("POST", ORDERS_URL):
                break
            await asyncio.sleep(0.01)
        body = json.loads(self.sent("POST", ORDERS_URL)[0].kwargs["data"])
        self.assertEqual([True, None], [item.get("reduceOnly") for item in body])
        tracked = self.derivative._order_tracker.fetch_order(created[0].client_order_id)
        self.assertEqual(PositionAction.CLOSE, tracked.position)


class CollateralAndBudgetTests(AccountTestCase):
    """netEquityAvailable already excludes margin in use: the estimates between polls must count margin."""

    async def poll_balances(self, equity: str, available: str, unrealized: str = "0"):
        self.mock_api.get(COLLATERAL_URL, body=json.dumps(collateral_summary(
            equity, available, [collateral_row("USDC", "900", "900"), collateral_row("SOL", "2", "2")], unrealized)))
        # The account's assets, read too while no spot connector of the key runs in the process.
        self.mock_api.get(CAPITAL_URL, body=json.dumps({"USDC": {"available": "900", "locked": "0", "staked": "0"},
                                                        "SOL": {"available": "2", "locked": "0", "staked": "0"}}))
        self.mock_api.get(BORROW_LEND_URL, body="[]")
        self.mock_api.get(url_regex(web_utils.rest_url(CONSTANTS.POSITION_PATH_URL)), body="[]")
        self.mock_api.get(ACCOUNT_URL, body=json.dumps({"leverageLimit": "10"}))
        for order in self.derivative.in_flight_orders.values():  # order status polling: still resting
            self.mock_api.get(url_regex(ORDER_URL), body=json.dumps(rest_order(
                order.exchange_order_id, int(order.client_order_id), SYMBOL, "New", order.amount, order.price)))
        await self.derivative._status_polling_loop_fetch_updates()

    def fits(self, amount: str, price: str = "100") -> bool:
        candidate = PerpetualOrderCandidate(trading_pair=PAIR, is_maker=True, order_type=OrderType.LIMIT,
                                            order_side=TradeType.BUY, amount=Decimal(amount), price=Decimal(price),
                                            leverage=Decimal("10"))
        return self.derivative.budget_checker.adjust_candidate(candidate, all_or_none=True).amount == Decimal(amount)

    def track_open_order(self, order_id: str, amount: str, price: str = "100"):
        self.derivative.start_tracking_order(order_id=order_id, exchange_order_id="x" + order_id, trading_pair=PAIR,
                                             trade_type=TradeType.BUY, price=Decimal(price), amount=Decimal(amount),
                                             order_type=OrderType.LIMIT, position_action=PositionAction.OPEN)

    def fill(self, order_id: str, amount: str, price: str = "100"):
        order = self.derivative.in_flight_orders[order_id]
        fee = TradeFeeBase.new_perpetual_fee(fee_schema=DEFAULT_FEES, position_action=PositionAction.OPEN,
                                             flat_fees=[TokenAmount("USDC", Decimal("0.02"))])
        self.derivative._order_tracker.process_trade_update(TradeUpdate(
            trade_id=f"t{order_id}{amount}", client_order_id=order_id, exchange_order_id=order.exchange_order_id,
            trading_pair=PAIR, fill_timestamp=self.derivative.current_timestamp, fill_price=Decimal(price),
            fill_base_amount=Decimal(amount), fill_quote_amount=Decimal(amount) * Decimal(price), fee=fee))

    async def test_alone_the_account_assets_plus_unrealized_pnl_and_the_margin_available(self):
        with patch.object(account_registry, "has_spot_connector", return_value=False):
            await self.poll_balances("1234.5", "1000.25", unrealized="-3.5")
        self.assertEqual({"USDC": Decimal("896.5"), "SOL": Decimal("2")}, self.derivative.get_all_balances())
        self.assertEqual({"USDC": Decimal("1000.25"), "SOL": Decimal("2")}, self.derivative.available_balances)
        self.assertEqual(10, self.derivative.get_leverage(PAIR))

    async def test_beside_a_spot_connector_of_the_key_one_usdc_row_of_unrealized_pnl(self):
        # The account's assets (USDC 900, SOL 2) are then the spot connector's rows: not repeated here.
        with patch.object(account_registry, "has_spot_connector", return_value=True):
            await self.poll_balances("1234.5", "1000.25", unrealized="-3.5")
        self.assertEqual({"USDC": Decimal("-3.5")}, self.derivative.get_all_balances())
        self.assertEqual({"USDC": Decimal("1000.25")}, self.derivative.available_balances)
        self.assertEqual([], self.sent("GET", CAPITAL_URL))  # the assets are not even read

    async def test_positions_that_fit_the_margin_are_accepted_before_and_after_fills(self):
        await self.poll_balances("1000", "1000")
        self.assertTrue(self.fits("50"))  # 5000 notional at 10x: 500 margin
        self.assertFalse(self.fits("120"))  # 1200 margin: really too big
        self.track_open_order("1", "50")  # placed after the poll: holds ~500 margin until the next one
        self.assertTrue(self.fits("45"))
        self.assertFalse(self.fits("60"))
        self.derivative._set_current_timestamp(1640780001)
        self.fill("1", "20")
        self.fill("1", "30")  # completely filled: its margin moved to the position
        self.derivative._order_tracker.process_order_update(OrderUpdate(
            client_order_id="1", trading_pair=PAIR, update_timestamp=1640780001, new_state=OrderState.FILLED))
        await asyncio.sleep(0.01)  # the tracker completes the order in a task
        self.assertNotIn("1", self.derivative.in_flight_orders)
        self.assertTrue(self.fits("45"))
        self.assertFalse(self.fits("60"))
        self.derivative._set_current_timestamp(1640780002)
        await self.poll_balances("1000", "499.9")  # the exchange's own figure after the fill
        self.assertEqual(Decimal("499.9"), self.derivative.get_available_balance("USDC"))
        self.assertTrue(self.fits("45"))

    async def test_order_in_the_snapshot_is_not_counted_twice(self):
        self.track_open_order("2", "50")
        await self.poll_balances("1000", "499.9")  # already excludes order 2's margin
        self.assertEqual(Decimal("499.9"), self.derivative.get_available_balance("USDC"))
        self.derivative._set_current_timestamp(1640780001)
        self.fill("2", "50")  # order margin became position margin: nothing changes
        self.assertEqual(Decimal("499.88"), self.derivative.get_available_balance("USDC"))  # less the fee
