"""Status and fill polls from one open-orders request, fill scans per market, not per order
(backpack_order_polling), against the emulator: every fill is still found (paging, a scan cut short, a
failed scan). What a poll asks at rest and after each kind of change: test_backpack_order_polling_changes."""
import asyncio
import os
import time
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from unittest.mock import patch

from backpack_emulator.faults import FailureRule
from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.exchange.backpack.backpack_order_status import BackpackOrderSearchCutShort
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from test.connector.backpack.helpers import close_shared_http_session

FILLS, OPEN_ORDERS, ORDER = "/wapi/v1/history/fills", "/api/v1/orders", "/api/v1/order"


class PollingEmulatorCase(IsolatedAsyncioWrapperTestCase):
    """A spot connector on SOL-USDC and BTC-USDC of an emulator, with a maker account to fill its orders."""

    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()
        self.api_key, secret = generate_keypair()
        self.maker_key, _ = generate_keypair()
        balances = {"USDC": "10000000", "SOL": "1000", "BTC": "100"}
        self.server = EmulatorServer(host="127.0.0.1", port=0, market_data=False,
                                     accounts={self.api_key: balances, self.maker_key: balances})
        await self.server.start()
        env = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, env):
            self.exchange = BackpackExchange(self.api_key, secret, trading_pairs=["SOL-USDC", "BTC-USDC"])
        self.exchange.HISTORY_PAGE_LIMIT = 3  # a few rows make several pages
        self.exchange._set_current_timestamp(time.time())
        await self.exchange._update_time_synchronizer()
        await self.exchange._update_trading_rules()
        self.next_client_id = 100

    async def asyncTearDown(self):
        await self.server.stop()
        await close_shared_http_session()
        await super().asyncTearDown()

    def order(self, symbol: str, fills: int, rest: int = 0, price: str = "100") -> str:
        """Our buy of `fills + rest` taking `fills` maker asks of 1 each (one fill per maker order); the rest
        rests. Tracked by Hummingbot's client order id; returns it."""
        ex = self.server.exchange
        for _ in range(fills):
            ex.execute_order(self.maker_key, {"symbol": symbol, "side": "Ask", "orderType": "Limit",
                                              "quantity": "1", "price": price})
        self.next_client_id += 1
        placed = ex.execute_order(self.api_key, {"symbol": symbol, "side": "Bid", "orderType": "Limit",
                                                 "quantity": str(fills + rest), "price": price,
                                                 "clientId": self.next_client_id})
        order_id = str(self.next_client_id)
        self.exchange.start_tracking_order(order_id=order_id, exchange_order_id=placed.id,
                                           trading_pair=symbol.replace("_", "-"), trade_type=TradeType.BUY,
                                           price=Decimal(price), amount=Decimal(fills + rest),
                                           order_type=OrderType.LIMIT)
        return order_id

    def requests(self, path: str):
        return self.server.request_log.entries(path=path, method="GET")

    def executed(self, order_id: str) -> Decimal:
        return self.exchange._order_tracker.all_fillable_orders[order_id].executed_amount_base

    async def poll_fills(self):
        await self.exchange._update_orders_fills(list(self.exchange._order_tracker.all_fillable_orders.values()))

    async def wait_for_updates(self):
        for _ in range(5):  # the tracker applies order updates in tasks of their own
            await asyncio.sleep(0)


