"""Market orders without a price (issue 22, item 7): priced from the book they take from, so Hummingbot's
available balance between polls stays finite; one that cannot be priced fails at once, with an event, untracked."""
import asyncio
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_market_orders import deepest_price_reached
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.market_order import MarketOrder
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_row import OrderBookRow
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.order_test_case import BackpackOrderTestCase

NAN = Decimal("nan")


def book(bids=(), asks=()) -> OrderBook:
    order_book = OrderBook()
    order_book.apply_snapshot([OrderBookRow(p, a, 1) for p, a in bids], [OrderBookRow(p, a, 1) for p, a in asks], 1)
    return order_book


class DeepestPriceTests(BackpackOrderTestCase):

    def test_deepest_level_the_amount_reaches(self):
        levels = book(bids=[(179.9, 1.0), (179.5, 3.0)], asks=[(180.1, 0.5), (180.3, 5.0), (181.0, 9.0)])
        self.assertEqual(Decimal("180.1"), deepest_price_reached(levels, True, Decimal("0.5")))
        self.assertEqual(Decimal("180.3"), deepest_price_reached(levels, True, Decimal("0.6")))
        self.assertEqual(Decimal("181.0"), deepest_price_reached(levels, True, Decimal("100")))  # thinner: deepest
        self.assertEqual(Decimal("179.5"), deepest_price_reached(levels, False, Decimal("2")))
        self.assertIsNone(deepest_price_reached(book(bids=[(179.9, 1.0)]), True, Decimal("1")))


class MarketOrderTests(BackpackOrderTestCase):

    def set_book(self, **levels):
        self.exchange.order_book_tracker._order_books["SOL-USDC"] = book(**levels)

    async def test_market_buy_in_flight_keeps_the_available_balance_finite(self):
        """Spot has no balance stream: between polls Hummingbot takes each in-flight buy's amount x price off the
        polled balance. A market buy without a price made it NaN (a V2 executor's budget check then dies)."""
        self.set_book(bids=[(179.9, 1.0)], asks=[(180.1, 0.5), (180.3, 5.0)])
        self.exchange._account_available_balances["USDC"] = Decimal("1000")
        self.exchange._account_balances["USDC"] = Decimal("1000")
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response())
        await self.create(order_type=OrderType.MARKET, amount="1", price=None)
        order = self.exchange.in_flight_orders["700"]
        self.assertEqual(Decimal("180.3"), order.price)  # the deepest ask that 1 SOL reaches
        body = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)[0]
        self.assertEqual(("Market", "1"), (body["orderType"], body["quantity"]))
        self.assertNotIn("price", body)
        available = self.exchange.get_available_balance("USDC")
        self.assertTrue(available.is_finite())
        fee = self.exchange.estimate_fee_pct(True)
        self.assertEqual(Decimal("1000") - Decimal("180.3") * (1 + fee), available)

    async def test_nan_price_is_priced_too_and_a_given_price_is_kept(self):
        self.set_book(bids=[(179.9, 1.0)], asks=[(180.1, 0.5)])
        for _ in range(2):
            self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=self.order_created_response())
        await self.exchange._create_order(TradeType.SELL, "701", "SOL-USDC", Decimal("1"), OrderType.MARKET, NAN)
        await self.exchange._create_order(TradeType.BUY, "702", "SOL-USDC", Decimal("1"), OrderType.MARKET,
                                          Decimal("185"))
        await asyncio.sleep(0)
        self.assertEqual(Decimal("179.9"), self.exchange.in_flight_orders["701"].price)
        self.assertEqual(Decimal("185"), self.exchange.in_flight_orders["702"].price)

    async def test_market_order_on_an_empty_side_fails_with_an_event_and_is_not_tracked(self):
        """It stayed PENDING_CREATE for good (Hummingbot's create raised comparing a NaN notional), its amount
        counted as reserved, with no event."""
        self.set_book(bids=[(179.9, 1.0)])  # no asks
        with self.assertLogs(self.exchange.logger(), level="ERROR") as logs:
            await self.create(order_type=OrderType.MARKET, amount="1", price=None)
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(["700"], [e.order_id for e in self.events[MarketEvent.OrderFailure].event_log])
        self.assertIn("the SOL-USDC order book has no asks", self.failure_messages()[0])
        self.assertTrue(any("cannot be priced" in line for line in logs.output))
        self.assertEqual({}, self.exchange.in_flight_orders)
        self.assertEqual(Decimal("0"), self.exchange.in_flight_asset_balances(self.exchange.in_flight_orders)
                         .get("SOL", Decimal("0")))

    async def test_market_order_of_a_pair_without_book_fails(self):
        await self.exchange._create_order(TradeType.SELL, "703", "BTC-USDC", Decimal("1"), OrderType.MARKET, NAN)
        await asyncio.sleep(0)
        self.assertIn("there is no order book for BTC-USDC", self.failure_messages()[0])
        self.assertEqual({}, self.exchange.in_flight_orders)

    async def test_batch_market_orders_are_priced_or_failed(self):
        self.set_book(bids=[(179.9, 1.0)])  # bids only: a sell can be priced, a buy cannot
        self.mock_api.post(self.url(CONSTANTS.ORDERS_PATH_URL), body='[{"operation": "Ok", "id": "9001", '
                                                                     '"clientId": 1, "createdAt": 1640780000000}]')
        sell = MarketOrder(order_id="", trading_pair="SOL-USDC", is_buy=False, base_asset="SOL", quote_asset="USDC",
                           amount=Decimal("1"), timestamp=0)
        buy = MarketOrder(order_id="", trading_pair="SOL-USDC", is_buy=True, base_asset="SOL", quote_asset="USDC",
                          amount=Decimal("1"), timestamp=0)
        sell_id, buy_id = (o.order_id for o in self.exchange.batch_order_create([sell, buy]))
        for _ in range(100):
            if self.sent("POST", CONSTANTS.ORDERS_PATH_URL):
                break
            await asyncio.sleep(0.01)
        self.assertEqual(1, len(self.bodies("POST", CONSTANTS.ORDERS_PATH_URL)[0]))  # only the sell was sent
        self.assertEqual([buy_id], [e.order_id for e in self.events[MarketEvent.OrderFailure].event_log])
        self.assertEqual(Decimal("179.9"), self.exchange.in_flight_orders[sell_id].price)
