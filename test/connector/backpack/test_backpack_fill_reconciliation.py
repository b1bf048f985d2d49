"""Missing fills fetched and reported before an order's final event (backpack_fill_reconciliation), against the
emulator: the cancel answer or a final stream event says more executed than the tracker holds; fills found for an
order order history does not show yet; fill history failing; the completed-order cache holding such an order."""
import time
from decimal import Decimal
from typing import List, Tuple
from unittest import TestCase

from hummingbot.connector.exchange.backpack.backpack_order_tracker import CompletedOrders
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from hummingbot.core.event.event_forwarder import EventForwarder
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.test_backpack_order_polling import FILLS, PollingEmulatorCase
from test.waiting import wait_for


class FillReconciliationTests(PollingEmulatorCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.log: List[Tuple[MarketEvent, object]] = []
        self.forwarders = [EventForwarder(lambda event, tag=tag: self.log.append((tag, event))) for tag in MarketEvent]
        for tag, forwarder in zip(MarketEvent, self.forwarders):
            self.exchange.add_listener(tag, forwarder)

    def tags(self, order_id: str) -> List[MarketEvent]:
        return [tag for tag, event in self.log if getattr(event, "order_id", None) == order_id]

    def tracked(self, order_id: str) -> InFlightOrder:
        return self.exchange._order_tracker.all_fillable_orders[order_id]

    async def test_cancel_answer_above_the_tracker_reports_the_fill_before_the_cancel(self):
        """1 of 2 filled, its fill event never delivered: the cancel answer says executedQuantity 1."""
        order_id = self.order("SOL_USDC", fills=1, rest=1)
        self.assertTrue(await self.exchange._execute_order_cancel_and_process_update(self.tracked(order_id)))
        await wait_for(lambda: MarketEvent.OrderCancelled in self.tags(order_id), "the cancel event")
        self.assertEqual([MarketEvent.OrderFilled, MarketEvent.OrderCancelled], self.tags(order_id))
        self.assertEqual(Decimal(1), self.executed(order_id))

    async def test_final_stream_event_above_the_tracker_reports_the_fill_before_it(self):
        """An orderCancelled frame (cancelled outside the bot) with z 1 while the tracker holds 0."""
        order_id = self.order("SOL_USDC", fills=1, rest=1)
        order = self.tracked(order_id)
        self.server.exchange.cancel_order(self.api_key, "SOL_USDC", order.exchange_order_id, None)
        await self.exchange._process_order_event({
            "e": "orderCancelled", "E": int(time.time() * 1e6), "s": "SOL_USDC", "c": int(order_id),
            "i": order.exchange_order_id, "X": "Cancelled", "z": "1", "q": "2", "S": "Bid"})
        await wait_for(lambda: MarketEvent.OrderCancelled in self.tags(order_id), "the cancel event")
        self.assertEqual([MarketEvent.OrderFilled, MarketEvent.OrderCancelled], self.tags(order_id))

    async def test_fills_found_while_order_history_lags_make_it_partially_filled_not_not_found(self):
        """An order without exchange id (create unanswered), 1 of 2 filled then expired, not in order history yet:
        its fill proves it executed. Before: "not found" (and, its window over, "never executed")."""
        ex = self.server.exchange
        ex.execute_order(self.maker_key, {"symbol": "SOL_USDC", "side": "Ask", "orderType": "Limit",
                                          "quantity": "1", "price": "100"})
        placed = ex.execute_order(self.api_key, {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Market",
                                                 "quantity": "2", "clientId": 950})
        self.server.faults.order_history_lag_s = 60.0
        self.exchange.start_tracking_order(order_id="950", exchange_order_id=None, trading_pair="SOL-USDC",
                                           trade_type=TradeType.BUY, price=Decimal(100), amount=Decimal(2),
                                           order_type=OrderType.MARKET)
        update = await self.exchange._request_order_status(self.tracked("950"))
        self.assertEqual((OrderState.PARTIALLY_FILLED, placed.id), (update.new_state, update.exchange_order_id))
        self.exchange._order_tracker.process_order_update(update)
        await wait_for(lambda: self.executed("950") == Decimal(1), "the fill found")
        self.assertEqual([MarketEvent.BuyOrderCreated, MarketEvent.OrderFilled], self.tags("950"))

        self.server.faults.order_history_lag_s = 0.0  # order history shows it now: its final state
        self.exchange._order_tracker.process_order_update(await self.exchange._request_order_status(self.tracked("950")))
        await wait_for(lambda: MarketEvent.OrderCancelled in self.tags("950"), "the final state")
        self.assertEqual([MarketEvent.BuyOrderCreated, MarketEvent.OrderFilled, MarketEvent.OrderCancelled],
                         self.tags("950"))

    async def test_fill_history_failing_does_not_hold_the_final_state_and_the_order_stays_until_its_fills(self):
        now = [1000.0]
        cache = self.exchange._order_tracker._cached_orders
        cache.timer = lambda: now[0]
        order_id = self.order("SOL_USDC", fills=1, rest=1)
        self.server.faults.add_failure(FILLS, 503, count=1)
        self.assertTrue(await self.exchange._execute_order_cancel_and_process_update(self.tracked(order_id)))
        await wait_for(lambda: MarketEvent.OrderCancelled in self.tags(order_id), "the cancel event")
        self.assertEqual([MarketEvent.OrderCancelled], self.tags(order_id))  # not held up by the failure
        now[0] += cache.ttl + 1
        self.assertIsNotNone(self.exchange._order_tracker.all_fillable_orders.get(order_id))  # kept: fills missing
        await self.exchange._update_order_status()  # the next status poll finds the fill
        self.assertEqual([MarketEvent.OrderCancelled, MarketEvent.OrderFilled], self.tags(order_id))
        now[0] += cache.ttl + 1
        self.assertIsNone(self.exchange._order_tracker.all_fillable_orders.get(order_id))  # all in: gone


class CompletedOrdersHoldTests(TestCase):

    @staticmethod
    def order(client_order_id: str) -> InFlightOrder:
        return InFlightOrder(client_order_id=client_order_id, trading_pair="SOL-USDC", order_type=OrderType.LIMIT,
                             trade_type=TradeType.BUY, amount=Decimal(1), creation_timestamp=0)

    def test_held_orders_are_kept_past_their_lifetime_and_the_cache_stays_bounded(self):
        now = [0.0]
        held = {"a"}
        cache = CompletedOrders(maxsize=3, ttl=30, timer=lambda: now[0], hold=lambda o: o.client_order_id in held)
        for client_order_id in ("a", "b"):
            cache[client_order_id] = self.order(client_order_id)
        now[0] = 31
        self.assertIsNone(cache.get("b"))
        self.assertEqual("a", cache.get("a").client_order_id)  # renewed for another 30 s
        self.assertEqual(["a"], list(cache))
        held.clear()
        now[0] = 60
        self.assertEqual(["a"], list(cache))
        now[0] = 62
        self.assertEqual([], list(cache))
        held.update("cdefg")
        for client_order_id in "cdefg":
            cache[client_order_id] = self.order(client_order_id)
        self.assertEqual(3, len(cache))  # held or not, never more than maxsize
