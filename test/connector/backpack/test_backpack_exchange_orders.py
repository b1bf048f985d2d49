"""Backpack-specific order behaviour beyond Hummingbot's generic suite: validation before sending,
order options, time-sync retry, REST fallback, exactly-once fills, fees and balances."""
import asyncio
import json
from decimal import Decimal
from unittest.mock import AsyncMock

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import fill_row, order_update_frame, rest_order, url_regex
from test.connector.backpack.order_test_case import EXPIRED, NOT_FOUND, BackpackOrderTestCase


class BackpackOrderTests(BackpackOrderTestCase):

    # ----- validation: a clear error and no request -----

    async def assert_rejected_without_request(self, expected_fragment: str, **create_kwargs):
        with self.assertLogs(self.exchange.logger(), level="ERROR") as logs:
            await self.create(**create_kwargs)
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(1, len(self.events[MarketEvent.OrderFailure].event_log))
        self.assertTrue(any(expected_fragment in line for line in logs.output), logs.output)

    async def test_unknown_pair_is_rejected_before_sending(self):
        await self.assert_rejected_without_request("Unknown trading pair DOGE-USDC", pair="DOGE-USDC")

    async def test_invalid_time_in_force_is_rejected_before_sending(self):
        await self.assert_rejected_without_request("Invalid time_in_force 'GTD'", time_in_force="GTD")

    async def test_price_below_one_tick_is_rejected_before_sending(self):
        await self.assert_rejected_without_request("at least one tick (0.01)", price="0.004")

    async def test_post_only_with_ioc_is_rejected_before_sending(self):
        await self.assert_rejected_without_request("only be GTC", order_type=OrderType.LIMIT_MAKER,
                                                   time_in_force="IOC")

    async def test_amount_below_minimum_is_rejected_before_sending(self):
        await self.create(amount="0.001")
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(1, len(self.events[MarketEvent.OrderFailure].event_log))

    def test_invalid_self_trade_prevention_setting(self):
        with self.assertRaises(ValueError) as context:
            self.make_exchange(backpack_self_trade_prevention="Allow")
        self.assertIn("RejectTaker", str(context.exception))

    # ----- order options -----

    async def test_limit_order_body_is_quantized(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response())
        await self.create(amount="1.239", price="180.129")
        body = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)[0]
        self.assertEqual({"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "quantity": "1.23",
                          "price": "180.12", "clientId": 700, "timeInForce": "GTC", "postOnly": False,
                          "selfTradePrevention": "RejectTaker"}, body)
        self.assertEqual("9001", self.exchange.in_flight_orders["700"].exchange_order_id)

    async def test_ioc_from_strategy_kwarg_and_self_trade_setting(self):
        exchange = self.make_exchange(backpack_self_trade_prevention="RejectBoth")
        self.exchange = exchange
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response())
        order_id = exchange.sell("SOL-USDC", Decimal("1"), OrderType.LIMIT, Decimal("181"), time_in_force="ioc")
        for _ in range(50):
            if self.sent("POST", CONSTANTS.ORDER_PATH_URL):
                break
            await asyncio.sleep(0.01)
        body = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)[0]
        self.assertEqual(("Ask", "IOC", "RejectBoth", int(order_id)),
                         (body["side"], body["timeInForce"], body["selfTradePrevention"], body["clientId"]))

    async def test_fok_market_and_post_only(self):
        for _ in range(3):
            self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response())
        await self.create(order_id="1", time_in_force="FOK")
        await self.create(order_id="2", order_type=OrderType.MARKET)  # reference price is not sent
        await self.create(order_id="3", order_type=OrderType.LIMIT_MAKER)
        fok, market, maker = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)
        self.assertEqual("FOK", fok["timeInForce"])
        self.assertEqual("Market", market["orderType"])
        self.assertNotIn("price", market)
        self.assertNotIn("timeInForce", market)
        self.assertTrue(maker["postOnly"])
        self.assertEqual("GTC", maker["timeInForce"])

    async def test_post_only_reject_fails_the_order(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=json.dumps(
            {"code": "INVALID_ORDER", "message": "Order would immediately match and take liquidity"}))
        await self.create(order_type=OrderType.LIMIT_MAKER)
        failure = self.events[MarketEvent.OrderFailure].event_log[0]
        self.assertEqual("700", failure.order_id)
        self.assertIn("Post-only order 700 rejected", failure.error_message)
        self.assertNotIn("700", self.exchange.in_flight_orders)

    # ----- time sync: re-sync and retry once -----

    async def test_expired_request_resyncs_and_retries_once(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=EXPIRED)
        self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body="1640780000000")
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response())
        await self.create()
        self.assertEqual(2, len(self.sent("POST", CONSTANTS.ORDER_PATH_URL)))
        self.assertEqual(1, len(self.sent("GET", CONSTANTS.SERVER_TIME_PATH_URL)))
        self.assertEqual(OrderState.OPEN, self.exchange.in_flight_orders["700"].current_state)

    async def test_expired_twice_gives_up(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=EXPIRED)
        self.mock_api.get(self.url(CONSTANTS.SERVER_TIME_PATH_URL), body="1640780000000")
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=EXPIRED)
        await self.create()
        self.assertEqual(2, len(self.sent("POST", CONSTANTS.ORDER_PATH_URL)))
        self.assertEqual(1, len(self.events[MarketEvent.OrderFailure].event_log))


    # ----- REST fallback for order status -----

    async def test_status_from_order_history_when_not_resting(self):
        order = self.track()
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND)
        self.history([rest_order("9001", 501, "SOL_USDC", "Expired", Decimal("2"), Decimal("180"),
                                 created_at="2021-12-29T12:13:20.000")])
        update = await self.exchange._request_order_status(order)
        self.assertEqual(OrderState.CANCELED, update.new_state)
        self.assertEqual("9001", update.exchange_order_id)

    async def test_filled_order_missing_from_history_is_resolved_from_fills_not_failed(self):
        order = self.track()
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND)
        self.history([])
        self.fills([fill_row(1, "9001", 501, "SOL_USDC", Decimal("180"), Decimal("1.5"), Decimal("0.0015"), "SOL"),
                    fill_row(2, "9001", 501, "SOL_USDC", Decimal("179.9"), Decimal("0.5"), Decimal("0.0005"), "SOL")])
        update = await self.exchange._request_order_status(order)
        self.assertEqual(OrderState.FILLED, update.new_state)
        self.assertFalse(self.exchange._is_order_not_found_during_status_update_error(IOError("x")))

    async def test_fills_of_an_order_without_exchange_id_are_matched_by_client_id(self):
        order = self.track(exchange_order_id=None)
        self.fills([fill_row(7, "9001", 501, "SOL_USDC", Decimal("180"), Decimal("1"), Decimal("0.001"), "SOL"),
                    fill_row(8, "9002", 502, "SOL_USDC", Decimal("181"), Decimal("1"), Decimal("0.001"), "SOL")])
        updates = await self.exchange._all_trade_updates_for_order(order)
        self.assertEqual([("7", "9001")], [(u.trade_id, u.exchange_order_id) for u in updates])
        self.assertNotIn("orderId", self.sent("GET", CONSTANTS.FILL_HISTORY_PATH_URL)[0].kwargs["params"])

    async def test_fills_of_an_order_are_read_page_by_page(self):
        order = self.track(amount="2000")
        first_page = [fill_row(i, "9001", 501, "SOL_USDC", Decimal("180"), Decimal("1"), Decimal("0.001"), "SOL")
                      for i in range(1, CONSTANTS.HISTORY_PAGE_LIMIT + 1)]
        self.fills(first_page)
        self.fills([fill_row(1001, "9001", 501, "SOL_USDC", Decimal("181"), Decimal("0.5"), Decimal("0.001"),
                             "SOL")])
        updates = await self.exchange._all_trade_updates_for_order(order)
        self.assertEqual(CONSTANTS.HISTORY_PAGE_LIMIT + 1, len({u.trade_id for u in updates}))
        self.assertEqual(Decimal("1000.5"), sum((u.fill_base_amount for u in updates), Decimal("0")))
        params = [call.kwargs["params"] for call in self.sent("GET", CONSTANTS.FILL_HISTORY_PATH_URL)]
        self.assertEqual([("0", "1000", "9001"), ("1000", "1000", "9001")],
                         [(p["offset"], p["limit"], p["orderId"]) for p in params])  # a short page ends it

    async def test_fill_paging_is_bounded(self):
        order = self.track(amount="100000")
        self.exchange.FILL_HISTORY_MAX_PAGES = 3
        for page in range(5):
            self.fills([fill_row(page * 1000 + i, "9001", 501, "SOL_USDC", Decimal("180"), Decimal("1"),
                                 Decimal("0.001"), "SOL") for i in range(CONSTANTS.HISTORY_PAGE_LIMIT)])
        updates = await self.exchange._all_trade_updates_for_order(order)
        self.assertEqual(3000, len(updates))
        self.assertEqual(3, len(self.sent("GET", CONSTANTS.FILL_HISTORY_PATH_URL)))

    async def test_unknown_everywhere_is_not_found(self):
        order = self.track()
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)), status=404, body=NOT_FOUND)
        self.history([])
        self.fills([])
        with self.assertRaises(IOError) as context:
            await self.exchange._request_order_status(order)
        self.assertTrue(self.exchange._is_order_not_found_during_status_update_error(context.exception))

    async def test_restored_order_is_found_by_client_id_and_cancelled_by_exchange_id(self):
        saved = InFlightOrder(client_order_id="123456", exchange_order_id="77", trading_pair="SOL-USDC",
                              order_type=OrderType.LIMIT, trade_type=TradeType.BUY, amount=Decimal("1"),
                              price=Decimal("170"), creation_timestamp=1640000000, initial_state=OrderState.OPEN)
        restarted = self.make_exchange()
        restarted.restore_tracking_states({saved.client_order_id: saved.to_json()})
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_PATH_URL)),
                          body=json.dumps(rest_order("77", 123456, "SOL_USDC", "New", Decimal("1"), Decimal("170"))))
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL),
                             body=json.dumps(rest_order("77", 123456, "SOL_USDC", "Cancelled", Decimal("1"),
                                                        Decimal("170"))))
        update = await restarted._request_order_status(restarted.in_flight_orders["123456"])
        self.assertEqual(OrderState.OPEN, update.new_state)
        self.assertEqual("123456", self.sent("GET", CONSTANTS.ORDER_PATH_URL)[0].kwargs["params"]["clientId"])
        self.assertEqual("123456", await restarted._execute_cancel("SOL-USDC", "123456"))
        self.assertEqual({"symbol": "SOL_USDC", "orderId": "77"}, self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL)[0])

    # ----- fills exactly once -----

    def ws_events(self, *frames):
        queue = AsyncMock()
        queue.get.side_effect = list(frames) + [asyncio.CancelledError]
        self.exchange._user_stream_tracker._user_stream = queue

    async def run_listener(self):
        try:
            await self.exchange._user_stream_event_listener()
        except asyncio.CancelledError:
            pass
        await asyncio.sleep(0.05)

    def fill_frame(self, status, trade_id, qty, executed, client_id=501, price="180"):
        return order_update_frame("orderFill", status, "9001", client_id, "SOL_USDC", Decimal("2"), Decimal("180"),
                                  Decimal(executed), t=trade_id, l=qty, L=price, m=True, n="0.001", N="SOL")

    async def test_ws_then_rest_recovery_emits_each_fill_once(self):
        order = self.track()
        self.ws_events(self.fill_frame("PartiallyFilled", 1, "0.5", "0.5"))
        await self.run_listener()
        self.assertEqual(1, len(self.events[MarketEvent.OrderFilled].event_log))
        first = self.events[MarketEvent.OrderFilled].event_log[0]
        self.assertEqual((Decimal("180"), Decimal("0.5")), (first.price, first.amount))
        self.assertEqual([("SOL", Decimal("0.001"))], [(f.token, f.amount) for f in first.trade_fee.flat_fees])
        self.assertEqual(OrderState.PARTIALLY_FILLED, order.current_state)

        # while the WS was down a second fill happened: REST returns both, only the new one is emitted
        self.fills([fill_row(1, "9001", 501, "SOL_USDC", Decimal("180"), Decimal("0.5"), Decimal("0.001"), "SOL"),
                    fill_row(2, "9001", 501, "SOL_USDC", Decimal("180"), Decimal("1.5"), Decimal("0.003"), "SOL")])
        await self.exchange._update_orders_fills([order])
        self.fills([fill_row(1, "9001", 501, "SOL_USDC", Decimal("180"), Decimal("0.5"), Decimal("0.001"), "SOL"),
                    fill_row(2, "9001", 501, "SOL_USDC", Decimal("180"), Decimal("1.5"), Decimal("0.003"), "SOL")])
        await self.exchange._update_orders_fills([order])
        await asyncio.sleep(0.05)
        self.assertEqual([Decimal("0.5"), Decimal("1.5")],
                         [event.amount for event in self.events[MarketEvent.OrderFilled].event_log])
        self.assertEqual(Decimal("2"), order.executed_amount_base)

        # the late WS frame of fill 2 (and the final status) must not duplicate it
        self.ws_events(self.fill_frame("Filled", 2, "1.5", "2"))
        await self.run_listener()
        self.assertEqual(2, len(self.events[MarketEvent.OrderFilled].event_log))
        self.assertEqual(1, len(self.events[MarketEvent.BuyOrderCompleted].event_log))

    async def test_event_of_another_market_with_our_client_id_is_ignored(self):
        """Another bot on the account may use the same client id in another market: its events are not ours."""
        order = self.track()  # client id 501, SOL_USDC, exchange id 9001
        state_before = order.current_state
        foreign = dict(t=77, l="2", L="95000", m=True, n="0.001", N="BTC")
        self.ws_events(
            order_update_frame("orderFill", "Filled", "7777", 501, "BTC_USDC", Decimal("2"), Decimal("95000"),
                               Decimal("2"), **foreign),
            order_update_frame("orderCancelled", "Cancelled", "7778", 501, "BTC_USDC", Decimal("2"),
                               Decimal("95000")))
        await self.run_listener()
        self.assertEqual((state_before, "9001", Decimal("0")),
                         (order.current_state, order.exchange_order_id, order.executed_amount_base))
        self.assertEqual([], self.events[MarketEvent.OrderFilled].event_log)
        self.assertEqual([], self.events[MarketEvent.OrderCancelled].event_log)

        self.ws_events(self.fill_frame("PartiallyFilled", 1, "0.5", "0.5"))  # our own market: processed
        await self.run_listener()
        self.assertEqual([Decimal("0.5")], [e.amount for e in self.events[MarketEvent.OrderFilled].event_log])

    async def test_event_of_another_order_of_our_market_with_our_client_id_is_ignored(self):
        """A clientId is unique among open orders only: once ours has its exchange id, events of another order
        of the same market reusing the id (another process, an earlier run) are not ours."""
        order = self.track()  # client id 501, SOL_USDC, exchange id 9001
        state_before = order.current_state
        self.ws_events(
            order_update_frame("orderFill", "Filled", "7777", 501, "SOL_USDC", Decimal("2"), Decimal("180"),
                               Decimal("2"), t=78, l="2", L="180", m=True, n="0.001", N="SOL"),
            order_update_frame("orderCancelled", "Cancelled", "7778", 501, "SOL_USDC", Decimal("2"),
                               Decimal("180")))
        await self.run_listener()
        self.assertEqual((state_before, "9001", Decimal("0")),
                         (order.current_state, order.exchange_order_id, order.executed_amount_base))
        self.assertEqual([], self.events[MarketEvent.OrderFilled].event_log)
        self.assertEqual([], self.events[MarketEvent.OrderCancelled].event_log)

    async def test_user_stream_event_mapping(self):
        accepted = self.track("601", None)
        expired = self.track("602", "9602")
        trigger = self.track("603", "9603")
        by_exchange_id = self.track("604", "9604")
        self.ws_events(
            order_update_frame("orderAccepted", "New", "9601", 601, "SOL_USDC", Decimal("2"), Decimal("180")),
            order_update_frame("orderExpired", "Expired", "9602", 602, "SOL_USDC", Decimal("2"), Decimal("180"),
                               R="ImmediateOrCancel"),
            order_update_frame("triggerFailed", "TriggerFailed", "9603", 603, "SOL_USDC", Decimal("2"),
                               Decimal("180")),
            order_update_frame("orderCancelled", "Cancelled", "9604", None, "SOL_USDC", Decimal("2"),
                               Decimal("180")))
        await self.run_listener()
        self.assertEqual(("9601", OrderState.OPEN), (accepted.exchange_order_id, accepted.current_state))
        self.assertEqual(OrderState.CANCELED, expired.current_state)
        self.assertEqual(OrderState.FAILED, trigger.current_state)
        self.assertEqual(OrderState.CANCELED, by_exchange_id.current_state)
        self.assertEqual(2, len(self.events[MarketEvent.OrderCancelled].event_log))

    def test_estimated_fees(self):
        maker = self.exchange.get_fee("SOL", "USDC", OrderType.LIMIT_MAKER, TradeType.BUY, Decimal("1"), Decimal("180"))
        taker = self.exchange.get_fee("SOL", "USDC", OrderType.LIMIT, TradeType.SELL, Decimal("1"), Decimal("180"))
        forced_maker = self.exchange.get_fee("SOL", "USDC", OrderType.LIMIT, TradeType.SELL, Decimal("1"),
                                             Decimal("180"), is_maker=True)
        self.assertEqual([Decimal("0.0008"), Decimal("0.001"), Decimal("0.0008")],
                         [maker.percent, taker.percent, forced_maker.percent])

    # ----- balances -----

    async def test_balances(self):
        capital_url = self.url(CONSTANTS.CAPITAL_PATH_URL)
        self.mock_api.get(self.url(CONSTANTS.BORROW_LEND_POSITIONS_PATH_URL), body="[]", repeat=True)
        self.mock_api.get(capital_url, body=json.dumps({
            "USDC": {"available": "100.5", "locked": "20", "staked": "3"}, "SOL": {"available": "1", "locked": "0"}}))
        await self.exchange._update_balances()
        self.assertEqual(Decimal("123.5"), self.exchange.get_balance("USDC"))
        self.assertEqual(Decimal("100.5"), self.exchange.get_available_balance("USDC"))
        self.assertEqual(Decimal("1"), self.exchange.get_balance("SOL"))
        self.mock_api.get(capital_url, body=json.dumps({"USDC": {"available": "1", "locked": "0", "staked": "0"}}))
        await self.exchange._update_balances()
        self.assertEqual({"USDC": Decimal("1")}, self.exchange.get_all_balances())
        self.mock_api.get(capital_url, body="{}")
        await self.exchange._update_balances()
        self.assertEqual({}, self.exchange.get_all_balances())
        self.assertEqual({}, self.exchange.available_balances)
