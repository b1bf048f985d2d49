"""Base test case of the reliability scenarios: a fresh emulator + connectors per test, torn down after."""
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from typing import Awaitable, Dict, Optional, TypeVar

from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.event.events import MarketEvent
from test.reliability.invariants import assert_consistent
from test.reliability.real_timings import VirtualClock
from test.reliability.report import ScenarioStats, new_scenario
from test.reliability.venue import PAIR, SPOT_SYMBOL, Venue, assert_no_refusals, wait_for

T = TypeVar("T")


class ReliabilityTestCase(IsolatedAsyncioWrapperTestCase):
    SPOT = True
    PERP = False
    MARKET_DATA = False
    SERVER_KWARGS: Optional[Dict] = None
    REAL_TIMINGS = False  # True: Hummingbot's poll intervals, cache TTL and timeouts, time moved by `self.clock`

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.clock: Optional[VirtualClock] = VirtualClock() if self.REAL_TIMINGS else None
        self.venue = Venue(spot=self.SPOT, perp=self.PERP, market_data=self.MARKET_DATA,
                           server_kwargs=self.SERVER_KWARGS, clock=self.clock)
        self.stats: Optional[ScenarioStats] = None
        await self.venue.start()

    async def asyncTearDown(self):
        await self.venue.stop()
        # Whatever the scenario did, the connectors sent nothing the live server's decoder would refuse.
        assert_no_refusals(self, self.venue.server)
        await super().asyncTearDown()

    def scenario(self, name: str) -> ScenarioStats:
        self.stats = new_scenario(name)
        return self.stats

    async def fault(self, injection: Awaitable[T]) -> T:
        """Switches a fault on through the emulator's admin API and counts it."""
        self.stats.faults += 1
        return await injection

    async def assert_consistent(self, timeout: float = 12.0):
        await assert_consistent(self, self.venue, self.stats, timeout=timeout)

    # ----- helpers on the venue's connectors

    def events(self, connector, *tags: MarketEvent) -> list:
        return self.venue.events[connector.name].of(*tags)

    def connector_levels(self) -> Dict[str, Dict[Decimal, Decimal]]:
        """The spot connector's SOL-USDC book as {side: {price: amount}}."""
        bids, asks = self.venue.spot.order_books[PAIR].snapshot
        return {"bids": {Decimal(str(p)): Decimal(str(a)) for p, a in zip(bids["price"], bids["amount"])},
                "asks": {Decimal(str(p)): Decimal(str(a)) for p, a in zip(asks["price"], asks["amount"])}}

    def emulator_levels(self) -> Dict[str, Dict[Decimal, Decimal]]:
        book = self.venue.server.exchange.books[SPOT_SYMBOL]
        return {"bids": dict(book.bids.snapshot(1000)), "asks": dict(book.asks.snapshot(1000))}

    def completed(self, connector) -> set:
        """Ids of the connector's orders that completed (fully filled)."""
        return {e.order_id for e in self.events(connector, MarketEvent.BuyOrderCompleted,
                                                MarketEvent.SellOrderCompleted)}

    def failures(self) -> list:
        """OrderFailure events of every connector of the venue."""
        return [e for c in self.venue.connectors for e in self.events(c, MarketEvent.OrderFailure)]

    async def place(self, connector, side: str, amount: str, price: str, **kwargs) -> str:
        """Places a GTC limit order through the public API and waits for it to be open on the exchange."""
        action = connector.buy if side == "buy" else connector.sell
        if connector is self.venue.perp:
            kwargs.setdefault("position_action", PositionAction.OPEN)
        order_id = action(PAIR, Decimal(amount), OrderType.LIMIT, Decimal(price), **kwargs)
        await wait_for(lambda: order_id in connector.in_flight_orders
                       and connector.in_flight_orders[order_id].exchange_order_id is not None,
                       f"order {order_id} to be open")
        return order_id

    async def wait_filled(self, connector, total: str, what: str = "the fills"):
        await wait_for(lambda: sum((e.amount for e in self.events(connector, MarketEvent.OrderFilled)),
                                   Decimal(0)) == Decimal(total), what)
