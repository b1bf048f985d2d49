"""Issue 22 item 3: "never executed" is a presumption, not a proof.

- While an order's create is unresolved (in flight: its own 10 s timeout and lookups, about 17 s), Hummingbot's
  lost-order counting never applies to it: neither the polls' "not found" nor a cancel's.
- An order failed as presumed never executed (its create got no clear answer, the signature window ended, found
  nowhere) stays matchable by clientId + market (its exchange id once seen): should it show up, on the order stream
  or in a poll's open orders, its fills are reported and it is cancelled; cancel-all reaches it meanwhile."""
import asyncio
import json
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import fill_row, order_update_frame, rest_order, url_regex
from test.connector.backpack.order_test_case import NOT_FOUND, BackpackOrderTestCase

UNAVAILABLE = json.dumps({"code": "SERVICE_UNAVAILABLE", "message": "Unknown error"})


class CreateInFlightTests(BackpackOrderTestCase):

    def hang_create(self) -> asyncio.Event:
        """The create is sent and answered only once the returned event is set."""
        answer = asyncio.Event()

        async def answered_later(url, **kwargs):
            await answer.wait()
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), callback=answered_later,
                           body=self.order_created_response("9001", 700))
        return answer

    def absent_in_polls(self):
        self.mock_api.get(self.url(CONSTANTS.ORDERS_PATH_URL), body="[]", repeat=True)
        self.nowhere()

    async def test_polls_never_count_an_order_whose_create_is_in_flight(self):
        answer = self.hang_create()
        self.absent_in_polls()
        create = asyncio.ensure_future(self.create())
        await asyncio.sleep(0.01)
        order = self.exchange.in_flight_orders["700"]
        for _ in range(2 * (self.exchange._order_tracker.lost_order_count_limit + 1)):  # 5 s polls for 40 s
            await self.exchange._update_order_status()
        await asyncio.sleep(0)
        self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
        self.assertEqual(({}, 0), (self.exchange._order_tracker.lost_orders,
                                   self.exchange._order_tracker._order_not_found_records.get("700", 0)))
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)
        answer.set()
        await create
        self.assertEqual((OrderState.OPEN, "9001"), (order.current_state, order.exchange_order_id))

    async def test_cancel_during_the_create_is_not_counted_and_is_sent_again_once_the_order_is_open(self):
        answer = self.hang_create()
        create = asyncio.ensure_future(self.create())
        await asyncio.sleep(0.01)
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=404, body=NOT_FOUND)  # not registered yet
        self.assertIsNone(await self.exchange._execute_cancel("SOL-USDC", "700"))
        self.assertEqual(0, self.exchange._order_tracker._order_not_found_records.get("700", 0))
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("9001", 700, "SOL_USDC", "Cancelled", Decimal("1"), Decimal("180"))))
        answer.set()
        await create
        await self.wait_until(lambda: self.events[MarketEvent.OrderCancelled].event_log)
        self.assertEqual([{"symbol": "SOL_USDC", "clientId": 700}, {"symbol": "SOL_USDC", "orderId": "9001"}],
                         self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))  # by its exchange id once known
        self.assertEqual(["700"], [e.order_id for e in self.events[MarketEvent.BuyOrderCreated].event_log])


    async def cancel_during_a_batch_create(self, **post_answer):
        """A batch of one order whose POST is answered (`post_answer`) only after a cancel of it came back
        "not found" (not registered yet); then the order is cancelled by its exchange id once open."""
        answer = asyncio.Event()

        async def answered_later(url, **kwargs):
            await answer.wait()
        created = self.exchange.batch_order_create(
            [LimitOrder("", "SOL-USDC", True, "SOL", "USDC", Decimal("180"), Decimal("1"))])
        order_id = created[0].client_order_id
        self.mock_api.post(self.url(CONSTANTS.ORDERS_PATH_URL), callback=answered_later, **post_answer)
        await self.wait_until(lambda: self.sent("POST", CONSTANTS.ORDERS_PATH_URL))
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=404, body=NOT_FOUND)  # not registered yet
        self.assertIsNone(await self.exchange._execute_cancel("SOL-USDC", order_id))
        resting = rest_order("9001", int(order_id), "SOL_USDC", "New", Decimal("1"), Decimal("180"))
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), body=json.dumps(resting))  # its lookup
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps({**resting, "status": "Cancelled"}))
        answer.set()
        await self.wait_until(lambda: self.events[MarketEvent.OrderCancelled].event_log)
        self.assertEqual([{"symbol": "SOL_USDC", "clientId": int(order_id)}, {"symbol": "SOL_USDC", "orderId": "9001"}],
                         self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))

    async def test_cancel_during_a_batch_create_is_sent_again_once_the_order_is_open(self):
        """The batch path too: the order must be OPEN when its create is resolved, or the remembered cancel is
        dropped and the order keeps resting."""
        await self.cancel_during_a_batch_create(body=json.dumps([{"operation": "Ok", **rest_order(
            "9001", 1, "SOL_USDC", "New", Decimal("1"), Decimal("180"))}]))

    async def test_cancel_during_an_unanswered_batch_create_is_sent_once_the_lookup_finds_the_order(self):
        await self.cancel_during_a_batch_create(status=503, body=UNAVAILABLE)

