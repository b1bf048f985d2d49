"""Issue 22 item 8: local waits are not "no answer". An order create or cancel waits in the process (the account's
rate limiter, the 429 back-off) before it is sent: it is signed when it leaves, not before those waits (a signature
made before them expires in them under load: "Request has expired"), and the create's timeout counts only its time
on the wire (a create that never left the process is not of unknown outcome). Time is the event loop's, moved by
the test (LoopClock): the connector's real 10 s create timeout and 5 s signature window."""
import asyncio
import json
from decimal import Decimal
from types import SimpleNamespace
from unittest.mock import patch

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_throttler
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import rest_order, url_regex
from test.connector.backpack.loop_clock import LoopClock
from test.connector.backpack.order_test_case import NOT_FOUND, BackpackOrderTestCase


class LocalWaitTests(BackpackOrderTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.clock = LoopClock()
        self.assertEqual(10.0, self.exchange.ORDER_CREATE_TIMEOUT_S)
        self.assertEqual(CONSTANTS.DEFAULT_WINDOW_MS, self.exchange._auth.window_ms)
        # the connector's view of the exchange's clock moves with the loop's
        self.exchange._time_synchronizer._current_seconds_counter = self.clock.wall
        self.exchange._request_pool.backoff._clock = self.clock.time

    async def asyncTearDown(self):
        self.clock.close()
        await super().asyncTearDown()

    def fill_rate_limiter(self, free_in_s: float):
        """The account's other requests took the whole global budget (2000/min) `free_in_s` seconds short of a
        minute ago: the next request waits that long in the rate limiter."""
        windows = self.exchange._throttler.execute_task(CONSTANTS.ORDER_PATH_URL)._windows
        window = next(w for w, _ in windows if w.limit_id == CONSTANTS.GLOBAL_LIMIT_ID)
        booked_at = self.clock.wall() - (window.span_s - free_in_s)
        while window.has_room(1):  # older than what it holds: first in its time-ordered queues
            window.times.appendleft(booked_at)
            window.weights.appendleft(1)
            window.used += 1

    def sent_timestamps(self, method: str, path: str):
        return [int(call.kwargs["headers"]["X-Timestamp"]) for call in self.sent(method, path)]

    async def test_create_and_cancel_are_signed_when_they_leave_the_rate_limiter(self):
        resting = self.track("501", "9001")
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response("9002", 700))
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("9001", 501, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))))
        with patch.object(backpack_throttler, "time", SimpleNamespace(time=self.clock.wall)):
            self.fill_rate_limiter(free_in_s=8.0)  # longer than the 5 s signature window
            asked_at_ms = self.exchange._time_synchronizer.time() * 1e3
            create = asyncio.ensure_future(self.create())
            cancel = asyncio.ensure_future(self.exchange._execute_cancel("SOL-USDC", resting.client_order_id))
            await self.clock.advance(7.5)
            self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL) + self.sent(
                "DELETE", CONSTANTS.ORDER_PATH_URL))  # both still wait in the process
            await self.clock.advance(1.0)
            await asyncio.wait_for(asyncio.gather(create, cancel), 1)
        for method in ("POST", "DELETE"):
            signed_at_ms = self.sent_timestamps(method, CONSTANTS.ORDER_PATH_URL)
            self.assertEqual(1, len(signed_at_ms))
            self.assertGreaterEqual(signed_at_ms[0], asked_at_ms + 7500)  # signed as it left, within its window
        self.assertEqual(OrderState.OPEN, self.exchange.in_flight_orders["700"].current_state)
        self.assertEqual(["501"], [e.order_id for e in self.events[MarketEvent.OrderCancelled].event_log])

    async def test_create_waiting_out_a_429_pause_longer_than_its_timeout_is_sent_not_of_unknown_outcome(self):
        """The exchange asked the account to pause 12 s (429 with Retry-After): the create waits for it, then is
        sent and answered. Its 10 s timeout counts from when it is sent: it is not "unanswered" (no lookup, no
        unknown outcome, nothing failed)."""
        self.exchange._request_pool.backoff.on_rate_limited(12.0)
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response("9002", 700))
        create = asyncio.ensure_future(self.create())
        await self.clock.advance(11.0)
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(OrderState.PENDING_CREATE, self.exchange.in_flight_orders["700"].current_state)
        await self.clock.advance(1.5)
        await asyncio.wait_for(create, 1)
        order = self.exchange.in_flight_orders["700"]
        self.assertEqual((OrderState.OPEN, "9002"), (order.current_state, order.exchange_order_id))
        self.assertEqual([], self.sent("GET", CONSTANTS.ORDER_PATH_URL))  # never looked up as unanswered
        self.assertEqual({}, self.exchange.orders_with_unknown_outcome)
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)

    async def test_create_unanswered_for_its_timeout_on_the_wire_is_of_unknown_outcome(self):
        """The timeout still applies to the wire: sent, then no answer for 10 s, the order is looked up."""
        self.exchange.UNKNOWN_OUTCOME_RECHECK_S = (3600.0,)
        answered = asyncio.Event()

        async def never_answered(url, **kwargs):
            await answered.wait()
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), callback=never_answered)
        self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body="1640780000000", repeat=True)
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND, repeat=True)
        self.history([])
        self.fills([])
        create = asyncio.ensure_future(self.create())
        await self.clock.advance(9.5)
        self.assertEqual(1, len(self.sent("POST", CONSTANTS.ORDER_PATH_URL)))
        self.assertEqual([], self.sent("GET", CONSTANTS.ORDER_PATH_URL))
        await self.clock.advance(1.0)
        await asyncio.wait_for(create, 1)
        self.assertTrue(self.sent("GET", CONSTANTS.ORDER_PATH_URL))  # looked up by its client id
        self.assertEqual(["700"], list(self.exchange.orders_with_unknown_outcome))
