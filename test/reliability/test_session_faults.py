"""Scenarios 7, 8, 9, 10 and 11: emulator restart with open orders, server clock skew, a refused private
subscription, spot + perp in one process under faults, and a private reconnect signed with a stale clock."""
import asyncio
import logging
import time
from decimal import Decimal

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.report import SECRETS_USED
from test.reliability.venue import PAIR, PERP_SYMBOL, SPOT_SYMBOL, Venue, wait_for

ORDER_EVENTS = (MarketEvent.BuyOrderCreated, MarketEvent.SellOrderCreated, MarketEvent.OrderFilled,
                MarketEvent.BuyOrderCompleted, MarketEvent.SellOrderCompleted, MarketEvent.OrderCancelled,
                MarketEvent.OrderFailure)


class EmulatorRestartTests(ReliabilityTestCase):
    PERP = True

    async def test_7_emulator_restarted_with_open_orders(self):
        self.scenario("7 emulator restarted with open orders")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        keeps = await self.place(spot, "buy", "1", "150")
        fills_while_down = await self.place(spot, "sell", "1", "210")
        cancelled_while_down = await self.place(perp, "buy", "1", "140")
        perp_keeps = await self.place(perp, "sell", "2", "220")

        self.stats.faults += 1
        port, exchange = venue.server.port, venue.server.exchange
        await venue.server.stop()
        # while the server is down the exchange goes on: a fill and a cancel nobody is told about
        venue.counterparty(SPOT_SYMBOL, "Bid", "1", "210")
        exchange.cancel_order(venue.api_key, PERP_SYMBOL, None, int(cancelled_while_down))
        venue.counterparty(PERP_SYMBOL, "Bid", "0.5", "220")
        await asyncio.sleep(1.5)
        venue.server = EmulatorServer(host="127.0.0.1", port=port, market_data=False, exchange=exchange)
        await venue.server.start()

        await wait_for(lambda: len(venue.server.hub.private_subs.get(venue.api_key, ())) == 2,
                       "both private streams to be resubscribed", timeout=15)
        await wait_for(lambda: self.events(spot, MarketEvent.SellOrderCompleted), "the fill made while down",
                       timeout=15)
        await wait_for(lambda: self.events(perp, MarketEvent.OrderCancelled), "the cancel made while down", timeout=15)
        self.assertEqual([fills_while_down], [e.order_id for e in self.events(spot, MarketEvent.SellOrderCompleted)])
        self.assertEqual([cancelled_while_down], [e.order_id for e in self.events(perp, MarketEvent.OrderCancelled)])
        self.assertEqual(OrderState.OPEN, spot.in_flight_orders[keeps].current_state)
        await self.wait_filled(perp, "0.5", "the perp partial fill made while down")

        # the streams work again after the restart
        venue.counterparty(SPOT_SYMBOL, "Ask", "1", "150")
        venue.counterparty(PERP_SYMBOL, "Bid", "1.5", "220")
        await wait_for(lambda: self.events(spot, MarketEvent.BuyOrderCompleted), "a fill after the restart")
        await wait_for(lambda: self.events(perp, MarketEvent.SellOrderCompleted), "the perp fill after the restart")
        self.assertEqual([perp_keeps], [e.order_id for e in self.events(perp, MarketEvent.SellOrderCompleted)])
        self.assertEqual([], self.failures())
        await self.assert_consistent()


class ClockSkewTests(ReliabilityTestCase):
    PERP = True

    async def test_8_server_clock_ahead_and_behind(self):
        self.scenario("8 server clock 10 s ahead / behind")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        for offset_ms in (10_000, -10_000):
            await self.fault(venue.admin.shift_clock(offset_ms))
            spot_order = await self.place(spot, "buy", "1", "150")
            perp_order = await self.place(perp, "sell", "1", "210")
            self.assertAlmostEqual(offset_ms / 1000, spot._time_synchronizer.time() - time.time(), delta=1.0)
            # a private stream signed after the skew is accepted too
            await venue.admin.drop_ws("private")
            await wait_for(lambda: len(venue.server.hub.private_subs.get(venue.api_key, ())) == 2,
                           "the private streams to be resubscribed")
            venue.counterparty(SPOT_SYMBOL, "Ask", "1", "150")
            venue.counterparty(PERP_SYMBOL, "Bid", "1", "210")
            await wait_for(lambda: spot_order in self.completed(spot), "the spot fill")
            await wait_for(lambda: perp_order in self.completed(perp), "the perp fill")
        rejected = [r for r in venue.server.request_log.entries() if r["status"] is not None and r["status"] >= 400]
        self.assertTrue(rejected)  # the skew was felt (expired / future requests) ...
        self.assertIn(401, {r["status"] for r in rejected})  # ... expiry answered as live: 401, plain text
        self.assertEqual([], self.failures())
        await self.assert_consistent()  # ... and everything recovered


