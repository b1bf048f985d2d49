"""Scenarios 3, 4 and 5: 429 storm on order create, 503 on cancel, create accepted but never answered."""
import asyncio
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, PERP_SYMBOL, SPOT_SYMBOL, wait_for

ORDER_PATH = "/api/v1/order"


class RateLimitStormTests(ReliabilityTestCase):

    async def test_3_429_storm_on_order_create(self):
        self.scenario("3 429 storm on order create")
        spot = self.venue.spot
        await self.fault(self.venue.admin.fail_next(ORDER_PATH, 429, count=3, method="POST"))
        order_ids = []
        for index in range(6):  # a strategy placing orders one after the other
            order_ids.append(spot.buy(PAIR, Decimal("0.5"), OrderType.LIMIT, Decimal(100 + index)))
            await asyncio.sleep(0.2)

        def settled():
            created = {e.order_id for e in self.events(spot, MarketEvent.BuyOrderCreated)}
            failed = {e.order_id for e in self.events(spot, MarketEvent.OrderFailure)}
            return created, failed

        await wait_for(lambda: set.union(*settled()) == set(order_ids), "every order placed or failed", timeout=15)
        created, failed = settled()
        self.assertEqual((3, 3, set()), (len(created), len(failed), created & failed))
        resting = {str(o.client_id) for o in self.venue.server.exchange.open_orders.values()}
        self.assertEqual(created, resting)  # the failed ones really do not exist

        requests = self.venue.order_requests()
        self.assertEqual(6, len(requests))  # no retry storm: one request per order
        statuses = [r["status"] for r in requests]
        self.assertEqual(3, statuses.count(429))
        first_429 = next(r["time"] for r in requests if r["status"] == 429)
        # the account pauses after a 429 (1 s backoff): nothing but requests already on the wire arrives meanwhile
        during_pause = [r for r in requests if first_429 + 150 < r["time"] < first_429 + 900]
        self.assertEqual([], during_pause)

        late = await self.place(spot, "buy", "0.5", "110")  # the storm is over: orders go through again
        self.assertEqual(OrderState.OPEN, spot.in_flight_orders[late].current_state)
        await self.assert_consistent()


class CancelUnavailableTests(ReliabilityTestCase):
    PERP = True

    async def test_4_503_on_cancel(self):
        self.scenario("4 503 on cancel")
        spot, perp = self.venue.spot, self.venue.perp
        resting = await self.place(spot, "sell", "1", "250")
        filling = await self.place(perp, "buy", "1", "150")
        self.venue.counterparty(PERP_SYMBOL, "Ask", "0.4", "150")
        await self.wait_filled(perp, "0.4", "the perp partial fill")

        await self.fault(self.venue.admin.fail_next(ORDER_PATH, 503, count=2, method="DELETE"))
        spot.cancel(PAIR, resting)
        await wait_for(lambda: len(self.cancel_requests()) == 1, "the first cancel attempt")
        perp.cancel(PAIR, filling)
        await wait_for(lambda: len(self.cancel_requests()) == 2, "the second cancel attempt")
        await asyncio.sleep(0.2)
        # both cancels failed: the orders still rest, and the connectors still track them as such
        self.assertEqual(OrderState.OPEN, spot.in_flight_orders[resting].current_state)
        self.assertEqual(OrderState.PARTIALLY_FILLED, perp.in_flight_orders[filling].current_state)
        self.assertEqual([], self.events(spot, MarketEvent.OrderCancelled))
        self.assertEqual([], self.events(perp, MarketEvent.OrderCancelled))

        # the perp order fills while its cancel is pending: its final state is Filled, not Cancelled
        self.venue.counterparty(PERP_SYMBOL, "Ask", "0.6", "150")
        await wait_for(lambda: self.events(perp, MarketEvent.BuyOrderCompleted), "the perp order to fill")
        # the strategy cancels again: answered this time
        spot.cancel(PAIR, resting)
        await wait_for(lambda: self.events(spot, MarketEvent.OrderCancelled), "the spot cancel")
        self.assertEqual([], self.events(perp, MarketEvent.OrderCancelled))

        # cancel-all under 503: reported as failed, the orders stay tracked; the retry cancels them
        others = [await self.place(spot, "buy", "0.5", price) for price in ("120", "121")]
        # (cancel-all cancels the bot's orders one by one: both cancels answered 503)
        await self.fault(self.venue.admin.fail_next(ORDER_PATH, 503, count=2, method="DELETE"))
        self.assertEqual([False, False], [r.success for r in await spot.cancel_all(5)])
        self.assertTrue(all(spot.in_flight_orders[o].current_state == OrderState.OPEN for o in others))
        self.assertEqual([True, True], [r.success for r in await spot.cancel_all(5)])
        await wait_for(lambda: len(self.events(spot, MarketEvent.OrderCancelled)) == 3, "the cancel-all events")
        await self.assert_consistent()

    def cancel_requests(self):
        return self.venue.server.request_log.entries(path=ORDER_PATH, method="DELETE")


class UnansweredCreateTests(ReliabilityTestCase):
    PERP = True

    async def test_5_create_accepted_but_never_answered(self):
        self.scenario("5 create accepted, response lost")
        spot, perp = self.venue.spot, self.venue.perp
        spot.ORDER_CREATE_TIMEOUT_S = 1.5  # instead of 10 s, to keep the suite short
        # spot: the answer never comes (the connector gives up waiting); perp: the connection drops unanswered
        await self.fault(self.venue.admin.hang_order_creates(count=1))
        spot_order = spot.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("150"))
        await wait_for(lambda: self.hung() == 1, "the spot create to hang")
        await self.fault(self.venue.admin.hang_order_creates(count=1, seconds=0.3))
        perp_order = perp.sell(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("200"), position_action=PositionAction.OPEN)
        await wait_for(lambda: self.hung() == 2, "the perp create to hang")
        await asyncio.sleep(2.5)  # both creates have ended without an answer by now
        for connector, order_id in ((spot, spot_order), (perp, perp_order)):
            order = connector.in_flight_orders.get(order_id)
            self.assertIsNotNone(order, f"{connector.name} dropped the order whose create was never answered")
            self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertEqual([], self.failures())
        self.assertEqual(2, len(self.venue.server.exchange.open_orders))
        self.assertEqual(2, len(self.venue.order_requests()))  # not duplicated by a retry

        # they keep living normally: fills and completion through the streams
        self.venue.counterparty(SPOT_SYMBOL, "Ask", "1", "150")
        self.venue.counterparty(PERP_SYMBOL, "Bid", "1", "200")
        await wait_for(lambda: self.events(spot, MarketEvent.BuyOrderCompleted), "the spot order to fill")
        await wait_for(lambda: self.events(perp, MarketEvent.SellOrderCompleted), "the perp order to fill")
        await self.assert_consistent()

    def hung(self) -> int:
        return sum(1 for r in self.venue.server.request_log.entries(path=ORDER_PATH, method="POST") if r["hung"])
