"""The real spot connector against an in-process Backpack emulator over 127.0.0.1 (REST + WebSocket)."""
import asyncio
import os
import time
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from typing import Dict, List
from unittest.mock import patch

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import close_shared_http_session, wait_for

PAIR = "SOL-USDC"
SYMBOL = "SOL_USDC"


class EmulatorTestCase(IsolatedAsyncioWrapperTestCase):
    MARKET_DATA = False

    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()  # never reuse a session bound to an earlier test's loop
        self.api_key, api_secret = generate_keypair()
        self.taker_key, taker_secret = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data=self.MARKET_DATA,
                                     market_data_interval_s=3600.0,
                                     accounts={self.api_key: {"USDC": "10000", "SOL": "100"},
                                               self.taker_key: {"USDC": "10000", "SOL": "100"}})
        await self.server.start()
        env = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, env):
            self.exchange = BackpackExchange(self.api_key, api_secret, trading_pairs=[PAIR])
            self.taker = BackpackExchange(self.taker_key, taker_secret, trading_pairs=[PAIR])
        self.events = {event: EventLogger() for event in MarketEvent}
        for event, logger in self.events.items():
            self.exchange.add_listener(event, logger)
        self._ticker = asyncio.ensure_future(self._tick_forever())
        await self.exchange.start_network()
        await wait_for(lambda: self.exchange.ready, "the connector to be ready")  # books, rules, balances, streams
        await asyncio.sleep(0.3)  # let the emulator register the private subscription
        await self.taker._update_time_synchronizer()
        await self.taker._update_trading_rules()

    async def asyncTearDown(self):
        self._ticker.cancel()
        await asyncio.gather(self._ticker, return_exceptions=True)
        await self.exchange.stop_network()
        await self.server.stop()
        await close_shared_http_session()
        await super().asyncTearDown()
        self.assertEqual([], self.server.refusals(), "requests the strict decoder refused")

    async def _tick_forever(self):
        while True:
            now = time.time()
            self.exchange._set_current_timestamp(now)
            self.exchange.tick(now)
            await asyncio.sleep(0.1)

    async def taker_sells(self, amount: str, price: str):
        await self.taker._place_order(order_id=self.taker_order_id(), trading_pair=PAIR, amount=Decimal(amount),
                                      trade_type=TradeType.SELL, order_type=OrderType.LIMIT, price=Decimal(price),
                                      time_in_force="IOC")

    @staticmethod
    def taker_order_id() -> str:
        from hummingbot.connector.exchange.backpack.backpack_client_order_ids import next_client_order_id
        return next_client_order_id()

    def emulator_open_orders(self) -> List:
        return [o for o in self.server.exchange.open_orders.values() if o.account == self.api_key]

    def logged(self, event: MarketEvent) -> List:
        return self.events[event].event_log


class TradingAgainstEmulatorTests(EmulatorTestCase):

    async def test_limit_order_open_partial_fill_full_fill(self):
        order_id = self.exchange.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("150"))
        await wait_for(lambda: self.logged(MarketEvent.BuyOrderCreated), "the order to be created")
        order = self.exchange.in_flight_orders[order_id]
        self.assertEqual(OrderState.OPEN, order.current_state)
        [resting] = self.emulator_open_orders()
        self.assertEqual((str(resting.id), int(order_id)), (order.exchange_order_id, resting.client_id))

        await self.taker_sells("0.4", "150")
        await wait_for(lambda: len(self.logged(MarketEvent.OrderFilled)) == 1, "the partial fill")
        fill = self.logged(MarketEvent.OrderFilled)[0]
        self.assertEqual((Decimal("150"), Decimal("0.4")), (fill.price, fill.amount))
        self.assertEqual(OrderState.PARTIALLY_FILLED, order.current_state)
        self.assertEqual(1, len(fill.trade_fee.flat_fees))
        self.assertEqual("SOL", fill.trade_fee.flat_fees[0].token)  # spot buy fees are paid in the base asset

        await self.taker_sells("0.6", "150")
        await wait_for(lambda: self.logged(MarketEvent.BuyOrderCompleted), "the order to complete")
        self.assertEqual([Decimal("0.4"), Decimal("0.6")], [f.amount for f in self.logged(MarketEvent.OrderFilled)])
        self.assertEqual(Decimal("1"), self.logged(MarketEvent.BuyOrderCompleted)[0].base_asset_amount)
        self.assertNotIn(order_id, self.exchange.in_flight_orders)
        self.assertEqual([], self.emulator_open_orders())

        # REST recovery finds the same fills: no duplicate events
        await self.exchange._update_orders_fills([self.exchange._order_tracker.all_fillable_orders[order_id]])
        await asyncio.sleep(0.1)
        self.assertEqual(2, len(self.logged(MarketEvent.OrderFilled)))
        await self.assert_balances_match_ledger()

    async def test_cancel(self):
        order_id = self.exchange.sell(PAIR, Decimal("2"), OrderType.LIMIT, Decimal("250"))
        await wait_for(lambda: self.logged(MarketEvent.SellOrderCreated), "the order to be created")
        self.exchange.cancel(PAIR, order_id)
        await wait_for(lambda: self.logged(MarketEvent.OrderCancelled), "the cancel")
        self.assertEqual(order_id, self.logged(MarketEvent.OrderCancelled)[0].order_id)
        self.assertEqual([], self.emulator_open_orders())
        await self.assert_balances_match_ledger()

    async def test_batch_create_and_cancel(self):
        orders = [LimitOrder("", PAIR, True, "SOL", "USDC", Decimal("140.005"), Decimal("1")),
                  LimitOrder("", PAIR, False, "SOL", "USDC", Decimal("260"), Decimal("0.5"))]
        created = self.exchange.batch_order_create(orders)
        await wait_for(lambda: len(self.logged(MarketEvent.BuyOrderCreated)) == 1
                       and len(self.logged(MarketEvent.SellOrderCreated)) == 1, "both orders to be created")
        resting = {o.client_id: o for o in self.emulator_open_orders()}
        self.assertEqual({int(o.client_order_id) for o in created}, set(resting))
        self.assertEqual(Decimal("140"), resting[int(created[0].client_order_id)].price)

        self.exchange.batch_order_cancel(created)
        await wait_for(lambda: len(self.logged(MarketEvent.OrderCancelled)) == 2, "both cancels")
        self.assertEqual([], self.emulator_open_orders())

    async def test_cancel_all(self):
        for price in ("100", "101", "102"):
            self.exchange.buy(PAIR, Decimal("0.5"), OrderType.LIMIT, Decimal(price))
        await wait_for(lambda: len(self.logged(MarketEvent.BuyOrderCreated)) == 3, "three orders")
        results = await self.exchange.cancel_all(5)
        self.assertEqual([True, True, True], [r.success for r in results])
        self.assertEqual([], self.emulator_open_orders())
        await wait_for(lambda: len(self.logged(MarketEvent.OrderCancelled)) == 3, "three cancel events")
        await self.assert_balances_match_ledger()

    async def assert_balances_match_ledger(self):
        await self.exchange._update_balances()
        ledger = self.server.exchange.ledger
        expected_total = {asset: ledger.total(self.api_key, asset) for asset in ledger.assets(self.api_key)}
        expected_available = {asset: ledger.available(self.api_key, asset) for asset in ledger.assets(self.api_key)}
        self.assertEqual(expected_total, self.exchange.get_all_balances())
        self.assertEqual(expected_available, self.exchange.available_balances)