class ClockMovedBeforePrivateReconnectTests(ReliabilityTestCase):
    PERP = True

    async def test_11_private_stream_signed_again_after_the_clock_moved(self):
        """The server clock moves and the private streams drop before any REST call notices: the resubscription,
        signed with the old offset, is refused; the connectors re-sync and sign again (after 5 s).

        (Should a status poll happen to re-sync the clock in the few ms between the drop and the
        reconnect, nothing is refused: the end state asserted here is the same either way.)"""
        self.scenario("11 clock moved, then private WS dropped")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        with self.assertLogs(logging.getLogger("hummingbot"), level="ERROR") as logs:
            await self.fault(venue.admin.shift_clock(15_000))
            await self.fault(venue.admin.drop_ws("private"))
            await wait_for(lambda: len(venue.server.hub.private_subs.get(venue.api_key, ())) == 2,
                           "both private streams to be subscribed again", timeout=25)
            logging.getLogger("hummingbot").error("end of scenario 11")  # assertLogs needs one record at least
        refusals = [line for line in logs.output if "rejected the private stream subscription" in line]
        self.assertLessEqual(len(refusals), 2)  # one per connector: the second signature is accepted
        self.assertAlmostEqual(15.0, spot._time_synchronizer.time() - time.time(), delta=1.0)
        spot_order = await self.place(spot, "buy", "1", "150")
        perp_order = await self.place(perp, "sell", "1", "210")
        venue.counterparty(SPOT_SYMBOL, "Ask", "1", "150")
        venue.counterparty(PERP_SYMBOL, "Bid", "1", "210")
        await wait_for(lambda: spot_order in self.completed(spot), "the spot fill")
        await wait_for(lambda: perp_order in self.completed(perp), "the perp fill")
        self.assertEqual([], self.failures())
        await self.assert_consistent()


class RefusedSubscriptionTests(ReliabilityTestCase):
    SPOT = False  # this test builds its own connector with a bad key

    async def test_9_private_subscription_refused(self):
        self.scenario("9 private subscription refused (bad key)")
        good = self.venue
        api_key = good.api_key
        _, wrong_secret = generate_keypair()  # a real key id signed with a secret that does not belong to it
        SECRETS_USED.add(wrong_secret)
        bad = Venue(spot=True)
        bad.server, bad.api_key, bad.api_secret = good.server, api_key, wrong_secret
        logger = logging.getLogger("hummingbot")
        with self.assertLogs(logger, level="ERROR") as logs:
            await self.fault(bad.start_connectors(wait_ready=False))
            try:
                await asyncio.sleep(4.0)
                refused = [line for line in logs.output if "rejected the private stream subscription" in line]
                self.assertTrue(refused, "no clear error told the user the subscription was refused")
                self.assertLessEqual(len(refused), 2, "the connector retries the refused subscription in a loop")
                self.assertFalse(bad.spot.ready)
                self.assertFalse(good.server.hub.wants_private(api_key))  # never subscribed
                self.assertLessEqual(len(good.server.hub.connections), 2)  # one public + one private at most
                self.assertIn("Invalid signature", " ".join(refused))
            finally:
                for connector in bad.connectors:
                    await asyncio.wait_for(connector.stop_network(), 10)
                bad._clock_task.cancel()
                await bad.admin.close()
        self.assertNotIn(wrong_secret, "\n".join(logs.output))
        await self.assert_consistent()


class SpotAndPerpTogetherTests(ReliabilityTestCase):
    PERP = True

    async def test_10_spot_and_perp_in_one_process_under_faults(self):
        self.scenario("10 spot + perp in one process")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        await self.fault(venue.admin.private_ws_fault("duplicate", count=10))
        await self.fault(venue.admin.fail_next("/api/v1/order", 503, count=1, method="GET"))
        spot_ids, perp_ids = [], []
        for index in range(4):  # interleaved: both draw client ids at the same moments
            spot_ids.append(spot.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal(150 - index)))
            perp_ids.append(perp.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal(150 - index),
                                     position_action=PositionAction.OPEN))
        self.assertEqual(8, len(set(spot_ids) | set(perp_ids)))  # no id collision
        await wait_for(lambda: len(venue.server.exchange.open_orders) == 8, "the 8 orders to rest")
        await self.fault(venue.admin.drop_ws("all"))
        venue.counterparty(SPOT_SYMBOL, "Ask", "1.5", "149")  # fills spot orders only
        await wait_for(lambda: len(venue.server.hub.private_subs.get(venue.api_key, ())) == 2, "resubscribed")
        venue.counterparty(PERP_SYMBOL, "Ask", "2.5", "148")  # fills perp orders only
        spot.cancel(PAIR, spot_ids[3])
        perp.cancel(PAIR, perp_ids[3])
        await self.wait_filled(spot, "1.5", "the spot fills")
        await self.wait_filled(perp, "2.5", "the perp fills")
        await wait_for(lambda: all(self.events(c, MarketEvent.OrderCancelled) for c in (spot, perp)),
                       "both cancels")

        for connector, mine, theirs in ((spot, spot_ids, perp_ids), (perp, perp_ids, spot_ids)):
            seen = {getattr(e, "order_id", None) for e in self.events(connector, *ORDER_EVENTS)}
            self.assertEqual(set(), seen & set(theirs), f"{connector.name} got the other connector's order events")
            self.assertTrue(set(mine) >= seen)
            self.assertFalse(set(theirs) & set(connector.in_flight_orders))
        await self.assert_consistent()
