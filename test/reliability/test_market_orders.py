"""Scenario 50 (issue 22, item 7): market orders at Hummingbot's real poll intervals. A market order sent without
a price is priced from the book it takes from while in flight, so the spot available balance (polled, no
balance stream) stays finite; one on an empty book side fails at once with an event and is not left tracked."""
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, SPOT_SYMBOL, wait_for


class MarketOrderTests(ReliabilityTestCase):
    REAL_TIMINGS = True

    async def test_50_market_orders_priced_in_flight_or_failed_on_an_empty_side(self):
        self.scenario("50 market orders: priced in flight; empty book side fails")
        spot, venue = self.venue.spot, self.venue
        self.assertEqual((5.0, 120.0), (spot.SHORT_POLL_INTERVAL, spot.LONG_POLL_INTERVAL))

        # no asks on the exchange nor in the connector's book: a market buy cannot be priced
        self.stats.faults += 1
        empty = spot.buy(PAIR, Decimal("1"), OrderType.MARKET)
        await wait_for(lambda: self.failures(), "the unpriceable market order to fail", timeout=5)
        self.assertEqual([empty], [e.order_id for e in self.failures()])
        self.assertIn("cannot be priced: the SOL-USDC order book has no asks", self.failures()[0].error_message)
        self.assertNotIn(empty, spot.in_flight_orders)
        self.assertEqual([], venue.order_requests())  # nothing sent

        venue.counterparty(SPOT_SYMBOL, "Ask", "2", "150", tif="GTC")
        await wait_for(lambda: spot.get_price(PAIR, True) == Decimal("150"), "the ask in the connector's book")
        polled = spot._account_available_balances["USDC"]
        bought = spot.buy(PAIR, Decimal("1"), OrderType.MARKET)  # tracked and sent before buy() returns
        order = spot.in_flight_orders[bought]
        self.assertEqual(Decimal("150"), order.price)
        available = spot.get_available_balance("USDC")  # Hummingbot: polled + snapshot - in flight + filled since
        self.assertTrue(available.is_finite(), f"available USDC with a market buy in flight: {available}")
        self.assertEqual(polled - Decimal("150") * (1 + spot.estimate_fee_pct(True)), available)
        await wait_for(lambda: bought in self.completed(spot), "the market buy to fill")
        self.assertEqual(Decimal("1"), sum(e.amount for e in self.events(spot, MarketEvent.OrderFilled)))
        await self.clock.until_next_poll(spot)  # the next balance poll: up to 120 s away with a live stream
        await self.assert_consistent()
