"""Scenarios 20-23, at Hummingbot's REAL timings (real_timings.py): the status poll every 120 s while the private
stream is live, completed orders kept 30 s, real timeouts. A fill whose event the stream did not deliver must
still be reported, once, and BEFORE its order's final event, whatever told the connector that more executed
(the cancel answer, a final stream event, a later fill, a lookup of an unanswered create)."""
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, PERP_SYMBOL, SPOT_SYMBOL, wait_for

FINAL_EVENTS = (MarketEvent.OrderCancelled, MarketEvent.OrderExpired, MarketEvent.BuyOrderCompleted,
                MarketEvent.SellOrderCompleted, MarketEvent.OrderFailure)
CACHE_TTL_S = 30  # Hummingbot's CACHED_ORDER_TTL


class RealTimingFillsCase(ReliabilityTestCase):
    PERP = True
    REAL_TIMINGS = True

    async def drop_next_fill_event(self, symbol: str, count: int = 1):
        await self.fault(self.venue.admin.drop_private_events(count, account=self.venue.api_key,
                                                              events=["orderFill"], symbol=symbol))

    async def emulator_fills_reach(self, count: int):
        await wait_for(lambda: len(self.venue.emulator_fills()) >= count, f"{count} fills on the emulator")

    def assert_fills_before_final_event(self, connector, order_id: str, filled: str):
        """Every fill of the order is reported, and all of them before its final event."""
        log = [(tag, event) for tag, event in self.venue.events[connector.name].log
               if getattr(event, "order_id", None) == order_id]
        tags = [tag for tag, _ in log]
        final = next(i for i, tag in enumerate(tags) if tag in FINAL_EVENTS)
        fills = [event.amount for tag, event in log if tag is MarketEvent.OrderFilled]
        self.assertEqual(Decimal(filled), sum(fills, Decimal(0)), f"fills reported for {order_id}: {tags}")
        self.assertNotIn(MarketEvent.OrderFilled, tags[final:], f"a fill after the final event: {tags}")

    async def after_the_cache_and_a_poll(self):
        """The orders' cache lifetime passes, then the next status poll (120 s after the last) runs."""
        await self.clock.advance(CACHE_TTL_S)
        await self.clock.until_next_poll()


class LostFillEventTests(RealTimingFillsCase):

    async def partly_filled_without_fill_events(self):
        """A spot buy of 2 filled 0.7 and a perp sell of 2 filled 0.4, their fill events not delivered."""
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        spot_order = await self.place(spot, "buy", "2", "150")
        perp_order = await self.place(perp, "sell", "2", "200")
        await self.drop_next_fill_event(SPOT_SYMBOL)
        await self.drop_next_fill_event(PERP_SYMBOL)
        venue.counterparty(SPOT_SYMBOL, "Ask", "0.7", "150")
        venue.counterparty(PERP_SYMBOL, "Bid", "0.4", "200")
        await self.emulator_fills_reach(2)
        return spot_order, perp_order

    async def test_20_fill_event_lost_then_the_bot_cancels(self):
        """The cancel answer says executedQuantity 0.7 while the tracker holds 0 (spot and perp)."""
        self.scenario("20 fill event lost, then cancelled (real timings)")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        spot_order, perp_order = await self.partly_filled_without_fill_events()
        spot.cancel(PAIR, spot_order)
        perp.cancel(PAIR, perp_order)
        await wait_for(lambda: len(self.events(spot, MarketEvent.OrderCancelled)) == 1 and
                       len(self.events(perp, MarketEvent.OrderCancelled)) == 1, "the cancels")
        await self.after_the_cache_and_a_poll()
        await self.assert_consistent()
        self.assert_fills_before_final_event(spot, spot_order, "0.7")
        self.assert_fills_before_final_event(perp, perp_order, "0.4")

    async def test_21_fill_event_lost_then_the_final_event_comes_first(self):
        """Perp: the order is cancelled outside the bot (orderCancelled, z 0.4); spot: a later fill completes
        the order (orderFill, X Filled, z 2) while the tracker holds 1.3."""
        self.scenario("21 fill event lost, final event first (real timings)")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        spot_order, perp_order = await self.partly_filled_without_fill_events()
        venue.counterparty(SPOT_SYMBOL, "Ask", "1.3", "150")  # delivered: the order is Filled
        venue.server.exchange.cancel_order(venue.api_key, PERP_SYMBOL,
                                           perp.in_flight_orders[perp_order].exchange_order_id, None)
        await wait_for(lambda: self.events(spot, MarketEvent.BuyOrderCompleted) and
                       self.events(perp, MarketEvent.OrderCancelled), "the final events")
        await self.after_the_cache_and_a_poll()
        await self.assert_consistent()
        self.assert_fills_before_final_event(spot, spot_order, "2")
        self.assert_fills_before_final_event(perp, perp_order, "0.4")


