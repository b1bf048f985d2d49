"""Scenarios 32, 33 and 37 (issue 22 items 3, 4 and 8), at Hummingbot's real timings (real_timings.py): the status
poll every 120 s while the private stream is live and every 5 s on a quiet one, the 30 s completed-order cache,
and the connector's own timeouts and pauses (10 s create timeout, 7.5 s of lookups, 5 s signature window).

32: the matching engine gets to a create after its signature window: it executes it all the same, or refuses it.
    Meanwhile the 5 s polls do not count the order as lost (its create is unresolved). An order failed as presumed
    never executed that the engine executed after all is matched again: its fill is reported and it is cancelled;
    cancel-all reaches one that never shows up.
33: an outage (503 on every account request) with resting orders: nothing is failed or cancelled, and the perp's
    poll does not spin on its failing `/position`.
37: creates and cancels waiting in a full rate limiter are signed when they leave and timed on the wire only.
"""
import asyncio
import time
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, PERP_SYMBOL, SPOT_SYMBOL, wait_for

ORDER_PATH = "/api/v1/order"
LATE_S = 14.0  # real seconds before the engine gets to the creates: after the connector presumed them failed
ACCOUNT_READS = ("/api/v1/orders", ORDER_PATH, "/wapi/v1/history/orders", "/wapi/v1/history/fills",
                 "/api/v1/position", "/api/v1/capital", "/api/v1/capital/collateral", "/api/v1/borrowLend/positions",
                 "/api/v1/account")


