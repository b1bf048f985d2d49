"""Scenarios 60, 61 and 62: exchange-side protection and market states with the real connectors.

60. The bot is killed with an open perp position protected by an exchange-side stop; the price crosses it and
    the exchange closes the position while the bot is down; the restarted bot (Hummingbot's saved order states
    restored) reports the stop's fill once, the take profit cancelled, its position flat, balances = the ledger.
61. The stop triggers while the bot runs and its own close goes out at the same moment: both are reduce-only, so
    the position is closed once and never reversed (the one that comes second finds nothing to reduce).
62. A market maker quotes while its market goes PostOnly, then Closed, then Open: its post-only quotes go on in
    PostOnly (takers are expired by the exchange), what Closed forbids fails before it is sent and the connector
    is not ready, quoting and trading resume when open; nothing lost or doubled.
"""
import asyncio
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, PERP_SYMBOL, SPOT_SYMBOL, wait_for


class ProtectionScenarioCase(ReliabilityTestCase):
    SPOT = False
    PERP = True

    async def open_protected_long(self) -> str:
        perp, venue = self.venue.perp, self.venue
        venue.counterparty(PERP_SYMBOL, "Ask", "2", "180", tif="GTC")
        entry = perp.buy(PAIR, Decimal("2"), OrderType.LIMIT, Decimal("180"), position_action=PositionAction.OPEN,
                         take_profit_trigger_price=Decimal("200"), stop_loss_trigger_price=Decimal("170"),
                         stop_loss_trigger_by="MarkPrice")
        await wait_for(lambda: {f"tp-{entry}", f"sl-{entry}"} <= set(perp.in_flight_orders),
                       "the take profit and stop loss to be the bot's orders")
        await wait_for(lambda: perp.account_positions.get(PAIR) is not None, "the position")
        return entry

    def mark_to(self, mid: str):
        """Another account quotes 2 either side of `mid` (the perp's mark is its book's mid), then the mark
        refresh runs as the emulator's periodic task does."""
        venue, mid = self.venue, Decimal(mid)
        venue.counterparty(PERP_SYMBOL, "Bid", "10", str(mid - 2), tif="GTC")
        venue.counterparty(PERP_SYMBOL, "Ask", "10", str(mid + 2), tif="GTC")
        venue.server.periodic.tick(0)

    def emulator_position(self) -> Decimal:
        position = self.venue.server.exchange.positions.get((self.venue.api_key, PERP_SYMBOL))
        return position.net_quantity if position is not None else Decimal(0)


class KilledWithProtectionTests(ProtectionScenarioCase):
    async def test_60_killed_with_a_protected_position(self):
        self.scenario("60 killed with a protected perp position, stop filled while down")
        venue = self.venue
        entry = await self.open_protected_long()
        saved = dict(venue.perp.tracking_states)  # what Hummingbot keeps of its orders across a restart
        log = venue.events[venue.perp.name].log

        self.stats.faults += 1  # the bot dies: no cancel, nothing said to the exchange
        await venue.perp.stop_network()
        venue._clock_task.cancel()
        self.mark_to("170")  # the price crosses the stop while nobody listens
        self.assertEqual(Decimal(0), self.emulator_position())  # the exchange closed the position itself

        await venue.start_connectors(wait_ready=False)
        venue.perp.restore_tracking_states(saved)
        venue.events[venue.perp.name].log[:0] = log  # one history of events across the restart
        await venue.wait_ready()
        perp = venue.perp
        await wait_for(lambda: f"sl-{entry}" in [e.order_id for e in self.events(perp, MarketEvent.SellOrderCompleted)],
                       "the stop's fill to be reported after the restart", timeout=15)
        await wait_for(lambda: f"tp-{entry}" in [e.order_id for e in self.events(perp, MarketEvent.OrderCancelled)],
                       "the take profit to be reported cancelled", timeout=15)
        stop_fills = [e for e in self.events(perp, MarketEvent.OrderFilled) if e.order_id == f"sl-{entry}"]
        self.assertEqual([(Decimal("2"), Decimal("168"))], [(e.amount, e.price) for e in stop_fills])
        await wait_for(lambda: PAIR not in perp.account_positions, "the position to be flat")
        self.assertEqual([], self.failures())
        await self.assert_consistent()


