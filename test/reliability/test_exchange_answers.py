"""Scenarios 51-53 (issue 22, item 10), at Hummingbot's real timings: what the connector makes of the exchange's
answers to cancels and creates.

51: a cancel accepted with 202 that never executes (every repeat accepted too) no longer leaves the order
    PENDING_CANCEL for good: after the repeats (5, 10, 30, 60 s) and a last wait (5 s) it is looked up and is
    OPEN again, as on the exchange; a later cancel works.
52: a cancel goes by exchange id once known: the strategy cancels an order the exchange filled while the fill's
    frame was lost, and another bot of the account has since placed an order with the same clientId. By clientId
    that cancel took the other bot's order and reported ours cancelled; by exchange id it is refused ("not
    found"), the other bot's order stays, and the next poll reports ours filled.
53: a post-only order the exchange refused: the warning the user reads says so, not Hummingbot's "Check API
    key and network connection".

The connector's own waits (`_sleep`: the cancel repeats) run in the harness's virtual time, like its polls."""
import asyncio
from decimal import Decimal
from unittest.mock import MagicMock, patch

from hummingbot.core.data_type.common import OrderType
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from hummingbot.logger.logger import HummingbotLogger
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, SPOT_SYMBOL, wait_for

REAL_STEP_S = 0.02  # real time given to the connector after each virtual second


class ExchangeAnswerTests(ReliabilityTestCase):
    REAL_TIMINGS = True

    def sleep_in_virtual_time(self, connector):
        """The connector's waits (`_sleep`) end when the virtual clock has moved that far."""
        async def virtual_sleep(delay: float):
            wake = self.clock.now + delay
            while self.clock.now < wake:
                await asyncio.sleep(0.005)
        connector._sleep = virtual_sleep

    async def advance_until(self, condition, what: str, max_s: float) -> float:
        """Moves virtual time a second at a time until `condition`; the virtual seconds it took."""
        start = self.clock.now
        while not condition():
            if self.clock.now - start >= max_s:
                raise AssertionError(f"not within {max_s} virtual seconds: {what}")
            await self.clock.advance(1.0)
            await asyncio.sleep(REAL_STEP_S)
        return self.clock.now - start

    async def poll_and_check(self, connector):
        """Balances are polled (every 120 s with a live stream): the next poll, then the invariants."""
        await self.clock.until_next_poll(connector)
        await self.assert_consistent()

    def cancels_sent(self) -> list:
        return self.venue.server.request_log.entries(path="/api/v1/order", method="DELETE")

    async def test_51_cancel_accepted_202_never_executed_ends_open_again(self):
        self.scenario("51 cancel accepted (202), never executed: open again")
        spot, venue = self.venue.spot, self.venue
        self.sleep_in_virtual_time(spot)
        order_id = await self.place(spot, "buy", "1", "140")
        order = spot.in_flight_orders[order_id]
        await self.fault(venue.admin.accept_cancels("/api/v1/order", count=10, after=None))
        spot.cancel(PAIR, order_id)
        await wait_for(lambda: order.current_state == OrderState.PENDING_CANCEL, "the cancel to be accepted")
        took = await self.advance_until(lambda: order.current_state != OrderState.PENDING_CANCEL,
                                        "the order to leave PENDING_CANCEL", 150)
        self.assertGreaterEqual(took, 5 + 10 + 30 + 60 + 5)
        self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertEqual(5, len(self.cancels_sent()))  # the cancel and its four repeats, each accepted only
        self.assertEqual(["New"], [o.status for o in venue.emulator_orders()])
        self.assertEqual([], self.events(spot, MarketEvent.OrderCancelled))
        await self.poll_and_check(spot)

        await venue.admin.clear_faults()  # the strategy cancels again: executed this time
        spot.cancel(PAIR, order_id)
        await wait_for(lambda: self.events(spot, MarketEvent.OrderCancelled), "the second cancel")
        self.assertEqual([order_id], [e.order_id for e in self.events(spot, MarketEvent.OrderCancelled)])
        await self.poll_and_check(spot)

    async def test_52_cancel_by_exchange_id_spares_another_bots_order_with_our_client_id(self):
        self.scenario("52 cancel by exchange id: another bot's order with our clientId spared")
        spot, venue = self.venue.spot, self.venue
        order_id = await self.place(spot, "buy", "1", "150")
        await self.fault(venue.admin.drop_private_events(count=10, account=venue.api_key))  # a reconnect gap
        venue.counterparty(SPOT_SYMBOL, "Ask", "1", "150")  # fills it on the exchange; the frames are lost
        await asyncio.sleep(0.3)
        self.assertEqual(OrderState.OPEN, spot.in_flight_orders[order_id].current_state)  # the bot does not know
        other = venue.server.exchange.execute_order(venue.api_key, {  # another bot of the account, same clientId
            "symbol": SPOT_SYMBOL, "side": "Bid", "orderType": "Limit", "quantity": "1", "price": "120",
            "clientId": int(order_id)})
        venue.other_bots_orders.add(other.id)
        self.stats.faults += 1

        spot.cancel(PAIR, order_id)
        await wait_for(lambda: len(self.cancels_sent()) == 1, "the cancel")
        await asyncio.sleep(0.3)
        self.assertEqual("New", other.status, "the other bot's order was cancelled")
        self.assertEqual([], self.events(spot, MarketEvent.OrderCancelled))
        self.assertEqual({"symbol": SPOT_SYMBOL, "orderId": spot.in_flight_orders[order_id].exchange_order_id},
                         self.cancels_sent()[0]["params"])
        await self.clock.until_next_poll(spot)
        await wait_for(lambda: order_id in self.completed(spot), "the poll to report our order filled")
        self.assertEqual([Decimal("1")], [e.amount for e in self.events(spot, MarketEvent.OrderFilled)])
        self.assertEqual("New", other.status)
        await self.poll_and_check(spot)

    async def test_53_post_only_refusal_says_why(self):
        self.scenario("53 post-only refused: the warning says why")
        spot, venue = self.venue.spot, self.venue
        app = MagicMock()  # Hummingbot shows its warnings only outside tests: run as the application does
        with patch.object(HummingbotLogger, "is_testing_mode", return_value=False), \
                patch("hummingbot.client.hummingbot_application.HummingbotApplication.main_application",
                      return_value=app), self.assertLogs(spot.logger(), level="WARNING") as logs:
            venue.counterparty(SPOT_SYMBOL, "Ask", "1", "150", tif="GTC")
            self.stats.faults += 1
            refused = spot.buy(PAIR, Decimal("1"), OrderType.LIMIT_MAKER, Decimal("151"))  # would take the ask
            await wait_for(lambda: self.failures(), "the refusal")
        shown = logs.output + [c.args[0].warning_msg for c in app.add_application_warning.call_args_list]
        self.assertEqual([refused], [e.order_id for e in self.failures()])
        self.assertEqual([], [line for line in shown if "Check API key" in line])
        self.assertTrue(any(f"Backpack refused the buy LIMIT_MAKER order {refused} (1.00 SOL-USDC at 151.00): "
                            f"Post-only order {refused} rejected by backpack: at 151.00 it would have taken "
                            f"liquidity." in line
                            for line in shown), shown)
        self.assertEqual(1, len(venue.order_requests()))  # sent once, refused, not retried
        await self.assert_consistent()
