"""A reduce-only close that the exchange expires with `ReduceOnlyNotReduced` (the position was already netted to
zero, e.g. by an overlapping opposite executor) is a FAILED order with a reason, not a cancel.

Why: Hummingbot's PositionExecutor replaces a cancelled close order without counting it, so a cancel would be
re-placed forever; a failure is counted against its max_retries and the executor ends (close type FAILED). An
expiry after partial fills stays a cancel (the fills were real), as does every other expiry reason."""
import asyncio
import json
from decimal import Decimal
from unittest.mock import AsyncMock, patch

from aioresponses import aioresponses

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState, TradeUpdate
from hummingbot.core.data_type.trade_fee import TradeFeeBase
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import rest_order
from test.connector.backpack_perpetual.helpers import PAIR, SYMBOL, make_derivative
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

ORDER_URL = web_utils.rest_url(CONSTANTS.ORDER_PATH_URL)
HISTORY_URL = web_utils.rest_url(CONSTANTS.ORDER_HISTORY_PATH_URL)


def expired_frame(client_id: int, executed: str = "0", reason: str = "ReduceOnlyNotReduced"):
    return {"e": "orderExpired", "E": 1_700_000_000_000_000, "s": SYMBOL, "i": "11000000042", "c": client_id,
            "S": "Ask", "o": "MARKET", "f": "GTC", "q": "0.5", "X": "Expired", "z": executed, "Z": "0",
            "V": "RejectTaker", "T": 1_700_000_000_000_000, "O": "USER", "y": False, "r": True, "R": reason,
            "t": None}


class ReduceOnlyExpiryTests(IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.derivative = make_derivative()
        self.failures, self.cancels = EventLogger(), EventLogger()
        self.derivative.add_listener(MarketEvent.OrderFailure, self.failures)
        self.derivative.add_listener(MarketEvent.OrderCancelled, self.cancels)
        self.client_id = 424242

    def track_close(self):
        self.derivative.start_tracking_order(order_id=str(self.client_id), exchange_order_id="11000000042",
                                             trading_pair=PAIR, trade_type=TradeType.SELL, price=Decimal("180"),
                                             amount=Decimal("0.5"), order_type=OrderType.MARKET,
                                             position_action=PositionAction.CLOSE)
        order = self.derivative.in_flight_orders[str(self.client_id)]
        order.current_state = OrderState.OPEN
        return order

    async def settle(self):
        for _ in range(5):
            await asyncio.sleep(0)

    def warnings(self, logs):
        return [r.getMessage() for r in logs.records if r.levelname == "WARNING"]

    async def test_stream_expiry_with_nothing_to_reduce_is_one_failure_with_the_reason(self):
        order = self.track_close()
        with self.assertLogs(self.derivative.logger(), level="INFO") as logs:
            await self.derivative._process_order_event(expired_frame(self.client_id))
            await self.derivative._process_order_event(expired_frame(self.client_id))  # a duplicate frame
            await self.settle()
        self.assertEqual(OrderState.FAILED, order.current_state)
        self.assertEqual([], self.cancels.event_log)
        self.assertEqual(1, len(self.failures.event_log))
        failure = self.failures.event_log[0]
        self.assertEqual((str(self.client_id), "ReduceOnlyNotReduced"), (failure.order_id, failure.error_type))
        self.assertIn("nothing left to reduce", failure.error_message)
        self.assertEqual(1, len([m for m in self.warnings(logs) if "nothing left to reduce" in m]))

    def fill_history_of(self, order, executed: str):
        """The order's fill history, as the connector reads it before applying a final state with fills missing."""
        fee = TradeFeeBase.new_perpetual_fee(fee_schema=self.derivative.trade_fee_schema(),
                                             position_action=PositionAction.CLOSE, percent_token="USDC", flat_fees=[])
        fill = TradeUpdate(trade_id=f"fill-{order.client_order_id}", client_order_id=order.client_order_id,
                           exchange_order_id=order.exchange_order_id, trading_pair=PAIR, fill_timestamp=1_700_000_000,
                           fill_price=Decimal("180"), fill_base_amount=Decimal(executed),
                           fill_quote_amount=Decimal(executed) * Decimal("180"), fee=fee)
        return AsyncMock(return_value=[fill] if Decimal(executed) else [])

    async def test_expiry_after_partial_fills_or_for_another_reason_stays_a_cancel(self):
        for executed, reason in (("0.2", "ReduceOnlyNotReduced"), ("0", "ImmediateOrCancel")):
            with self.subTest(executed=executed, reason=reason):
                self.client_id += 1
                order = self.track_close()
                # The fill of the partial case was not delivered: it is fetched before the final state (issue 22).
                history = self.fill_history_of(order, executed)
                with patch.object(self.derivative, "_all_trade_updates_for_order", history):
                    await self.derivative._process_order_event(expired_frame(self.client_id, executed, reason))
                    await self.settle()
                self.assertEqual(OrderState.CANCELED, order.current_state)
                self.assertEqual(Decimal(executed), order.executed_amount_base)
        self.assertEqual([], self.failures.event_log)
        self.assertEqual(2, len(self.cancels.event_log))

    async def test_status_poll_reads_the_reason_from_order_history(self):
        order = self.track_close()
        row = rest_order("11000000042", self.client_id, SYMBOL, "Expired", Decimal("0.5"), Decimal("180"), side="Ask")
        row["expiryReason"] = "ReduceOnlyNotReduced"
        with aioresponses() as mocked:
            mocked.get(f"{ORDER_URL}?clientId={self.client_id}&symbol={SYMBOL}", status=404,
                       body=json.dumps({"code": "RESOURCE_NOT_FOUND", "message": "Order not found"}))
            mocked.get(f"{HISTORY_URL}?limit=1000&offset=0&orderId=11000000042&sortDirection=Desc&symbol={SYMBOL}",
                       body=json.dumps([row]))
            update = await self.derivative._request_order_status(order)
        self.assertEqual(OrderState.FAILED, update.new_state)
        self.assertIn("nothing left to reduce", update.misc_updates["error_message"])
