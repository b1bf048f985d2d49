"""Backpack-specific order behaviour beyond Hummingbot's generic suite: native batch create, creates
without a clear answer (unknown outcome), batch cancel and cancel-all, cancels answered 202."""
import asyncio
import json
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import order_update_frame, rest_order, url_regex
from test.connector.backpack.order_test_case import NOT_FOUND, BackpackOrderTestCase


class BackpackBatchAndCancelTests(BackpackOrderTestCase):

    # ----- batch create / cancel, cancel-all -----

    async def test_native_batch_create(self):
        self.mock_api.post(self.url(CONSTANTS.ORDERS_PATH_URL), body=json.dumps([
            {"operation": "Ok", **rest_order("11", None, "SOL_USDC", "New", Decimal("1"), Decimal("170"))},
            {"operation": "Err", "code": "INSUFFICIENT_FUNDS", "message": "Insufficient funds"}]))
        orders = [LimitOrder("", "SOL-USDC", True, "SOL", "USDC", Decimal("170.005"), Decimal("1")),
                  LimitOrder("", "SOL-USDC", False, "SOL", "USDC", Decimal("190"), Decimal("2")),
                  LimitOrder("", "DOGE-USDC", True, "DOGE", "USDC", Decimal("1"), Decimal("1"))]
        with self.assertLogs(self.exchange.logger(), level="ERROR"):
            created = self.exchange.batch_order_create(orders)
            for _ in range(50):
                await asyncio.sleep(0.01)
                if len(self.events[MarketEvent.OrderFailure].event_log) == 2:
                    break
        ids = [order.client_order_id for order in created]
        self.assertEqual(3, len(set(ids)))
        sent = self.bodies("POST", CONSTANTS.ORDERS_PATH_URL)
        self.assertEqual(1, len(sent))
        self.assertEqual([(int(ids[0]), "Bid", "170"), (int(ids[1]), "Ask", "190")],
                         [(o["clientId"], o["side"], o["price"]) for o in sent[0]])
        self.assertEqual("11", self.exchange.in_flight_orders[ids[0]].exchange_order_id)
        self.assertEqual({ids[1], ids[2]}, {e.order_id for e in self.events[MarketEvent.OrderFailure].event_log})

    async def test_batch_create_without_answer_keeps_the_orders_the_exchange_took(self):
        """A 503 on the batch does not say whether it executed: each order is looked up by clientId; the one found
        is open, the other stays tracked with an unknown outcome (neither failed on a guess nor duplicated)."""
        self.exchange.UNKNOWN_OUTCOME_RECHECK_S = (3600.0,)
        self.mock_api.post(self.url(CONSTANTS.ORDERS_PATH_URL), status=503,
                           body=json.dumps({"code": "SERVICE_UNAVAILABLE", "message": "Unknown error"}))
        orders = [LimitOrder("", "SOL-USDC", True, "SOL", "USDC", Decimal("170"), Decimal("1")),
                  LimitOrder("", "SOL-USDC", False, "SOL", "USDC", Decimal("190"), Decimal("2"))]
        created = [o.client_order_id for o in self.exchange.batch_order_create(orders)]
        order_url = url_regex(self.url(CONSTANTS.ORDER_PATH_URL))
        self.mock_api.get(order_url, body=json.dumps(
            rest_order("11", int(created[0]), "SOL_USDC", "New", Decimal("1"), Decimal("170"))))
        self.mock_api.get(order_url, status=404, body=NOT_FOUND)
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_HISTORY_PATH_URL)), body="[]")
        self.mock_api.get(url_regex(self.url(CONSTANTS.FILL_HISTORY_PATH_URL)), body="[]")
        await self.wait_until(lambda: self.exchange.orders_with_unknown_outcome)
        await asyncio.sleep(0.05)
        taken = self.exchange.in_flight_orders[created[0]]
        self.assertEqual("11", taken.exchange_order_id)
        self.assertEqual(OrderState.OPEN, taken.current_state)
        self.assertEqual([created[1]], list(self.exchange.orders_with_unknown_outcome))
        self.assertEqual(OrderState.PENDING_CREATE, self.exchange.in_flight_orders[created[1]].current_state)
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)
        self.assertEqual(1, len(self.sent("POST", CONSTANTS.ORDERS_PATH_URL)))  # nothing re-sent

    async def test_unanswered_create_registered_late_is_found_on_a_later_lookup(self):
        """The create times out and the exchange shows the order only at the second lookup: it must end OPEN
        and tracked (not failed, which would leave it resting untracked), and nothing is re-sent."""
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), exception=asyncio.TimeoutError())
        order_url = url_regex(self.url(CONSTANTS.ORDER_PATH_URL))
        self.mock_api.get(order_url, status=404, body=NOT_FOUND)
        self.history([])
        self.fills([])
        self.mock_api.get(order_url, body=self.order_created_response("9001", 700, "New"))
        await self.create()
        order = self.exchange.in_flight_orders["700"]
        self.assertEqual((OrderState.OPEN, "9001"), (order.current_state, order.exchange_order_id))
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)
        self.assertEqual(["700"], [e.order_id for e in self.events[MarketEvent.BuyOrderCreated].event_log])
        self.assertEqual(1, len(self.sent("POST", CONSTANTS.ORDER_PATH_URL)))  # nothing re-sent
        self.assertEqual(2, len(self.sent("GET", CONSTANTS.ORDER_PATH_URL)))

    def server_times(self, *times_ms: int):
        for time_ms in times_ms:
            self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body=str(time_ms))

    def nowhere(self):
        """The order is neither resting nor in order or fill history, however often it is looked up."""
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND, repeat=True)
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_HISTORY_PATH_URL)), body="[]", repeat=True)
        self.mock_api.get(url_regex(self.url(CONSTANTS.FILL_HISTORY_PATH_URL)), body="[]", repeat=True)

    async def wait_until(self, condition, timeout=2.0):
        for _ in range(int(timeout / 0.01)):
            if condition():
                return
            await asyncio.sleep(0.01)
        self.fail("condition not met in time")

    async def test_unanswered_create_stays_tracked_until_its_window_provably_ended(self):
        """No clear answer and not found by the first lookups: the order may still execute, so it stays tracked
        (PENDING_CREATE, listed as of unknown outcome, a warning says so) and fails only after the exchange's
        clock is past the signed request's window and a later lookup still finds it nowhere."""
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=503,
                           body=json.dumps({"code": "SERVICE_UNAVAILABLE", "message": "Unknown error"}))
        self.nowhere()
        expiry_ms = self.exchange._time_synchronizer.time() * 1e3 + CONSTANTS.DEFAULT_WINDOW_MS
        self.server_times(int(expiry_ms - 4000), int(expiry_ms - 10), int(expiry_ms + 2000))
        with self.assertLogs(self.exchange.logger(), level="WARNING") as logs:
            await self.create()
        order = self.exchange.in_flight_orders["700"]
        self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
        self.assertEqual(["700"], list(self.exchange.orders_with_unknown_outcome))
        self.assertTrue(any("outcome of order 700" in line and "UNKNOWN" in line for line in logs.output))
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)
        await self.wait_until(lambda: self.events[MarketEvent.OrderFailure].event_log)
        self.assertIn("never executed", self.failure_messages()[0])
        times = self.sent("GET", CONSTANTS.SERVER_TIME_PATH_URL)
        self.assertEqual(3, len(times))  # two checks inside the window (+ margin) failed nothing
        self.assertEqual(1, len(self.sent("POST", CONSTANTS.ORDER_PATH_URL)))
        self.assertEqual({}, self.exchange.orders_with_unknown_outcome)

    async def test_status_polls_never_give_an_order_of_unknown_outcome_up_as_lost(self):
        self.exchange.UNKNOWN_OUTCOME_RECHECK_S = (3600.0,)  # only the polls look meanwhile
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), exception=asyncio.TimeoutError())
        self.nowhere()
        await self.create()
        for _ in range(2 * self.exchange._order_tracker.lost_order_count_limit):
            await self.exchange._update_order_status()
        order = self.exchange.in_flight_orders["700"]
        self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
        self.assertEqual({}, self.exchange._order_tracker.lost_orders)
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)
        # the strategy cancels it meanwhile: not found is no proof, it stays tracked and is cancelled when it shows up
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=404, body=NOT_FOUND)
        await self.exchange._execute_cancel("SOL-USDC", "700")
        self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
        self.assertEqual([{"symbol": "SOL_USDC", "clientId": 700}], self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))
        # it shows up on the order stream: reconciled, then cancelled as asked
        self.exchange._user_stream_tracker._user_stream.put_nowait(order_update_frame(
            "orderAccepted", "New", "9001", 700, "SOL_USDC", Decimal("1"), Decimal("180")))
        listener = asyncio.ensure_future(self.exchange._user_stream_event_listener())
        await self.wait_until(lambda: order.current_state == OrderState.OPEN)
        listener.cancel()
        self.assertEqual(["700"], [e.order_id for e in self.events[MarketEvent.BuyOrderCreated].event_log])
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("9001", 700, "SOL_USDC", "Cancelled", Decimal("1"), Decimal("180"))))
        self.assertTrue(self.exchange._outcome_known(order, self.exchange._unknown_outcomes["700"]))
        await self.wait_until(lambda: self.events[MarketEvent.OrderCancelled].event_log)
        self.assertEqual({}, self.exchange.orders_with_unknown_outcome)

    async def test_batch_cancel_uses_native_cancel_all_when_opted_in_and_it_covers_the_market(self):
        self.exchange._cancel_all_scope = CONSTANTS.CANCEL_ALL_SCOPE_MARKET
        first, second = self.track("801", "1"), self.track("802", "2")
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDERS_PATH_URL)), body=json.dumps([
            rest_order("1", 801, "SOL_USDC", "New", Decimal("2"), Decimal("180")),
            rest_order("2", 802, "SOL_USDC", "New", Decimal("2"), Decimal("180"))]))
        self.mock_api.delete(self.url(CONSTANTS.ORDERS_PATH_URL), body=json.dumps([
            rest_order("1", 801, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180")),
            rest_order("2", 802, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))]))
        results = await self.exchange._execute_batch_cancel(["801", "802"])
        self.assertEqual([True, True], [r.success for r in results])
        self.assertEqual([{"symbol": "SOL_USDC", "orderType": "RestingLimitOrder"}],
                         self.bodies("DELETE", CONSTANTS.ORDERS_PATH_URL))
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDER_PATH_URL))
        self.assertTrue(first.is_cancelled and second.is_cancelled)

    async def test_batch_cancel_spares_other_resting_orders(self):
        self.exchange._cancel_all_scope = CONSTANTS.CANCEL_ALL_SCOPE_MARKET
        self.track("801", "1")
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDERS_PATH_URL)), body=json.dumps([
            rest_order("1", 801, "SOL_USDC", "New", Decimal("2"), Decimal("180")),
            rest_order("5", None, "SOL_USDC", "New", Decimal("2"), Decimal("150"))]))  # not in the batch
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("1", 801, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))))
        results = await self.exchange._execute_batch_cancel(["801"])
        self.assertEqual([True], [r.success for r in results])
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDERS_PATH_URL))
        self.assertEqual(1, len(self.sent("DELETE", CONSTANTS.ORDER_PATH_URL)))

    async def test_batch_cancel_never_takes_a_foreign_order_without_client_id_for_ours(self):
        """An order of ours without a numeric client id (e.g. restored from older saved state) must not make a
        foreign order with a null clientId look like ours: that would cancel it through cancel-all."""
        self.exchange._cancel_all_scope = CONSTANTS.CANCEL_ALL_SCOPE_MARKET
        self.track("legacy-1", "1")
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDERS_PATH_URL)), body=json.dumps([
            rest_order("1", None, "SOL_USDC", "New", Decimal("2"), Decimal("180")),
            rest_order("5", None, "SOL_USDC", "New", Decimal("2"), Decimal("150"))]))  # another bot's order
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("1", None, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))))
        results = await self.exchange._execute_batch_cancel(["legacy-1"])
        self.assertEqual([True], [r.success for r in results])
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDERS_PATH_URL))
        self.assertEqual([{"symbol": "SOL_USDC", "orderId": "1"}], self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))

    async def test_cancel_all_cancels_only_the_bots_orders_by_default(self):
        """A strategy stopping must not cancel the account's other orders (manual, other bots'): by default each
        of the bot's orders is cancelled by its own id, the native cancel-all is never sent."""
        self.assertEqual("bot_orders", self.exchange.cancel_all_scope)
        self.track("901", "1")
        self.track("903", "3", trading_pair="BTC-USDC")
        for client_id, order_id, symbol in ((901, "1", "SOL_USDC"), (903, "3", "BTC_USDC")):
            self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
                rest_order(order_id, client_id, symbol, "Cancelled", Decimal("2"), Decimal("180"))))
        results = await self.exchange.cancel_all(5)
        self.assertEqual({"901": True, "903": True}, {r.order_id: r.success for r in results})
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDERS_PATH_URL))
        self.assertEqual({("SOL_USDC", "1"), ("BTC_USDC", "3")},
                         {(b["symbol"], b["orderId"]) for b in self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL)})
        await asyncio.sleep(0)
        self.assertEqual(2, len(self.events[MarketEvent.OrderCancelled].event_log))

    def test_cancel_all_scope_setting(self):
        self.assertEqual("bot_orders", self.make_exchange(backpack_cancel_all_scope="").cancel_all_scope)
        self.assertEqual("all_orders_in_market",
                         self.make_exchange(backpack_cancel_all_scope="all_orders_in_market").cancel_all_scope)
        with self.assertRaises(ValueError) as context:
            self.make_exchange(backpack_cancel_all_scope="everything")
        self.assertIn("bot_orders", str(context.exception))

    async def test_cancel_answered_202_stays_pending_until_the_stream_confirms(self):
        order = self.track("905", "5")
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=202, body="")
        self.assertEqual("905", await self.exchange._execute_cancel("SOL-USDC", "905"))  # accepted: a success
        await asyncio.sleep(0)
        self.assertEqual(OrderState.PENDING_CANCEL, order.current_state)
        self.assertEqual([], self.events[MarketEvent.OrderCancelled].event_log)
        self.exchange._user_stream_tracker._user_stream.put_nowait(order_update_frame(
            "orderCancelled", "Cancelled", "5", 905, "SOL_USDC", Decimal("2"), Decimal("180")))
        listener = asyncio.ensure_future(self.exchange._user_stream_event_listener())
        await self.wait_until(lambda: self.events[MarketEvent.OrderCancelled].event_log)
        listener.cancel()
        self.assertEqual(OrderState.CANCELED, order.current_state)

    async def test_cancel_answered_202_leaves_an_order_of_unknown_outcome_pending_creation(self):
        """202 "accepted, not yet executed" says nothing about whether the order exists: an order of unknown
        outcome stays so (PENDING_CREATE, never given up as lost by the polls), to be cancelled when it shows up."""
        self.exchange.UNKNOWN_OUTCOME_RECHECK_S = (3600.0,)  # only the polls look meanwhile
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), exception=asyncio.TimeoutError())
        self.nowhere()
        await self.create()
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=202, body="", repeat=True)
        self.assertIsNone(await self.exchange._execute_cancel("SOL-USDC", "700"))
        await asyncio.sleep(0)
        order = self.exchange.in_flight_orders["700"]
        self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
        self.assertEqual(["700"], list(self.exchange.orders_with_unknown_outcome))
        self.assertTrue(self.exchange._unknown_outcomes["700"].cancel_requested)
        for _ in range(2 * self.exchange._order_tracker.lost_order_count_limit):
            await self.exchange._update_order_status()
        self.assertEqual((OrderState.PENDING_CREATE, {}), (order.current_state, self.exchange._order_tracker.lost_orders))
        self.assertEqual([], self.events[MarketEvent.OrderFailure].event_log)

    async def test_cancel_answered_202_is_repeated_while_not_confirmed(self):
        self.exchange.CANCEL_CONFIRM_DELAYS_S = (0.01, 0.01)
        order = self.track("906", "6")
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), status=202, body="")
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("6", 906, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))))
        await self.exchange._execute_cancel("SOL-USDC", "906")
        await self.wait_until(lambda: self.events[MarketEvent.OrderCancelled].event_log)
        self.assertEqual(OrderState.CANCELED, order.current_state)
        self.assertEqual(2, len(self.sent("DELETE", CONSTANTS.ORDER_PATH_URL)))

    async def test_native_cancel_all_answered_202_leaves_the_orders_pending_cancel(self):
        self.exchange._cancel_all_scope = CONSTANTS.CANCEL_ALL_SCOPE_MARKET
        self.exchange.CANCEL_CONFIRM_DELAYS_S = (3600.0,)
        orders = [self.track("907", "7"), self.track("908", "8")]
        self.mock_api.delete(self.url(CONSTANTS.ORDERS_PATH_URL), status=202, body="")
        results = await self.exchange.cancel_all(5)
        self.assertEqual({"907": True, "908": True}, {r.order_id: r.success for r in results})
        await asyncio.sleep(0)
        self.assertEqual([OrderState.PENDING_CANCEL] * 2, [o.current_state for o in orders])
        self.assertEqual([], self.events[MarketEvent.OrderCancelled].event_log)

    async def test_cancel_all_is_one_native_request_per_market_when_opted_in(self):
        self.exchange._cancel_all_scope = CONSTANTS.CANCEL_ALL_SCOPE_MARKET
        self.track("901", "1")
        self.track("902", "2")
        self.track("903", "3", trading_pair="BTC-USDC")
        self.mock_api.delete(self.url(CONSTANTS.ORDERS_PATH_URL), body=json.dumps([
            rest_order("3", 903, "BTC_USDC", "Cancelled", Decimal("2"), Decimal("180"))]))
        self.mock_api.delete(self.url(CONSTANTS.ORDERS_PATH_URL), body=json.dumps([
            rest_order("1", 901, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180")),
            rest_order("2", 902, "SOL_USDC", "Cancelled", Decimal("2"), Decimal("180"))]))
        results = await self.exchange.cancel_all(5)
        self.assertEqual({"901": True, "902": True, "903": True}, {r.order_id: r.success for r in results})
        self.assertEqual(["BTC_USDC", "SOL_USDC"],
                         [b["symbol"] for b in self.bodies("DELETE", CONSTANTS.ORDERS_PATH_URL)])
        self.assertEqual(3, len(self.events[MarketEvent.OrderCancelled].event_log))