class UnansweredCreateFillTests(RealTimingFillsCase):

    async def test_22_unanswered_create_found_filled(self):
        """Market orders whose creates are never answered while the engine fills them, their fill events lost:
        the lookup after the create's (real, 10 s) timeout finds them Filled. Spot and perp."""
        self.scenario("22 create unanswered, found filled (real timings)")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        venue.counterparty(SPOT_SYMBOL, "Ask", "1", "150", tif="GTC")
        venue.counterparty(PERP_SYMBOL, "Bid", "1", "200", tif="GTC")
        await self.fault(venue.admin.hang_order_creates(2))
        await self.fault(venue.admin.drop_private_events(2, account=venue.api_key, events=["orderFill"]))
        spot_order = spot.buy(PAIR, Decimal("1"), OrderType.MARKET, Decimal("150"))
        perp_order = perp.sell(PAIR, Decimal("1"), OrderType.MARKET, Decimal("200"),
                               position_action=PositionAction.OPEN)
        await wait_for(lambda: self.events(spot, MarketEvent.BuyOrderCompleted) and
                       self.events(perp, MarketEvent.SellOrderCompleted), "the lookups to complete the orders",
                       timeout=40)
        await self.after_the_cache_and_a_poll()
        await self.assert_consistent()
        self.assert_fills_before_final_event(spot, spot_order, "1")
        self.assert_fills_before_final_event(perp, perp_order, "1")
        self.assertEqual([Decimal(1)], [e.base_asset_amount for e in self.events(spot, MarketEvent.BuyOrderCompleted)])

    async def test_23_unanswered_create_partly_filled_is_not_never_executed(self):
        """A market order partly filled (thin book) and expired, its create never answered and its events lost,
        while order history lags: its fills are found, so it is not failed as "never executed"; it is
        reconciled (fill, then its final state) once order history shows it."""
        self.scenario("23 unanswered create partly filled, history lagging (real timings)")
        spot, venue = self.venue.spot, self.venue
        venue.counterparty(SPOT_SYMBOL, "Ask", "0.7", "150", tif="GTC")  # all the book has
        await self.fault(venue.admin.hang_order_creates(1))
        await self.fault(venue.admin.drop_private_events(3, account=venue.api_key, symbol=SPOT_SYMBOL))
        await self.fault(venue.admin.order_history_lag(60))
        order_id = spot.buy(PAIR, Decimal("2"), OrderType.MARKET, Decimal("150"))
        await wait_for(lambda: self.events(spot, MarketEvent.OrderFilled), "the fill to be found", timeout=40)
        order = spot.in_flight_orders.get(order_id)
        self.assertIsNotNone(order)
        self.assertEqual((OrderState.PARTIALLY_FILLED, Decimal("0.7")), (order.current_state, order.executed_amount_base))
        self.assertEqual([], self.failures())
        await self.clock.advance(60)  # order history shows the order from now on
        await self.clock.until_next_poll()
        await wait_for(lambda: self.events(spot, MarketEvent.OrderCancelled, MarketEvent.OrderExpired),
                       "the final state from order history")
        await self.after_the_cache_and_a_poll()
        await self.assert_consistent()
        self.assertEqual([], self.failures())
        self.assert_fills_before_final_event(spot, order_id, "0.7")
