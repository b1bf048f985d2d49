"""Scenarios 12 and 13: an order create the exchange registers late (well after the connector's first
lookups), and cancels answered 202 "accepted, not yet executed" without a body."""
import asyncio
import time
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, PERP_SYMBOL, SPOT_SYMBOL, wait_for

LOOKUPS_S = (0.5, 1.0)  # the connector's first lookups of an unanswered create: 1.5 s here (7.5 s by default)
LATE_S = 5.0  # the exchange registers the create this long after it arrived: well after those lookups


class LateRegistrationTests(ReliabilityTestCase):
    PERP = True

    async def test_12_create_registered_late(self):
        self.scenario("12 create registered late, or never (window ended)")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        for connector in (spot, perp):
            connector.ORDER_LOOKUP_RETRY_DELAYS_S = LOOKUPS_S
        spot._auth.window_ms = 20_000  # signed for 20 s: the late command still reaches the engine in time
        await self.fault(venue.admin.late_order_creates(after=LATE_S, answer="503"))
        started = time.monotonic()
        late = spot.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("150"))
        await asyncio.sleep(LATE_S - 1.0)  # the lookups are long over, the order is not on the exchange yet
        self.assertEqual([], venue.emulator_orders())
        order = spot.in_flight_orders.get(late)
        self.assertIsNotNone(order, "the order whose create got no clear answer was dropped")
        self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
        self.assertIn(late, spot.orders_with_unknown_outcome)
        self.assertEqual([], self.failures())

        await wait_for(lambda: order.current_state == OrderState.OPEN, "the late order to be reconciled", timeout=8)
        self.assertGreater(time.monotonic() - started, LATE_S - 0.5)
        self.assertEqual({}, spot.orders_with_unknown_outcome)
        self.assertEqual([late], [e.order_id for e in self.events(spot, MarketEvent.BuyOrderCreated)])
        venue.counterparty(SPOT_SYMBOL, "Ask", "1", "150")
        await wait_for(lambda: late in self.completed(spot), "the late order to fill")

        # perp, default 5 s window: the command reaches the engine after its window and is refused there; the
        # connector fails the order only once the exchange's clock is past that window, never before
        await self.fault(venue.admin.late_order_creates(after=LATE_S + 2.0, answer="hang"))
        perp.ORDER_CREATE_TIMEOUT_S = 1.0
        signed_at = time.monotonic()
        never = perp.sell(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("210"), position_action=PositionAction.OPEN)
        await wait_for(lambda: self.failures(), "the never-executed order to fail", timeout=15)
        self.assertGreater(time.monotonic() - signed_at, perp._auth.window_ms / 1000)
        self.assertEqual([never], [e.order_id for e in self.failures()])
        self.assertIn("never executed", self.failures()[0].error_message)
        await asyncio.sleep(LATE_S + 2.5 - (time.monotonic() - signed_at))
        late_faults = (await venue.admin.faults())["lateOrderCreates"]
        self.assertEqual((1, 1), (late_faults["registered"], late_faults["refused"]))
        self.assertEqual([], venue.emulator_orders(PERP_SYMBOL))
        self.assertEqual(1, len(venue.order_requests()) - 1)  # one create each, nothing re-sent
        await self.assert_consistent()


class AcceptedCancelTests(ReliabilityTestCase):

    async def test_13_cancels_answered_202_and_cancel_all_sparing_manual_orders(self):
        self.scenario("13 cancels answered 202; cancel-all spares manual orders")
        spot, venue = self.venue.spot, self.venue
        exchange = venue.server.exchange
        manual = exchange.execute_order(venue.api_key, {  # the user's own order on the same account, no clientId
            "symbol": SPOT_SYMBOL, "side": "Bid", "orderType": "Limit", "quantity": "1", "price": "120"})
        single = await self.place(spot, "buy", "1", "140")
        await self.fault(venue.admin.accept_cancels("/api/v1/order", count=1, after=1.0))
        spot.cancel(PAIR, single)
        order = spot.in_flight_orders[single]
        await wait_for(lambda: order.current_state == OrderState.PENDING_CANCEL, "the cancel to be accepted")
        self.assertEqual([], self.events(spot, MarketEvent.OrderCancelled))
        self.assertIn(single, {str(o.client_id) for o in exchange.open_orders.values()})  # not executed yet
        await wait_for(lambda: self.events(spot, MarketEvent.OrderCancelled), "the accepted cancel to be confirmed")
        self.assertEqual([single], [e.order_id for e in self.events(spot, MarketEvent.OrderCancelled)])

        # the strategy stops: cancel-all cancels the bot's orders (each answered 202 here), never the manual one
        stopping = [await self.place(spot, "buy", "1", price) for price in ("141", "142")]
        await self.fault(venue.admin.accept_cancels("/api/v1/order", count=2, after=0.5))
        results = await spot.cancel_all(5)
        self.assertEqual({o: True for o in stopping}, {r.order_id: r.success for r in results})
        await wait_for(lambda: len(self.events(spot, MarketEvent.OrderCancelled)) == 3, "the cancel-all events")
        self.assertEqual([], venue.server.request_log.entries(path="/api/v1/orders", method="DELETE"))
        self.assertEqual([manual.id], [o.id for o in exchange.open_orders.values()])
        await self.assert_consistent()
