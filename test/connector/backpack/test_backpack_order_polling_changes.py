"""What an order poll asks at rest (one open-orders request for every market, no history) and after each
kind of change, against the emulator: every fill is still found (backpack_order_polling's docstring says
why)."""
import time
from collections import Counter
from decimal import Decimal
from typing import Dict

from backpack_emulator.faults import FailureRule

from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from test.connector.backpack.test_backpack_order_polling import FILLS, OPEN_ORDERS, ORDER, PollingEmulatorCase

ORDER_HISTORY = "/wapi/v1/history/orders"


class PollChangesTests(PollingEmulatorCase):

    async def poll(self) -> Dict[str, int]:
        """One of Hummingbot's polls (fills, then status); its GET requests by path."""
        self.server.request_log.clear()
        await self.exchange._update_order_status()
        await self.wait_for_updates()
        return dict(Counter(e["path"] for e in self.server.request_log.entries(method="GET")))

    def sell_to_us(self, symbol: str, quantity: str, price: str):
        """A maker ask that takes our resting bid at `price`."""
        self.server.exchange.execute_order(self.maker_key, {"symbol": symbol, "side": "Ask", "orderType": "Limit",
                                                            "quantity": quantity, "price": price})

    def cancel_on_exchange(self, order_id: str):
        order = self.exchange._order_tracker.all_fillable_orders[order_id]
        self.server.exchange.cancel_order(self.api_key, order.trading_pair.replace("-", "_"),
                                          order.exchange_order_id, None)

    def state(self, order_id: str) -> OrderState:
        return self.exchange._order_tracker.all_fillable_orders[order_id].current_state

    def restore_pending_creation(self, client_order_id: str, price: str):
        """A buy of 1 SOL saved while its create was pending: its outcome is unknown (no exchange id)."""
        self.exchange.UNKNOWN_OUTCOME_RECHECK_S = (60.0,)  # the resolver waits: the polls find the order
        self.exchange.restore_tracking_states({client_order_id: InFlightOrder(
            client_order_id=client_order_id, exchange_order_id=None, trading_pair="SOL-USDC",
            order_type=OrderType.LIMIT, trade_type=TradeType.BUY, amount=Decimal(1), price=Decimal(price),
            creation_timestamp=time.time() - 1, initial_state=OrderState.PENDING_CREATE).to_json()})

    def stop_resolvers(self):
        for entry in list(self.exchange._unknown_outcomes.values()):
            if entry.task is not None:
                entry.task.cancel()

    async def at_rest(self):
        """Resting bids on both markets, one of them partly filled, all known to the tracker; the SOL bid at 100
        (`sol[1]`) is the best: a maker ask at 100 fills it."""
        self.sol = [self.order("SOL_USDC", 1, rest=1, price="99"), self.order("SOL_USDC", 0, rest=2, price="100")]
        self.btc = self.order("BTC_USDC", 0, rest=1, price="98")
        await self.poll()  # learns the partial fill
        self.assertEqual(Decimal(1), self.executed(self.sol[0]))
        self.assertEqual({OPEN_ORDERS: 1}, await self.poll())

    async def test_a_poll_at_rest_asks_once_for_every_market_and_no_history(self):
        await self.at_rest()
        filled = self.order("BTC_USDC", 2)  # completed, then kept in Hummingbot's cache
        await self.poll()
        cancelled = self.order("SOL_USDC", 1, rest=1, price="102")  # never in an open-orders answer
        await self.exchange._update_fills_per_order([self.exchange.in_flight_orders[cancelled]])  # as the stream
        self.assertEqual(Decimal(1), self.executed(cancelled))
        self.assertTrue(await self.exchange._execute_order_cancel_and_process_update(
            self.exchange.in_flight_orders[cancelled]))  # its answer says 1 executed: all of its fills known
        await self.wait_for_updates()
        self.assertEqual((OrderState.FILLED, OrderState.CANCELED), (self.state(filled), self.state(cancelled)))
        for _ in range(3):
            self.assertEqual({OPEN_ORDERS: 1}, await self.poll())
        self.assertEqual([{}], [e["params"] for e in self.requests(OPEN_ORDERS)])  # no symbol: every market

    async def test_a_fill_of_an_open_order_is_looked_for_in_its_market_alone(self):
        await self.at_rest()
        self.sell_to_us("SOL_USDC", "1", "100")
        self.assertEqual({OPEN_ORDERS: 1, FILLS: 1}, await self.poll())
        self.assertEqual(["SOL_USDC"], [e["params"]["symbol"] for e in self.requests(FILLS)])
        self.assertEqual((Decimal(1), OrderState.PARTIALLY_FILLED),
                         (self.executed(self.sol[1]), self.state(self.sol[1])))
        self.assertEqual({OPEN_ORDERS: 1}, await self.poll())

    async def test_an_order_filled_between_two_polls(self):
        await self.at_rest()
        self.sell_to_us("SOL_USDC", "2", "100")
        requests = await self.poll()
        self.assertEqual((Decimal(2), OrderState.FILLED), (self.executed(self.sol[1]), self.state(self.sol[1])))
        self.assertEqual((1, 1), (requests[OPEN_ORDERS], requests[FILLS]))  # then its own status lookup
        self.assertEqual({OPEN_ORDERS: 1}, await self.poll())

    async def test_an_order_partly_filled_then_cancelled_between_two_polls(self):
        await self.at_rest()
        self.sell_to_us("SOL_USDC", "1", "100")
        self.cancel_on_exchange(self.sol[1])
        await self.poll()
        self.assertEqual((Decimal(1), OrderState.CANCELED), (self.executed(self.sol[1]), self.state(self.sol[1])))
        self.assertEqual({OPEN_ORDERS: 1}, await self.poll())  # its lookup said 1 executed: all known

    async def test_a_completed_order_with_fills_of_unknown_count_is_scanned(self):
        """A cancel learnt without the executed quantity (e.g. a stream event whose fill event was lost): its
        market is scanned at every poll while Hummingbot keeps the order."""
        await self.at_rest()
        self.sell_to_us("SOL_USDC", "1", "100")
        self.cancel_on_exchange(self.sol[1])
        self.exchange._set_order_state(self.exchange.in_flight_orders[self.sol[1]], OrderState.CANCELED)
        await self.wait_for_updates()
        self.assertEqual((Decimal(0), OrderState.CANCELED), (self.executed(self.sol[1]), self.state(self.sol[1])))
        self.assertEqual({OPEN_ORDERS: 1, FILLS: 1}, await self.poll())
        self.assertEqual(Decimal(1), self.executed(self.sol[1]))

    async def test_a_failed_open_orders_request_polls_market_by_market(self):
        await self.at_rest()
        self.sell_to_us("SOL_USDC", "1", "100")
        self.server.faults.failures.append(FailureRule(path=OPEN_ORDERS, method="GET", status=503, remaining=1,
                                                       code="SERVICE_UNAVAILABLE", message="unavailable"))
        requests = await self.poll()
        self.assertEqual(Decimal(1), self.executed(self.sol[1]))
        self.assertEqual({OPEN_ORDERS: 3, FILLS: 2}, requests)  # every market, then each; a scan of each
        self.assertEqual({OPEN_ORDERS: 1}, await self.poll())

    async def test_an_order_reported_more_executed_than_the_scan_found_is_looked_up_alone(self):
        """The scan can miss a fill (history lags, the scan stops early): the open order's executedQuantity
        still says so, and the order's own lookup finds it."""
        await self.at_rest()
        self.sell_to_us("SOL_USDC", "1", "100")
        for _ in range(3):  # newer fills of another order of the account: the scan's one page of 3 has them
            self.server.exchange.execute_order(self.maker_key, {
                "symbol": "SOL_USDC", "side": "Ask", "orderType": "Limit", "quantity": "1", "price": "101"})
            self.server.exchange.execute_order(self.api_key, {
                "symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "quantity": "1", "price": "101"})
        self.exchange._fill_scan_marks["SOL_USDC"] = time.time() + 3600  # the scan stops after its first page
        await self.poll()
        self.assertEqual(Decimal(1), self.executed(self.sol[1]))
        alone = [e["params"] for e in self.requests(FILLS) if "orderId" in e["params"]]
        self.assertEqual([self.exchange.in_flight_orders[self.sol[1]].exchange_order_id],
                         [params["orderId"] for params in alone])

    async def test_an_order_of_unknown_outcome_filled_meanwhile(self):
        await self.at_rest()
        self.restore_pending_creation("950", "101")
        try:
            self.server.exchange.execute_order(self.maker_key, {
                "symbol": "SOL_USDC", "side": "Ask", "orderType": "Limit", "quantity": "1", "price": "101"})
            placed = self.server.exchange.execute_order(self.api_key, {  # the create did reach the exchange
                "symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "quantity": "1", "price": "101",
                "clientId": 950})
            await self.poll()
            order = self.exchange._order_tracker.all_fillable_orders["950"]
            self.assertEqual((OrderState.FILLED, placed.id, Decimal(1)),
                             (order.current_state, order.exchange_order_id, order.executed_amount_base))
        finally:
            self.stop_resolvers()

    async def test_rows_of_another_market_do_not_describe_our_order(self):
        """Client ids are per account: an open order of another market (the perp connector's, another bot's)
        with the client id of ours not created yet is not ours."""
        await self.at_rest()
        self.restore_pending_creation("960", "90")
        try:
            self.server.exchange.execute_order(self.api_key, {
                "symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Limit", "quantity": "1", "price": "90",
                "clientId": 960})
            await self.poll()
            order = self.exchange.in_flight_orders["960"]
            self.assertEqual((OrderState.PENDING_CREATE, None), (order.current_state, order.exchange_order_id))
        finally:
            self.stop_resolvers()

    async def test_a_lost_order_keeps_its_own_lookups(self):
        await self.at_rest()
        tracker = self.exchange._order_tracker
        for _ in range(tracker.lost_order_count_limit + 1):  # given up on as lost by Hummingbot's tracker
            await tracker.process_order_not_found(self.btc)
        self.assertIn(self.btc, tracker.lost_orders)
        self.sell_to_us("BTC_USDC", "1", "98")
        self.assertEqual({OPEN_ORDERS: 1}, await self.poll())  # not asked about here
        self.server.request_log.clear()
        await self.exchange._update_lost_orders_status()
        self.assertEqual(Decimal(1), self.executed(self.btc))
