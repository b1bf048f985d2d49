"""Cancels (issue 22, item 10 b and c): by exchange id once it is known, the answer checked against our order,
and a cancel accepted with 202 that never executes no longer leaves the order PENDING_CANCEL for good.
Time is driven: the connector's `_sleep` (the waits between the repeats) returns at once, the delays themselves
are Hummingbot-side defaults (5, 10, 30, 60 s, then 5 s) left untouched."""
import asyncio
import json
from decimal import Decimal
from unittest.mock import AsyncMock

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import rest_order, url_regex
from test.connector.backpack.order_test_case import NOT_FOUND, BackpackOrderTestCase


class CancelTestCase(BackpackOrderTestCase):

    async def wait_until(self, condition, timeout: float = 2.0):
        for _ in range(int(timeout / 0.01)):
            if condition():
                return
            await asyncio.sleep(0.01)
        self.fail("condition not met in time")


class CancelTargetTests(CancelTestCase):

    async def test_cancel_goes_by_exchange_id_once_known(self):
        self.track("910", "10")
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("10", 910, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))))
        self.assertEqual("910", await self.exchange._execute_cancel("SOL-USDC", "910"))
        self.assertEqual([{"symbol": "SOL_USDC", "orderId": "10"}], self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))
        await self.wait_until(lambda: self.events[MarketEvent.OrderCancelled].event_log)

    async def test_cancel_goes_by_client_id_before_the_exchange_id_is_known(self):
        self.track("911", None)
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("11", 911, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))))
        await self.exchange._execute_cancel("SOL-USDC", "911")
        self.assertEqual([{"symbol": "SOL_USDC", "clientId": 911}], self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))

    async def test_an_answer_about_another_order_does_not_cancel_ours(self):
        """Another order of the account carrying our clientId (another bot, an earlier run) was cancelled by a
        clientId cancel sent while our create was unanswered; ours got its exchange id meanwhile."""
        order = self.track("912", None)
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("99", 912, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))))
        sent = self.exchange._request_cancel(order)
        order.update_exchange_order_id("12")  # the create's answer arrives before the cancel's
        with self.assertLogs(self.exchange.logger(), level="ERROR") as logs:
            self.assertEqual("not cancelled", (await sent).value)
        self.assertIn("is about another order (exchange id 99", logs.output[0])
        self.assertIn("912", self.exchange.in_flight_orders)
        self.assertFalse(order.is_cancelled)
        self.assertEqual([], self.events[MarketEvent.OrderCancelled].event_log)


class CancelNeverExecutedTests(CancelTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange._sleep = AsyncMock()  # the waits between the repeats pass at once
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=202, body="", repeat=True)

    async def cancel_accepted(self, client_order_id: str, exchange_order_id: str):
        order = self.track(client_order_id, exchange_order_id)
        self.assertEqual(client_order_id, await self.exchange._execute_cancel("SOL-USDC", client_order_id))
        return order

    async def test_still_open_after_the_repeats_is_open_again(self):
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), body=json.dumps(
            rest_order("20", 920, "SOL_USDC", "New", Decimal("2"), Decimal("180"))))
        with self.assertLogs(self.exchange.logger(), level="WARNING") as logs:
            order = await self.cancel_accepted("920", "20")
            await self.wait_until(lambda: "920" not in self.exchange._cancel_confirmations)
        self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertEqual(1 + len(self.exchange.CANCEL_CONFIRM_DELAYS_S), len(self.sent("DELETE",
                                                                                     CONSTANTS.ORDER_PATH_URL)))
        self.assertTrue(any("accepted by backpack (202) but never executed: the order is still open on the exchange. "
                            "It is OPEN again" in line for line in logs.output), logs.output)
        self.assertEqual([], self.events[MarketEvent.OrderCancelled].event_log)
        # the poll's open row now applies (it was dropped as stale while the order was PENDING_CANCEL)
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDERS_PATH_URL)), body=json.dumps(
            [rest_order("20", 920, "SOL_USDC", "PartiallyFilled", Decimal("2"), Decimal("180"), Decimal("0.5"))]))
        self.mock_api.get(url_regex(self.url(CONSTANTS.FILL_HISTORY_PATH_URL)), body="[]", repeat=True)
        await self.exchange._update_order_status()
        await self.wait_until(lambda: order.current_state == OrderState.PARTIALLY_FILLED)

    async def test_cancelled_after_all_is_reported_once(self):
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND)
        self.history([rest_order("21", 921, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))])
        order = await self.cancel_accepted("921", "21")
        await self.wait_until(lambda: self.events[MarketEvent.OrderCancelled].event_log)
        self.assertEqual(OrderState.CANCELED, order.current_state)
        self.assertEqual(["921"], [e.order_id for e in self.events[MarketEvent.OrderCancelled].event_log])

    async def test_confirmed_by_the_stream_meanwhile_needs_no_lookup(self):
        order = self.track("922", "22")

        async def confirmed_meanwhile(_delay):
            await self.exchange._order_tracker.apply_order_update(self.exchange._state_update(order,
                                                                                                OrderState.CANCELED))
        self.exchange._sleep = confirmed_meanwhile
        await self.exchange._execute_cancel("SOL-USDC", "922")
        await self.wait_until(lambda: "922" not in self.exchange._cancel_confirmations)
        self.assertEqual([], self.sent("GET", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(OrderState.CANCELED, order.current_state)
