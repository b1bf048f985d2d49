"""Backpack-specific order behaviour beyond Hummingbot's generic suite: validation before sending,
order options, time-sync retry, REST fallback, exactly-once fills, batch and cancel-all, balances."""
import asyncio
import json
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from typing import List
from unittest.mock import AsyncMock

from aioresponses import aioresponses
from bidict import bidict

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import (
    ClosesSharedHttpSession,
    API_KEY,
    API_SECRET,
    fill_row,
    order_update_frame,
    rest_order,
    url_regex,
)

NOT_FOUND = json.dumps({"code": "RESOURCE_NOT_FOUND", "message": "Not Found"})
EXPIRED = json.dumps({"code": "INVALID_CLIENT_REQUEST", "message": "Request has expired"})


class BackpackOrderTests(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange = self.make_exchange()
        self.mock_api = aioresponses()
        self.mock_api.start()
        self.events = {event: EventLogger() for event in (
            MarketEvent.OrderFailure, MarketEvent.OrderFilled, MarketEvent.OrderCancelled,
            MarketEvent.BuyOrderCreated, MarketEvent.BuyOrderCompleted)}
        for event, logger in self.events.items():
            self.exchange.add_listener(event, logger)

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()

    def make_exchange(self, **kwargs) -> BackpackExchange:
        exchange = BackpackExchange(API_KEY, API_SECRET, trading_pairs=["SOL-USDC"], **kwargs)
        exchange._set_trading_pair_symbol_map(bidict({"SOL_USDC": "SOL-USDC", "BTC_USDC": "BTC-USDC"}))
        exchange._trading_rules = {pair: TradingRule(pair, min_order_size=Decimal("0.01"),
                                                     min_price_increment=Decimal("0.01"),
                                                     min_base_amount_increment=Decimal("0.01"))
                                   for pair in ("SOL-USDC", "BTC-USDC")}
        exchange._time_synchronizer.add_time_offset_ms_sample(0)
        exchange._set_current_timestamp(1640780000)
        exchange.ORDER_LOOKUP_RETRY_DELAYS_S = (0.01, 0.01)  # the unanswered-create lookups, kept short
        exchange.UNKNOWN_OUTCOME_RECHECK_S = (0.01,)
        return exchange

    def url(self, path: str) -> str:
        return web_utils.rest_url(path, self.exchange.rest_base_url)

    def sent(self, method: str, path: str) -> List:
        target = self.url(path)
        return [call for key, calls in self.mock_api.requests.items() for call in calls
                if key[0] == method and str(key[1]).split("?")[0] == target]

    def bodies(self, method: str, path: str) -> List:
        return [json.loads(call.kwargs["data"]) for call in self.sent(method, path)]

    def track(self, client_order_id="501", exchange_order_id="9001", amount="2", price="180",
              trading_pair="SOL-USDC") -> InFlightOrder:
        self.exchange.start_tracking_order(order_id=client_order_id, exchange_order_id=exchange_order_id,
                                           trading_pair=trading_pair, trade_type=TradeType.BUY,
                                           price=Decimal(price), amount=Decimal(amount), order_type=OrderType.LIMIT)
        return self.exchange.in_flight_orders[client_order_id]

    async def create(self, order_id="700", order_type=OrderType.LIMIT, amount="1", price="180", pair="SOL-USDC",
                     **kwargs):
        await self.exchange._create_order(trade_type=TradeType.BUY, order_id=order_id, trading_pair=pair,
                                          amount=Decimal(amount), order_type=order_type,
                                          price=Decimal(price) if price is not None else None, **kwargs)
        await asyncio.sleep(0)

    def order_created_response(self, order_id="9001", client_id=700, status="New"):
        return json.dumps(rest_order(order_id, client_id, "SOL_USDC", status, Decimal("1"), Decimal("180")))

    def failure_messages(self):
        return [event.error_message if hasattr(event, "error_message") else event
                for event in self.events[MarketEvent.OrderFailure].event_log]

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

    def history(self, rows):
        self.mock_api.get(url_regex(self.url(CONSTANTS.ORDER_HISTORY_PATH_URL)), body=json.dumps(rows))

    def fills(self, rows):
        self.mock_api.get(url_regex(self.url(CONSTANTS.FILL_HISTORY_PATH_URL)), body=json.dumps(rows))

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

    async def test_restored_order_is_found_and_cancelled_by_client_id(self):
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
        self.assertEqual({"symbol": "SOL_USDC", "clientId": 123456}, self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL)[0])

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
        of the bot's orders is cancelled by its clientId, the native cancel-all is never sent."""
        self.assertEqual("bot_orders", self.exchange.cancel_all_scope)
        self.track("901", "1")
        self.track("903", "3", trading_pair="BTC-USDC")
        for client_id, order_id, symbol in ((901, "1", "SOL_USDC"), (903, "3", "BTC_USDC")):
            self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
                rest_order(order_id, client_id, symbol, "Cancelled", Decimal("2"), Decimal("180"))))
        results = await self.exchange.cancel_all(5)
        self.assertEqual({"901": True, "903": True}, {r.order_id: r.success for r in results})
        self.assertEqual([], self.sent("DELETE", CONSTANTS.ORDERS_PATH_URL))
        self.assertEqual({("SOL_USDC", 901), ("BTC_USDC", 903)},
                         {(b["symbol"], b["clientId"]) for b in self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL)})
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
