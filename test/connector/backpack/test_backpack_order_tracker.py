import unittest
from decimal import Decimal
from unittest.mock import MagicMock

from hummingbot.connector.exchange.backpack.backpack_order_tracker import BackpackOrderTracker, CompletedOrders
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder


def order(client_order_id: str) -> InFlightOrder:
    return InFlightOrder(client_order_id=client_order_id, trading_pair="SOL-USDC", order_type=OrderType.LIMIT,
                         trade_type=TradeType.BUY, amount=Decimal("1"), creation_timestamp=1, price=Decimal("10"))


class FillableOrdersTests(unittest.TestCase):
    """Hummingbot rebuilds `all_fillable_orders` as a new dict, walking its TTL cache of up to 1000 completed
    orders, for every fill (a third of the connector's time on a fill, bench/round_trip_bench.py)."""

    def setUp(self):
        self.tracker = BackpackOrderTracker(connector=MagicMock())
        self.active, self.cached, self.lost = order("active"), order("cached"), order("lost")
        self.tracker._in_flight_orders["active"] = self.active
        self.tracker._cached_orders["cached"] = self.cached
        self.tracker._lost_orders["lost"] = self.lost

    def test_same_orders_as_hummingbot_lost_winning_over_cached_over_active(self):
        self.tracker._cached_orders["active"] = cached_twin = order("active")
        fillable = self.tracker.all_fillable_orders
        self.assertEqual({"active": cached_twin, "cached": self.cached, "lost": self.lost}, dict(fillable))
        self.assertIs(self.lost, fillable.get("lost"))
        self.assertIsNone(fillable.get("unknown"))
        with self.assertRaises(TypeError):  # a view: writing to it cannot touch the tracker
            fillable["x"] = self.active

    def test_a_lookup_does_not_walk_the_cache(self):
        self.tracker._cached_orders.items = MagicMock(side_effect=AssertionError("walked the whole cache"))
        self.assertIs(self.cached, self.tracker.all_fillable_orders.get("cached"))


class UpdatableOrdersViewTests(unittest.TestCase):
    def test_updatable_orders_are_a_view_of_active_and_lost_orders(self):
        """Hummingbot copied every active order into a new dict for each order event; the view copies none and
        gives the same answer (a lost order wins over an active one of the same id, as in Hummingbot's merge)."""
        tracker = BackpackOrderTracker(connector=MagicMock())
        active, lost, both_active, both_lost = object(), object(), object(), object()
        tracker._in_flight_orders.update({"1": active, "3": both_active})
        tracker._lost_orders.update({"2": lost, "3": both_lost})
        view = tracker.all_updatable_orders
        self.assertEqual({"1": active, "2": lost, "3": both_lost}, dict(view))
        self.assertEqual(3, len(view))
        with self.assertRaises(TypeError):  # read-only
            view["5"] = active
        tracker._in_flight_orders["4"] = active  # a view: no rebuild needed to see a new order
        self.assertIs(active, view["4"])


class CompletedOrdersTests(unittest.TestCase):
    """The tracker's cache of completed orders: Hummingbot's TTLCache semantics (size, lifetime, an expired order is
    gone) with a dict lookup per read."""

    def setUp(self):
        self.now = 100.0
        self.cache = CompletedOrders(maxsize=3, ttl=30.0, timer=lambda: self.now)

    def test_an_order_is_kept_for_its_lifetime_then_gone(self):
        first = order("1")
        self.cache["1"] = first
        self.now = 129.9
        self.assertIs(first, self.cache.get("1"))
        self.assertIn("1", self.cache)
        self.assertEqual(["1"], list(self.cache))
        self.now = 130.0
        self.assertIsNone(self.cache.get("1"))
        self.assertNotIn("1", self.cache)
        with self.assertRaises(KeyError):
            self.cache["1"]
        self.assertEqual(0, len(self.cache))
        self.assertEqual({}, dict(self.cache.items()))

    def test_when_full_the_oldest_order_goes_first(self):
        for index in range(4):
            self.now += 1
            self.cache[str(index)] = order(str(index))
        self.assertEqual(["1", "2", "3"], list(self.cache))
        self.assertEqual(3, len(self.cache))

    def test_storing_an_order_again_renews_its_lifetime(self):
        self.cache["1"] = order("1")
        self.now = 105.0
        self.cache["2"] = order("2")
        self.now = 120.0
        self.cache["1"] = again = order("1")
        self.assertEqual(["2", "1"], list(self.cache))
        self.now = 136.0
        self.assertEqual({"1": again}, dict(self.cache.items()))

    def test_delete(self):
        self.cache["1"] = order("1")
        del self.cache["1"]
        self.assertNotIn("1", self.cache)
        with self.assertRaises(KeyError):
            del self.cache["1"]

    def test_the_tracker_keeps_completed_orders_in_it(self):
        tracker = BackpackOrderTracker(connector=MagicMock())
        done = order("done")
        tracker.start_tracking_order(done)
        tracker.stop_tracking_order("done")
        self.assertIsInstance(tracker._cached_orders, CompletedOrders)
        self.assertIs(done, tracker.fetch_order("done"))
        self.assertEqual({"done": done}, tracker.cached_orders)
        self.assertEqual(tracker.MAX_CACHE_SIZE, tracker._cached_orders.maxsize)
        self.assertEqual(tracker.CACHED_ORDER_TTL, tracker._cached_orders.ttl)