class OrderBookAgainstEmulatorTests(EmulatorTestCase):
    MARKET_DATA = True  # the generator fills both books once at start (then stays quiet for an hour)

    def connector_levels(self, trading_pair: str = PAIR) -> Dict[str, Dict[Decimal, Decimal]]:
        bids, asks = self.exchange.order_books[trading_pair].snapshot
        return {"bids": {Decimal(str(p)): Decimal(str(a)) for p, a in zip(bids["price"], bids["amount"])},
                "asks": {Decimal(str(p)): Decimal(str(a)) for p, a in zip(asks["price"], asks["amount"])}}

    def emulator_levels(self) -> Dict[str, Dict[Decimal, Decimal]]:
        book = self.server.exchange.books[SYMBOL]
        return {"bids": dict(book.bids.snapshot(1000)), "asks": dict(book.asks.snapshot(1000))}

    async def test_order_book_equals_emulator_book(self):
        expected = self.emulator_levels()
        self.assertEqual(10, len(expected["bids"]))
        await wait_for(lambda: self.connector_levels() == self.emulator_levels(), "the initial book")

        # our own orders change the book through depth diffs
        self.exchange.buy(PAIR, Decimal("3"), OrderType.LIMIT, Decimal("120"))
        self.exchange.sell(PAIR, Decimal("2"), OrderType.LIMIT, Decimal("300"))
        await wait_for(lambda: len(self.exchange.in_flight_orders) == 2 and all(
            o.exchange_order_id for o in self.exchange.in_flight_orders.values()), "our orders")
        await wait_for(lambda: Decimal("120") in self.connector_levels()["bids"]
                       and Decimal("300") in self.connector_levels()["asks"], "the diffs")
        self.assertEqual(self.emulator_levels(), self.connector_levels())
        self.assertEqual(Decimal("3"), self.connector_levels()["bids"][Decimal("120")])

    async def test_reconnect_rebuilds_book_and_keeps_order_updates(self):
        await wait_for(lambda: self.connector_levels() == self.emulator_levels(), "the initial book")
        depth_requests_before = self.depth_snapshot_requests()
        await self.server.hub.close_all()  # the server drops every WebSocket

        order_id = self.exchange.buy(PAIR, Decimal("4"), OrderType.LIMIT, Decimal("110"))
        await wait_for(lambda: Decimal("110") in self.connector_levels()["bids"], "the book after reconnecting")
        self.assertEqual(self.emulator_levels(), self.connector_levels())
        self.assertGreater(self.depth_snapshot_requests(), depth_requests_before)  # rebuilt from a fresh snapshot

        self.exchange.cancel(PAIR, order_id)
        await wait_for(lambda: self.logged(MarketEvent.OrderCancelled), "the cancel")
        await wait_for(lambda: Decimal("110") not in self.connector_levels()["bids"], "the level to go")

    def depth_snapshot_requests(self) -> int:
        return len(self.server.request_log.entries(path="/api/v1/depth"))

    async def test_pair_added_and_removed_at_runtime(self):
        self.assertTrue(await self.exchange.add_trading_pair("BTC-USDC"))
        btc_book = self.server.exchange.books["BTC_USDC"]
        emulator_btc = {"bids": dict(btc_book.bids.snapshot(1000)), "asks": dict(btc_book.asks.snapshot(1000))}
        self.assertEqual(10, len(emulator_btc["asks"]))
        await wait_for(lambda: self.connector_levels("BTC-USDC") == emulator_btc, "the BTC book")

        self.exchange.buy("BTC-USDC", Decimal("0.01"), OrderType.LIMIT, Decimal("50000"))
        await wait_for(lambda: Decimal("50000") in self.connector_levels("BTC-USDC")["bids"],
                       "the new BTC level through the added pair's depth stream")

        self.assertTrue(await self.exchange.remove_trading_pair("BTC-USDC"))
        self.assertNotIn("BTC-USDC", self.exchange.order_books)
        self.assertEqual([PAIR], self.exchange._orderbook_ds._trading_pairs)
