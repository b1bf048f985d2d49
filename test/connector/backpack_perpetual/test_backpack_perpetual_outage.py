"""Issue 22 item 4, perp: a failing `/api/v1/position` must not make the status poll spin. Raised out of the poll,
it made Hummingbot's loop run the whole poll again every 0.5 s, order lookups included (with 503s counted as
"not found": a resting order failed after 1.6 s). Now it is logged like a failed balances request, and the poll
runs once per trigger. Time is the event loop's, moved by the test (LoopClock)."""
import asyncio
import json
import re
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

from aioresponses import aioresponses

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState, OrderUpdate
from test.connector.backpack.helpers import ClosesSharedHttpSession
from test.connector.backpack.loop_clock import LoopClock
from test.connector.backpack_perpetual.helpers import PAIR, make_derivative

UNAVAILABLE = json.dumps({"code": "SERVICE_UNAVAILABLE", "message": "Unknown error"})


class PerpOutageTests(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.derivative = make_derivative()
        self.mock_api = aioresponses()
        self.mock_api.start()
        self.clock = LoopClock()

    async def asyncTearDown(self):
        self.clock.close()
        self.mock_api.stop()
        await super().asyncTearDown()

    async def test_failing_positions_request_does_not_make_the_poll_spin(self):
        derivative = self.derivative
        derivative.start_tracking_order(order_id="501", exchange_order_id="9001", trading_pair=PAIR,
                                        trade_type=TradeType.BUY, price=Decimal("180"), amount=Decimal("1"),
                                        order_type=OrderType.LIMIT)
        order = derivative.in_flight_orders["501"]
        await derivative._order_tracker.apply_order_update(OrderUpdate(
            client_order_id="501", exchange_order_id="9001", trading_pair=PAIR, update_timestamp=1640780000,
            new_state=OrderState.OPEN))
        base = web_utils.rest_url("", derivative.rest_base_url)
        self.mock_api.get(web_utils.rest_url(CONSTANTS.SERVER_TIME_PATH_URL, derivative.rest_base_url),
                          body="1640780000000", repeat=True)
        self.mock_api.get(re.compile("^" + re.escape(base) + ".*"), status=503, body=UNAVAILABLE, repeat=True)
        polls = []
        update_order_status = derivative._update_order_status

        async def counted():
            polls.append(self.clock.time())
            await update_order_status()
        derivative._update_order_status = counted
        loop = asyncio.ensure_future(derivative._status_polling_loop())
        derivative._poll_notifier.set()  # one poll triggered, while /position (and everything) answers 503
        await self.clock.advance(3.0)
        loop.cancel()
        self.assertEqual(1, len(polls))
        position_requests = [call for key, calls in self.mock_api.requests.items() for call in calls
                             if key[0] == "GET" and str(key[1]).startswith(base + CONSTANTS.POSITION_PATH_URL)]
        self.assertEqual(1, len(position_requests))
        self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertEqual(0, derivative._order_tracker._order_not_found_records.get("501", 0))