class OrderPollingTests(PollingEmulatorCase):

    async def test_every_fill_of_every_order_from_one_paged_scan_per_market(self):
        sol = [self.order("SOL_USDC", 4), self.order("SOL_USDC", 2), self.order("SOL_USDC", 1)]
        btc = self.order("BTC_USDC", 2)
        self.server.request_log.clear()
        await self.poll_fills()
        self.assertEqual([Decimal(4), Decimal(2), Decimal(1), Decimal(2)], [self.executed(o) for o in sol + [btc]])
        scans = self.requests(FILLS)
        self.assertTrue(all("orderId" not in r["params"] and r["params"]["sortDirection"] == "Desc" for r in scans))
        self.assertEqual({"SOL_USDC": 3, "BTC_USDC": 1},  # 7 SOL fills: pages of 3; 2 BTC fills: one page
                         {s: sum(1 for r in scans if r["params"]["symbol"] == s) for s in ("SOL_USDC", "BTC_USDC")})

        self.server.request_log.clear()
        more = self.order("SOL_USDC", 1)  # a new fill since the last scan
        await self.poll_fills()
        self.assertEqual((Decimal(1), Decimal(4)), (self.executed(more), self.executed(sol[0])))

    async def test_an_order_the_scan_did_not_reach_is_looked_up_alone(self):
        old = self.order("SOL_USDC", 5)
        self.exchange.FILL_SCAN_MAX_PAGES = 1  # one page of 3 cannot reach back to all 5 fills
        self.server.request_log.clear()
        await self.poll_fills()
        self.assertEqual(Decimal(5), self.executed(old))
        alone = [r for r in self.requests(FILLS) if "orderId" in r["params"]]
        self.assertEqual(2, len(alone))  # the order's own 5 fills, oldest first, in pages of 3

    async def test_a_failed_scan_falls_back_to_per_order_lookups(self):
        order = self.order("SOL_USDC", 2)
        self.server.faults.failures.append(FailureRule(path=FILLS, method="GET", status=400, remaining=1,
                                                       code="INVALID_CLIENT_REQUEST", message="refused"))
        await self.poll_fills()
        self.assertEqual(Decimal(2), self.executed(order))

    async def test_status_of_open_orders_from_one_request(self):
        filled = self.order("SOL_USDC", 2)  # closed: not among the open orders
        resting = [self.order("SOL_USDC", 0, rest=1), self.order("BTC_USDC", 1, rest=1),
                   self.order("BTC_USDC", 0, rest=1)]
        self.server.request_log.clear()
        await self.exchange._update_order_status()  # Hummingbot's poll: fills, then status
        await self.wait_for_updates()
        states = {o: self.exchange._order_tracker.all_fillable_orders[o].current_state for o in resting + [filled]}
        self.assertEqual([OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.OPEN, OrderState.FILLED],
                         [states[o] for o in resting + [filled]])
        self.assertEqual([{}], [r["params"] for r in self.requests(OPEN_ORDERS)])  # one, for every market
        self.assertEqual(1, len(self.requests(ORDER)))  # only the order not open any more, on its own
        # one short page per market with a change: SOL (an order not open any more), BTC (a partial fill)
        self.assertEqual(["BTC_USDC", "SOL_USDC"], sorted(r["params"]["symbol"] for r in self.requests(FILLS)))

    async def test_a_failed_open_orders_request_falls_back_to_per_market_then_per_order_lookups(self):
        order = self.order("SOL_USDC", 0, rest=1)

        async def poll_status_with_refusals(count: int):
            self.server.faults.failures.append(FailureRule(path=OPEN_ORDERS, method="GET", status=400,
                                                           remaining=count, code="INVALID_CLIENT_REQUEST",
                                                           message="refused"))
            self.server.request_log.clear()
            await self.exchange._update_orders()
            await self.wait_for_updates()
            self.assertEqual(OrderState.OPEN, self.exchange.in_flight_orders[order].current_state)

        await poll_status_with_refusals(1)
        self.assertEqual([None, "SOL_USDC"],  # the one for every market (refused), then per market
                         [(r["params"] or {}).get("symbol") for r in self.requests(OPEN_ORDERS)])
        self.assertEqual(0, len(self.requests(ORDER)))
        await poll_status_with_refusals(2)  # the market's too: then the order's own lookup
        self.assertEqual(1, len(self.requests(ORDER)))

    async def test_an_order_restored_while_pending_creation_is_never_failed_on_a_guess(self):
        """Saved while its create was pending (the bot stopped or crashed meanwhile), an order's outcome is
        unknown: polls that do not find it never give it up as lost; it is reconciled when it shows up and
        failed only once its window has ended by the exchange's clock and it is still nowhere."""
        def saved(client_order_id: str) -> str:
            return InFlightOrder(client_order_id=client_order_id, exchange_order_id=None, trading_pair="SOL-USDC",
                                 order_type=OrderType.LIMIT, trade_type=TradeType.BUY, amount=Decimal(1),
                                 price=Decimal(90), creation_timestamp=time.time() - 1,
                                 initial_state=OrderState.PENDING_CREATE).to_json()
        self.exchange.UNKNOWN_OUTCOME_RECHECK_S = (60.0,)  # the resolvers wait: this test runs the checks
        self.exchange.restore_tracking_states({"901": saved("901"), "902": saved("902")})
        try:
            self.assertEqual({"901", "902"}, set(self.exchange.orders_with_unknown_outcome))
            for _ in range(6):  # Hummingbot gives an order up as lost after 3 "not found"
                await self.exchange._update_orders()
                await self.wait_for_updates()
            orders = [self.exchange.in_flight_orders[o] for o in ("901", "902")]
            self.assertEqual([OrderState.PENDING_CREATE] * 2, [o.current_state for o in orders])

            placed = self.server.exchange.execute_order(self.api_key, {  # 901 did reach the exchange
                "symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit", "quantity": "1", "price": "90",
                "clientId": 901})
            await self.exchange._update_orders()
            await self.wait_for_updates()
            self.assertEqual((OrderState.OPEN, placed.id), (orders[0].current_state, orders[0].exchange_order_id))

            self.exchange._auth.window_ms = 300
            self.exchange.WINDOW_END_MARGIN_MS = 0
            entry = self.exchange._unknown_outcomes["902"]
            await self.exchange._check_unknown_outcome(orders[1], entry)  # fixes the window's end: now + 300 ms
            await self.wait_for_updates()
            self.assertEqual(OrderState.PENDING_CREATE, orders[1].current_state)
            await asyncio.sleep(0.5)
            await self.exchange._check_unknown_outcome(orders[1], entry)
            await self.wait_for_updates()
            self.assertEqual(OrderState.FAILED, orders[1].current_state)
        finally:
            for entry in list(self.exchange._unknown_outcomes.values()):
                if entry.task is not None:
                    entry.task.cancel()

    async def test_an_unknown_outcome_is_not_failed_on_a_history_search_cut_short(self):
        """An order of unknown outcome (no exchange id) is searched among the newest history rows: a search
        stopped at its page limit before reaching the order's creation proves nothing, however late it is."""
        ex = self.server.exchange
        ours = ex.execute_order(self.api_key, {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit",
                                               "quantity": "2", "price": "100", "clientId": 904})  # no fill: fills
        # found would prove it executed (test_backpack_fill_reconciliation)
        ex.cancel_order(self.api_key, "SOL_USDC", ours.id, None)
        for client_id in range(905, 912):  # newer orders of the account, closed too
            other = ex.execute_order(self.api_key, {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit",
                                                    "quantity": "1", "price": "50", "clientId": client_id})
            ex.cancel_order(self.api_key, "SOL_USDC", other.id, None)
        self.exchange.UNKNOWN_OUTCOME_RECHECK_S = (60.0,)  # the resolver waits: this test runs the checks
        self.exchange.restore_tracking_states({"904": InFlightOrder(
            client_order_id="904", exchange_order_id=None, trading_pair="SOL-USDC", order_type=OrderType.LIMIT,
            trade_type=TradeType.BUY, amount=Decimal(2), price=Decimal(100), creation_timestamp=time.time() - 1,
            initial_state=OrderState.PENDING_CREATE).to_json()})
        entry = self.exchange._unknown_outcomes["904"]
        try:
            entry.expires_server_ms = 0  # its window ended long ago
            order = self.exchange.in_flight_orders["904"]
            self.exchange.ORDER_HISTORY_MAX_PAGES = 2  # 2 pages of 3 rows: 6 of the 7 newer orders
            with self.assertRaises(BackpackOrderSearchCutShort):  # the resolver logs it and checks again later
                await self.exchange._check_unknown_outcome(order, entry)
            await self.wait_for_updates()
            self.assertEqual(OrderState.PENDING_CREATE, order.current_state)
            self.assertIn("904", self.exchange.orders_with_unknown_outcome)

            self.exchange.ORDER_HISTORY_MAX_PAGES = 5  # far enough: found
            await self.exchange._check_unknown_outcome(order, entry)
            await self.wait_for_updates()
            self.assertEqual((OrderState.CANCELED, ours.id, Decimal(0)),
                             (order.current_state, order.exchange_order_id, order.executed_amount_base))
        finally:
            if entry.task is not None:
                entry.task.cancel()

    async def test_rows_of_another_order_with_the_same_client_id_are_not_ours(self):
        """A clientId is unique among open orders only: another order of the account (another process, an
        earlier run) can carry ours before or after it. Its fills are not ours, nor is its status."""
        ex = self.server.exchange
        ex.execute_order(self.maker_key, {"symbol": "SOL_USDC", "side": "Ask", "orderType": "Limit",
                                          "quantity": "1", "price": "100"})
        before = ex.execute_order(self.api_key, {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit",
                                                 "quantity": "1", "price": "100", "clientId": 777})  # filled
        ours = ex.execute_order(self.api_key, {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit",
                                               "quantity": "1", "price": "90", "clientId": 777})
        self.exchange.start_tracking_order(order_id="777", exchange_order_id=ours.id, trading_pair="SOL-USDC",
                                           trade_type=TradeType.BUY, price=Decimal("90"), amount=Decimal(1),
                                           order_type=OrderType.LIMIT)
        await self.poll_fills()
        self.assertEqual(Decimal(0), self.executed("777"))

        ex.cancel_order(self.api_key, "SOL_USDC", ours.id, None)
        after = ex.execute_order(self.api_key, {"symbol": "SOL_USDC", "side": "Bid", "orderType": "Limit",
                                                "quantity": "1", "price": "80", "clientId": 777})  # rests
        self.assertEqual(3, len({before.id, ours.id, after.id}))
        await self.exchange._update_orders()
        await self.wait_for_updates()
        order = self.exchange._order_tracker.all_fillable_orders["777"]
        self.assertEqual((OrderState.CANCELED, ours.id), (order.current_state, order.exchange_order_id))
        self.assertEqual(Decimal(0), order.executed_amount_base)
