import unittest
from decimal import Decimal
from types import MappingProxyType
from unittest.mock import MagicMock

from hummingbot.connector.exchange.backpack.backpack_order_tracker import BackpackOrderTracker
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
        self.assertIsInstance(view, MappingProxyType)
        self.assertEqual({"1": active, "2": lost, "3": both_lost}, dict(view))
        tracker._in_flight_orders["4"] = active  # a view: no rebuild needed to see a new order
        self.assertIs(active, view["4"])
