"""Self-test of the real-timings harness (real_timings.py): Hummingbot's own poll rule, the completed-order cache
TTL and the exchange's clock, in virtual time moved by the test."""
import time

from hummingbot.connector.exchange_py_base import ExchangePyBase
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, wait_for


class RealTimingsHarnessTests(ReliabilityTestCase):
    PERP = True
    REAL_TIMINGS = True

    def test_hummingbot_intervals_are_untouched(self):
        for connector in self.venue.connectors:
            self.assertEqual((5.0, 120.0, 60.0), (connector.SHORT_POLL_INTERVAL, connector.LONG_POLL_INTERVAL,
                                                  connector.TICK_INTERVAL_LIMIT))
            self.assertEqual(30, connector._order_tracker._cached_orders.ttl)

    async def test_live_stream_polls_every_120_virtual_seconds(self):
        start = self.clock.now
        for connector in self.venue.connectors:
            self.assertEqual([start], self.clock.polls(connector))  # the first tick polls (balances: ready)
        self.assertEqual(0, await self.clock.advance(119))
        for connector in self.venue.connectors:
            self.assertEqual([start], self.clock.polls(connector))
        self.assertEqual(2, await self.clock.advance(1))  # one poll per connector
        for connector in self.venue.connectors:
            self.assertEqual([start, start + 120], self.clock.polls(connector))
        self.assertEqual(120, await self.clock.until_next_poll(self.venue.spot))
        self.assertEqual([start, start + 120, start + 240], self.clock.polls(self.venue.perp))

    async def test_silent_stream_polls_every_5_virtual_seconds(self):
        """Hummingbot's rule: a stream silent for more than TICK_INTERVAL_LIMIT (60 s) means the 5 s poll."""
        start = self.clock.now
        self.clock.stream_pongs = False  # only the frames really received count (none come now)
        await self.clock.advance(64)
        self.assertEqual([start], self.clock.polls(self.venue.spot))  # silent for 61 s first at +61
        self.assertEqual(1, await self.clock.until_next_poll(self.venue.spot))
        self.assertEqual(5, await self.clock.until_next_poll(self.venue.spot))
        self.assertEqual([start, start + 65, start + 70], self.clock.polls(self.venue.spot))
        self.clock.stream_pongs = True  # pongs again: back to 120 s, on its boundary
        self.assertEqual(50, await self.clock.until_next_poll(self.venue.spot))

    async def test_completed_order_leaves_the_cache_after_30_virtual_seconds(self):
        spot = self.venue.spot
        order_id = await self.place(spot, "buy", "1", "100")
        spot.cancel(PAIR, order_id)
        await wait_for(lambda: self.events(spot, MarketEvent.OrderCancelled), "the cancel event")
        tracker = spot._order_tracker
        self.assertIsNotNone(tracker.all_fillable_orders.get(order_id))
        await self.clock.advance(29)
        self.assertIsNotNone(tracker.all_fillable_orders.get(order_id))
        await self.clock.advance(1)
        self.assertIsNone(tracker.all_fillable_orders.get(order_id))
        self.assertIsNone(tracker.fetch_order(order_id))

    async def test_exchange_clock_moves_with_virtual_time(self):
        """The emulator's clock and the connectors' view of it follow: orders signed after a long move are
        accepted without a "Request has expired" and a re-sync, their times are in virtual time."""
        await self.clock.advance(600)
        server_s = self.venue.server.clock.now_ms() / 1e3
        self.assertLess(abs(server_s - self.clock.now), 30)  # the emulator runs on in real time between moves
        connector: ExchangePyBase
        for connector in self.venue.connectors:
            self.assertLess(abs(connector._time_synchronizer.time() - server_s), 1)
        order_id = await self.place(self.venue.spot, "buy", "1", "100")
        order = self.venue.emulator_orders()[-1]
        self.assertEqual(order_id, str(order.client_id))
        self.assertGreaterEqual(order.created_ms / 1e3, self.clock.now - 1)
        self.assertGreater(order.created_ms / 1e3, time.time() + 590)
        expired = [e for e in self.venue.server.request_log.entries() if "expired" in str(e).lower()]
        self.assertEqual([], expired)