class PresumedFailedTests(BackpackOrderTestCase):

    def make_exchange(self, **kwargs):
        exchange = super().make_exchange(**kwargs)
        exchange.PRESUMED_FAILED_WIND_DOWN_S = (0.0, 0.01)  # (1, 2, 5, 10, 30 s by default)
        return exchange

    async def asyncSetUp(self):
        await super().asyncSetUp()
        # the create gets a 503, the order is nowhere, the exchange's clock is past the window: presumed failed
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=503, body=UNAVAILABLE)
        self.nowhere()
        expiry_ms = self.exchange._time_synchronizer.time() * 1e3 + CONSTANTS.DEFAULT_WINDOW_MS
        self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body=str(int(expiry_ms + 2000)), repeat=True)
        await self.create()
        await self.wait_until(lambda: self.events[MarketEvent.OrderFailure].event_log)
        self.mock_api.clear()
        self.assertIn("presumed never executed", self.failure_messages()[0])
        self.assertEqual(["700"], list(self.exchange.orders_presumed_failed))
        self.order = self.exchange.orders_presumed_failed["700"].order
        # created while our create was valid (the test clock and server clock differ: the window's end is the
        # server's), so an order with our clientId created then can be ours
        self.inside_ms = int(expiry_ms) - 1000
        self.outside_ms = self.inside_ms + 120_000  # another bot's order reusing the clientId 2 minutes later

    def frame(self, event: str, status: str, executed: Decimal = Decimal("0"), created_ms: int = 0, **fields):
        at_us = (created_ms or self.inside_ms) * 1000
        return order_update_frame(event, status, "9001", 700, "SOL_USDC", Decimal("1"), Decimal("180"), executed,
                                  E=at_us + 50, T=at_us, **fields)

    def on_the_exchange_then_cancelled(self, status: str, executed: str, fills: list):
        """It rests (`status`, `executed`), the cancel takes it off; then it is in history only."""
        def row(state: str):
            return json.dumps(rest_order("9001", 700, "SOL_USDC", state, Decimal("1"), Decimal("180"),
                                         executed=Decimal(executed), created_at=self.inside_ms))
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), body=row(status))
        self.fills(fills)
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=row("Cancelled"))
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND)
        self.history([json.loads(row("Cancelled"))])
        self.fills(fills)

    async def test_it_shows_up_on_the_order_stream_its_fills_are_reported_and_it_is_cancelled(self):
        fill = fill_row(555, "9001", 700, "SOL_USDC", Decimal("180"), Decimal("0.4"), Decimal("0.0004"), "SOL")
        self.on_the_exchange_then_cancelled("PartiallyFilled", "0.4", [fill])
        await self.exchange._process_user_stream_message(self.frame("orderAccepted", "New"))
        await self.exchange._process_user_stream_message(self.frame(
            "orderFill", "PartiallyFilled", Decimal("0.4"), t=555, l="0.4", L="180", m=False, n="0.0004", N="SOL"))
        await self.wait_until(lambda: "700" not in self.exchange.orders_presumed_failed)
        filled = self.events[MarketEvent.OrderFilled].event_log
        self.assertEqual([("700", "555", Decimal("0.4"))],
                         [(e.order_id, e.exchange_trade_id, e.amount) for e in filled])
        self.assertEqual("9001", self.order.exchange_order_id)
        self.assertEqual([{"symbol": "SOL_USDC", "orderId": "9001"}], self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(1, len(self.events[MarketEvent.OrderFailure].event_log))  # its one final event
        self.assertEqual([], self.events[MarketEvent.OrderCancelled].event_log)
        self.assertNotIn("700", self.exchange._order_tracker._failed_but_watched)  # let go once closed

    async def test_it_shows_up_in_the_open_orders_of_a_status_poll_and_is_cancelled(self):
        self.mock_api.get(self.url(CONSTANTS.ORDERS_PATH_URL), body=json.dumps([
            rest_order("9001", 700, "SOL_USDC", "New", Decimal("1"), Decimal("180"), created_at=self.inside_ms)]))
        self.on_the_exchange_then_cancelled("New", "0", [])
        await self.exchange._update_order_status()
        await self.wait_until(lambda: "700" not in self.exchange.orders_presumed_failed)
        self.assertEqual("9001", self.order.exchange_order_id)
        self.assertEqual([{"symbol": "SOL_USDC", "orderId": "9001"}], self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))

    async def test_an_event_of_another_market_with_its_client_id_is_not_it(self):
        await self.exchange._process_user_stream_message(order_update_frame(
            "orderAccepted", "New", "77", 700, "BTC_USDC", Decimal("1"), Decimal("30000")))
        await asyncio.sleep(0.05)
        self.assertFalse(self.exchange.orders_presumed_failed["700"].seen)
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDER_PATH_URL))

    async def test_an_order_with_its_client_id_created_outside_its_window_is_not_it(self):
        """Another bot of the account may reuse the clientId (1 in 64 slots): its order, created after our create's
        window, is neither adopted (its fills would be reported as ours) nor cancelled."""
        await self.exchange._process_user_stream_message(self.frame("orderAccepted", "New", created_ms=self.outside_ms))
        self.mock_api.get(self.url(CONSTANTS.ORDERS_PATH_URL), body=json.dumps([
            rest_order("9001", 700, "SOL_USDC", "New", Decimal("1"), Decimal("180"), created_at=self.outside_ms)]))
        await self.exchange._update_order_status()
        await asyncio.sleep(0.05)
        self.assertFalse(self.exchange.orders_presumed_failed["700"].seen)
        self.assertIsNone(self.order.exchange_order_id)
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDER_PATH_URL))

    async def test_cancel_all_reaches_it(self):
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), body=json.dumps(
            rest_order("9001", 700, "SOL_USDC", "New", Decimal("1"), Decimal("180"), created_at=self.inside_ms)))
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=404, body=NOT_FOUND)
        self.assertEqual([], await self.exchange.cancel_all(5))  # no active order to report
        self.assertEqual({"symbol": "SOL_USDC", "orderId": "9001"}, self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL)[0])
        self.assertTrue(self.exchange.orders_presumed_failed["700"].seen)  # found: wound down (fills, cancel)

    async def test_cancel_all_spares_an_order_with_its_client_id_created_outside_its_window(self):
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), body=json.dumps(
            rest_order("9001", 700, "SOL_USDC", "New", Decimal("1"), Decimal("180"), created_at=self.outside_ms)))
        self.assertEqual([], await self.exchange.cancel_all(5))
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDER_PATH_URL))  # never by clientId on a guess
        self.assertFalse(self.exchange.orders_presumed_failed["700"].seen)

    async def test_a_found_order_never_seen_closed_is_given_up_after_a_bound(self):
        now = [self.exchange._monotonic()]
        self.exchange._monotonic = lambda: now[0]
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), body=json.dumps(
            rest_order("9001", 700, "SOL_USDC", "New", Decimal("1"), Decimal("180"), created_at=self.inside_ms)),
            repeat=True)
        self.fills([])
        self.mock_api.get(url_regex(self.url(CONSTANTS.FILL_HISTORY_PATH_URL)), body="[]", repeat=True)
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=202, body="{}", repeat=True)
        await self.exchange._process_user_stream_message(self.frame("orderAccepted", "New"))
        await self.wait_until(lambda: len(self.sent("DELETE", CONSTANTS.ORDER_PATH_URL)) >= 2)
        self.assertIn("700", self.exchange.orders_presumed_failed)  # never closed: still checked
        now[0] += self.exchange.PRESUMED_FAILED_WIND_DOWN_MAX_S
        with self.assertLogs(self.exchange.logger(), level="WARNING") as logs:
            await self.wait_until(lambda: "700" not in self.exchange.orders_presumed_failed)
        self.assertTrue(any("no longer checked" in line for line in logs.output))
        self.assertNotIn("700", self.exchange._order_tracker._failed_but_watched)

    async def test_it_is_looked_up_until_its_watch_ends(self):
        entry = self.exchange.orders_presumed_failed["700"]
        entry.task.cancel()
        self.exchange.PRESUMED_FAILED_RECHECK_S = (0.01,)
        now = [self.exchange._monotonic()]
        self.exchange._monotonic = lambda: now[0]
        self.nowhere()
        entry.task = asyncio.ensure_future(self.exchange._watch_presumed_failed(entry))
        await self.wait_until(lambda: len(self.sent("GET", CONSTANTS.ORDER_PATH_URL)) >= 2)
        self.assertIn("700", self.exchange.orders_presumed_failed)
        now[0] += self.exchange.PRESUMED_FAILED_WATCH_S
        await self.wait_until(lambda: "700" not in self.exchange.orders_presumed_failed)