class StopAndCloseTogetherTests(ProtectionScenarioCase):
    async def test_61_stop_and_the_bots_close_at_the_same_moment(self):
        self.scenario("61 stop and the bot's own close at the same moment")
        perp, venue = self.venue.perp, self.venue
        entry = await self.open_protected_long()
        venue.counterparty(PERP_SYMBOL, "Bid", "10", "169", tif="GTC")  # liquidity for both closes
        close = perp.sell(PAIR, Decimal("2"), OrderType.MARKET, Decimal("169"), position_action=PositionAction.CLOSE)
        self.stats.faults += 1
        self.mark_to("169")  # best bid 169, ask 171: mark 170, the stop triggers in the same moment
        await wait_for(lambda: PAIR not in perp.account_positions, "the position to be closed")
        await wait_for(lambda: {close, f"sl-{entry}", f"tp-{entry}"} <= self.ended(perp), "every order to end")
        self.assertEqual(Decimal(0), self.emulator_position())  # closed once, never short
        sold = sum((e.amount for e in self.events(perp, MarketEvent.OrderFilled) if e.order_id != entry), Decimal(0))
        self.assertEqual(Decimal("2"), sold)
        await self.assert_consistent()

    def ended(self, perp) -> set:
        return {e.order_id for e in self.events(perp, MarketEvent.SellOrderCompleted, MarketEvent.OrderCancelled,
                                                MarketEvent.OrderFailure)}


class MarketStatesWhileQuotingTests(ReliabilityTestCase):
    async def quote(self, spot, stop: asyncio.Event):
        """A minimal market maker: keeps one post-only bid and ask, replacing what is gone, every 0.1 s."""
        while not stop.is_set():
            live = {o.trade_type.name for o in spot.in_flight_orders.values() if not o.is_done}
            if "BUY" not in live:
                spot.buy(PAIR, Decimal("1"), OrderType.LIMIT_MAKER, Decimal("170"))
            if "SELL" not in live:
                spot.sell(PAIR, Decimal("1"), OrderType.LIMIT_MAKER, Decimal("190"))
            await asyncio.sleep(0.1)

    async def switch(self, state: str):
        await self.fault(self.venue.admin.set_market_state(SPOT_SYMBOL, state))
        await self.venue.spot._update_trading_rules()  # the connector's 30 s markets poll, driven here

    async def test_62_market_goes_post_only_closed_open_while_quoting(self):
        self.scenario("62 market PostOnly, Closed, Open while a market maker quotes")
        spot, venue = self.venue.spot, self.venue
        stop = asyncio.Event()
        maker = asyncio.ensure_future(self.quote(spot, stop))
        try:
            await wait_for(lambda: len(venue.server.exchange.open_orders) == 2, "the quotes")
            await self.switch("PostOnly")
            taker = venue.counterparty(SPOT_SYMBOL, "Ask", "0.5", "170")  # takers are expired: the quotes stay
            self.assertEqual(("Expired", "PostOnlyMode"), (taker.status, taker.expiry_reason))
            await asyncio.sleep(0.5)  # the maker goes on quoting post-only: accepted
            self.assertEqual([], self.failures())
            await self.switch("Closed")
            self.assertFalse(spot.ready)
            venue.server.exchange.cancel_all(venue.api_key, SPOT_SYMBOL)  # the quotes go (e.g. cancelled by hand)
            await wait_for(lambda: len(self.events(spot, MarketEvent.OrderCancelled)) >= 2, "the cancels")
            sent = len(venue.order_requests())
            await wait_for(lambda: len(self.failures()) >= 2, "the refused quotes while closed")
            self.assertEqual(sent, len(venue.order_requests()))  # refused before sending
            await self.switch("Open")
            await wait_for(lambda: spot.ready, "the connector to be ready again")
            await wait_for(lambda: len([o for o in venue.server.exchange.open_orders.values()
                                        if o.account == venue.api_key]) == 2, "quoting to resume")
            venue.counterparty(SPOT_SYMBOL, "Ask", "0.5", "170")  # Open: a taker trades with the bid again
            await wait_for(lambda: self.events(spot, MarketEvent.OrderFilled), "a fill once open")
        finally:
            stop.set()
            await maker
        for order in list(spot.in_flight_orders.values()):
            await spot._execute_cancel(PAIR, order.client_order_id)
        await self.assert_consistent()
