"""Scenarios 1, 2 and 6: WebSocket drops mid-fill, depth sequence gaps, duplicated / reordered events."""
from decimal import Decimal

from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.state_history import StateHistory
from test.reliability.venue import PAIR, PERP_SYMBOL, SPOT_SYMBOL, wait_for


class WebSocketDropTests(ReliabilityTestCase):
    PERP = True

    async def test_1_ws_dropped_during_partial_fill(self):
        self.scenario("1 WS dropped during partial fill")
        spot, perp = self.venue.spot, self.venue.perp
        spot_order = await self.place(spot, "buy", "2", "150")
        perp_order = await self.place(perp, "sell", "1", "200")
        self.venue.counterparty(SPOT_SYMBOL, "Ask", "0.5", "150")
        self.venue.counterparty(PERP_SYMBOL, "Bid", "0.25", "200")
        await self.wait_filled(spot, "0.5", "the first spot partial fill")
        await self.wait_filled(perp, "0.25", "the first perp partial fill")

        dropped = await self.fault(self.venue.admin.drop_ws("private"))
        self.assertEqual(2, dropped)
        # fills while the private streams are down: only REST recovery can find them
        self.venue.counterparty(SPOT_SYMBOL, "Ask", "0.7", "150")
        self.venue.counterparty(PERP_SYMBOL, "Bid", "0.25", "200")
        self.assertGreaterEqual(await self.fault(self.venue.admin.drop_ws("public")), 2)
        await wait_for(lambda: len(self.venue.server.hub.private_subs.get(self.venue.api_key, ())) == 2,
                       "the private streams to be resubscribed")
        await self.wait_filled(spot, "1.2", "the spot fill missed while disconnected")
        await self.wait_filled(perp, "0.5", "the perp fill missed while disconnected")
        self.assertEqual(OrderState.PARTIALLY_FILLED, spot.in_flight_orders[spot_order].current_state)
        await wait_for(lambda: self.connector_levels() == self.emulator_levels(), "the book after reconnecting")

        # the streams work again: the rest of the orders fill through them
        self.venue.counterparty(SPOT_SYMBOL, "Ask", "0.8", "150")
        self.venue.counterparty(PERP_SYMBOL, "Bid", "0.5", "200")
        await wait_for(lambda: self.events(spot, MarketEvent.BuyOrderCompleted), "the spot order to complete")
        await wait_for(lambda: self.events(perp, MarketEvent.SellOrderCompleted), "the perp order to complete")
        self.assertEqual([spot_order], [e.order_id for e in self.events(spot, MarketEvent.BuyOrderCompleted)])
        self.assertEqual([perp_order], [e.order_id for e in self.events(perp, MarketEvent.SellOrderCompleted)])
        await self.assert_consistent()


class DepthGapTests(ReliabilityTestCase):
    MARKET_DATA = True  # the generator fills the books once at start, then stays quiet

    def snapshots_taken(self) -> int:
        return len(self.venue.server.request_log.entries(path="/api/v1/depth"))

    async def test_2_depth_sequence_gap_rebuilds_book(self):
        self.scenario("2 depth sequence gap")
        spot = self.venue.spot
        await wait_for(lambda: self.connector_levels() == self.emulator_levels(), "the initial book")
        snapshots = self.snapshots_taken()

        await self.fault(self.venue.admin.skip_depth_sequence(SPOT_SYMBOL, 5))
        order_id = await self.place(spot, "buy", "3", "120")  # the diff that adds this level has a gap
        await wait_for(lambda: Decimal("120") in self.connector_levels()["bids"], "the book after the gap")
        self.assertGreater(self.snapshots_taken(), snapshots)  # rebuilt from a fresh snapshot
        self.assertEqual(self.emulator_levels(), self.connector_levels())

        await self.fault(self.venue.admin.skip_depth_sequence(SPOT_SYMBOL, 1))
        spot.cancel(PAIR, order_id)  # the diff that removes the level comes after another gap
        # (meanwhile the book is empty, not stale: wait for it to be rebuilt, without the level)
        await wait_for(lambda: Decimal("120") not in self.emulator_levels()["bids"]
                       and self.connector_levels() == self.emulator_levels(), "the book after the second gap")
        await wait_for(lambda: self.events(spot, MarketEvent.OrderCancelled), "the cancel")
        await self.assert_consistent()


class DuplicatedAndReorderedEventsTests(ReliabilityTestCase):
    PERP = True

    async def test_6_duplicated_and_reordered_private_events(self):
        self.scenario("6 duplicated / reordered private events")
        spot, perp = self.venue.spot, self.venue.perp
        with StateHistory() as history:
            await self.fault(self.venue.admin.private_ws_fault("duplicate", count=20))
            spot_order = await self.place(spot, "buy", "2", "150")
            perp_order = await self.place(perp, "buy", "2", "150")
            for quantity in ("0.5", "0.5"):
                self.venue.counterparty(SPOT_SYMBOL, "Ask", quantity, "150")
                self.venue.counterparty(PERP_SYMBOL, "Ask", quantity, "150")
            await self.wait_filled(spot, "1", "the duplicated spot fills")
            await self.wait_filled(perp, "1", "the duplicated perp fills")

            # reorder: each event is held back and sent after the next one
            await self.fault(self.venue.admin.private_ws_fault("reorder", count=20))
            reordered = await self.place(spot, "sell", "1", "190")
            self.venue.counterparty(SPOT_SYMBOL, "Bid", "0.3", "190")  # fill before the held "accepted"
            for quantity in ("0.5", "0.5"):
                self.venue.counterparty(SPOT_SYMBOL, "Ask", quantity, "150")
                self.venue.counterparty(PERP_SYMBOL, "Ask", quantity, "150")
            self.venue.counterparty(SPOT_SYMBOL, "Bid", "0.7", "190")
            await wait_for(lambda: {spot_order, reordered} <= self.completed(spot), "the spot orders to complete")
            await wait_for(lambda: {perp_order} == self.completed(perp), "the perp order to complete")
            await self.venue.admin.private_ws_fault(None)
            await self.assert_consistent()
        self.assertEqual({}, history.backwards())