class UnresolvedOrderTests(ReliabilityTestCase):
    PERP = True
    REAL_TIMINGS = True

    async def quiet_stream(self):
        """The private stream stays silent (no pongs counted): Hummingbot polls every 5 s from 60 s on."""
        self.clock.stream_pongs = False
        await self.clock.advance(61)

    async def test_32_late_engine_executes_or_refuses_a_create_after_its_window(self):
        self.scenario("32 late engine executes / refuses a create after its window (real timings)")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        for connector in (spot, perp):  # the connector's real timings
            self.assertEqual((10.0, (0.5, 1.0, 2.0, 4.0), 5000), (
                connector.ORDER_CREATE_TIMEOUT_S, connector.ORDER_LOOKUP_RETRY_DELAYS_S, connector._auth.window_ms))
        await self.quiet_stream()
        venue.counterparty(SPOT_SYMBOL, "Ask", "0.4", "150", tif="GTC")  # what the late buy takes when it executes
        await self.fault(venue.admin.late_order_creates(after=LATE_S, answer="503", engine="execute_late"))
        executed = spot.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("150"))
        await wait_for(lambda: len(venue.order_requests()) == 1, "the spot create to arrive")
        await self.fault(venue.admin.late_order_creates(after=LATE_S, answer="503", engine="refuse_late"))
        refused = perp.sell(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("250"), position_action=PositionAction.OPEN)
        await wait_for(lambda: len(venue.order_requests()) == 2, "the perp create to arrive")

        # the creates are unresolved (503, then the lookups): Hummingbot's 5 s polls for 25 s do not count them
        for _ in range(5):
            await self.clock.until_next_poll(spot)
        for connector, order_id in ((spot, executed), (perp, refused)):
            order = connector.in_flight_orders.get(order_id)
            self.assertIsNotNone(order, f"{connector.name} gave its order up as lost while its create was unresolved")
            self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
            self.assertEqual({}, connector._order_tracker.lost_orders)
        self.assertEqual([], self.failures())

        # not found once the window ended: failed, presumed never executed, and still watched
        await wait_for(lambda: len(self.failures()) == 2, "both orders to be presumed never executed", timeout=20)
        self.assertEqual({executed, refused}, {e.order_id for e in self.failures()})
        self.assertTrue(all("presumed never executed" in e.error_message for e in self.failures()))
        self.assertEqual([], venue.emulator_orders())  # the engine has not got to them yet
        self.assertIn(refused, perp.orders_presumed_failed)

        # the engine executes the spot buy (0.4 filled against the resting ask) and refuses the perp sell
        def late_order_closed() -> bool:
            return [o.status for o in venue.emulator_orders(SPOT_SYMBOL)] == ["Cancelled"]
        await wait_for(lambda: late_order_closed() and self.events(spot, MarketEvent.OrderFilled),
                       "the late order's fill to be reported, and the order cancelled", timeout=LATE_S + 10)
        await wait_for(lambda: executed not in spot.orders_presumed_failed, "the connector to let it go")
        late = (await venue.admin.faults())["lateOrderCreates"]
        self.assertEqual((1, 1), (late["registered"], late["refused"]))
        filled = [e for e in self.events(spot, MarketEvent.OrderFilled) if e.order_id == executed]
        self.assertEqual([Decimal("0.4")], [e.amount for e in filled])
        (order,) = venue.emulator_orders(SPOT_SYMBOL)
        self.assertEqual((str(order.client_id), "Cancelled", Decimal("0.4")),
                         (executed, order.status, order.executed_quantity))
        self.assertEqual([], venue.emulator_orders(PERP_SYMBOL))

        # the strategy stops: cancel-all looks for the perp order that may still show up (it never will) by its
        # clientId, and cancels nothing on that guess (another bot of the account may reuse the clientId)
        looked_up = len(venue.server.request_log.entries(path=ORDER_PATH, method="GET"))
        self.assertEqual([], await perp.cancel_all(5))
        lookups = venue.server.request_log.entries(path=ORDER_PATH, method="GET")[looked_up:]
        self.assertIn(refused, [str(entry["params"].get("clientId")) for entry in lookups])
        cancels = venue.server.request_log.entries(path=ORDER_PATH, method="DELETE")
        self.assertNotIn(int(refused), [entry["params"].get("clientId") for entry in cancels])
        self.assertEqual(2, len(venue.order_requests()))  # one create each, nothing re-sent
        await self.clock.until_next_poll(spot)  # the balances of the late fill (polled: no balance stream)
        await self.assert_consistent()

    async def test_33_outage_with_resting_orders(self):
        self.scenario("33 outage: 503 on every account request, orders resting (real timings)")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        spot_order = await self.place(spot, "buy", "1", "140")
        perp_order = await self.place(perp, "buy", "1", "140")
        await self.quiet_stream()
        for path in ACCOUNT_READS:
            await self.fault(venue.admin.fail_next(path, 503, count=10_000, method="GET"))
        perp_polls = len(self.clock.polls(perp))
        for poll in range(1, 7):  # 30 s of outage: Hummingbot's 5 s polls
            await self.clock.until_next_poll(spot)
            await asyncio.sleep(0.6)  # real time in which a poll loop retrying a failed poll (0.5 s) runs it again
            self.assertEqual(perp_polls + poll, len(self.clock.polls(perp)), "the perp poll ran more than once")
        self.assertEqual([], self.failures())
        for connector, order_id in ((spot, spot_order), (perp, perp_order)):
            self.assertEqual(OrderState.OPEN, connector.in_flight_orders[order_id].current_state)
            self.assertEqual({}, connector._order_tracker.lost_orders)

        await venue.admin.clear_faults()  # the outage ends: the polls find the orders as they were
        for _ in range(2):
            await self.clock.until_next_poll(spot)
        self.assertEqual([], venue.server.request_log.entries(path=ORDER_PATH, method="DELETE"))
        self.assertEqual(2, len(venue.server.exchange.open_orders))
        await self.assert_consistent()

    async def test_37_creates_and_cancels_wait_in_a_full_rate_limiter(self):
        self.scenario("37 create and cancel waiting in a full rate limiter (real timings)")
        spot, venue = self.venue.spot, self.venue
        resting = await self.place(spot, "buy", "1", "140")
        waited_s = 11.0  # longer than the create's 10 s timeout and the 5 s signature window
        self.fill_rate_limiter(spot, free_in_s=waited_s)
        self.stats.faults += 1
        started = time.monotonic()
        created = spot.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("141"))
        spot.cancel(PAIR, resting)
        await asyncio.sleep(waited_s - 1.0)
        self.assertEqual(1, len(venue.order_requests()))  # nothing left the process yet
        self.assertEqual([], venue.server.request_log.entries(path=ORDER_PATH, method="DELETE"))
        await wait_for(lambda: created in spot.in_flight_orders and
                       spot.in_flight_orders[created].current_state == OrderState.OPEN and
                       self.events(spot, MarketEvent.OrderCancelled), "the create and the cancel", timeout=10)
        self.assertGreater(time.monotonic() - started, waited_s - 0.5)
        refused = [entry for entry in venue.server.request_log.entries(path=ORDER_PATH) if entry["status"] != 200]
        self.assertEqual([], refused)  # signed as they left: no "Request has expired"
        self.assertEqual(2, len(venue.order_requests()))
        self.assertEqual([], venue.server.request_log.entries(path=ORDER_PATH, method="GET"))  # no lookup
        self.assertEqual({}, spot.orders_with_unknown_outcome)
        self.assertEqual([], self.failures())
        await self.clock.until_next_poll(spot)  # the balances (polled: no balance stream)
        await self.assert_consistent()

    @staticmethod
    def fill_rate_limiter(connector, free_in_s: float):
        """The account's other requests took its whole budget (2000/min) `free_in_s` seconds short of a minute ago:
        the connector's next request waits that long in its rate limiter."""
        windows = connector._throttler.execute_task(CONSTANTS.ORDER_PATH_URL)._windows
        window = next(w for w, _ in windows if w.limit_id == CONSTANTS.GLOBAL_LIMIT_ID)
        booked_at = time.time() - (window.span_s - free_in_s)
        while window.has_room(1):  # older than what it holds: first in its time-ordered queues
            window.times.appendleft(booked_at)
            window.weights.appendleft(1)
            window.used += 1
