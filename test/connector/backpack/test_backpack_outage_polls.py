"""Issue 22 item 4: an outage must not fail live orders. Only a definite answer that an order is absent counts
towards Hummingbot giving it up as lost (backpack_lost_order_counting); a 5xx, a 429 or a timeout does not, however
many polls see it (the perp's failing `/position` no longer makes the poll spin: test_backpack_perpetual_outage.py).
"""
import asyncio
import json
import re

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.in_flight_order import OrderState, OrderUpdate
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import url_regex
from test.connector.backpack.order_test_case import NOT_FOUND, BackpackOrderTestCase

UNAVAILABLE = json.dumps({"code": "SERVICE_UNAVAILABLE", "message": "Unknown error"})
TOO_MANY = json.dumps({"code": "TOO_MANY_REQUESTS", "message": "Too many requests"})


class OutagePollTests(BackpackOrderTestCase):

    def every_request(self, **answer):
        self.mock_api.get(re.compile("^" + re.escape(self.url("")) + ".*"), repeat=True, **answer)

    async def open_order(self):
        order = self.track("501", "9001")
        await self.exchange._order_tracker.apply_order_update(OrderUpdate(
            client_order_id="501", exchange_order_id="9001", trading_pair="SOL-USDC", update_timestamp=1640780000,
            new_state=OrderState.OPEN))
        return order

    async def test_failed_status_answers_never_count_an_open_order_as_not_found(self):
        order = await self.open_order()
        self.exchange._request_pool.backoff.on_rate_limited = lambda *args: 0.0  # the 429 pause: not the subject
        polls = 2 * (self.exchange._order_tracker.lost_order_count_limit + 1)
        for answer in ({"status": 503, "body": UNAVAILABLE}, {"status": 429, "body": TOO_MANY},
                       {"exception": asyncio.TimeoutError()}):
            self.mock_api.clear()
            self.every_request(**answer)
            for _ in range(polls):
                await self.exchange._update_order_status()
            self.assertTrue(self.sent("GET", CONSTANTS.ORDER_PATH_URL), "the order was looked up")
            self.assertEqual(0, self.exchange._order_tracker._order_not_found_records.get("501", 0), answer)
        self.assertEqual((OrderState.OPEN, {}), (order.current_state, self.exchange._order_tracker.lost_orders))
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)
        await self.exchange._cancel_lost_orders()  # what Hummingbot's lost-order loop does every 5 s
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDER_PATH_URL))

    async def test_a_definite_not_found_still_counts(self):
        """Not resting, nor in order or fill history (answers of the exchange): Hummingbot's lost-order rule holds."""
        order = await self.open_order()
        self.mock_api.get(self.url(CONSTANTS.ORDERS_PATH_URL), body="[]", repeat=True)
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND, repeat=True)
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_HISTORY_PATH_URL)), body="[]", repeat=True)
        self.mock_api.get(url_regex(self.url(CONSTANTS.FILL_HISTORY_PATH_URL)), body="[]", repeat=True)
        for _ in range(self.exchange._order_tracker.lost_order_count_limit + 1):
            await self.exchange._update_order_status()
        await asyncio.sleep(0)
        self.assertEqual(OrderState.FAILED, order.current_state)
        self.assertIn("501", self.exchange._order_tracker.lost_orders)
