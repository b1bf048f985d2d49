"""buy()/sell() keywords for market orders: `quote_quantity` (Backpack's `quoteQuantity`) and `slippage_tolerance` +
`slippage_tolerance_type`: the request body, the tracked amount, and clear errors with nothing sent."""
import json
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.order_test_case import BackpackOrderTestCase


def market_answer(executed: str, status: str = "Filled", quote: str = "500") -> str:
    return json.dumps({"id": "9001", "clientId": 700, "symbol": "SOL_USDC", "side": "Bid", "orderType": "Market",
                       "createdAt": 1640780000000, "quantity": None, "quoteQuantity": quote,
                       "executedQuantity": executed, "executedQuoteQuantity": "499.5", "timeInForce": "GTC",
                       "selfTradePrevention": "RejectTaker", "status": status, "reduceOnly": None,
                       "slippageTolerance": None, "slippageToleranceType": None})


class MarketOrderOptionTests(BackpackOrderTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.exchange.get_price = lambda pair, is_buy, amount=None: Decimal("180") if is_buy else Decimal("179.9")

    async def market(self, **kwargs):
        await self.create(order_type=OrderType.MARKET, price=None, **kwargs)

    async def test_quote_quantity_is_sent_instead_of_quantity_and_the_answer_sets_the_amount(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=market_answer("2.77"))
        await self.market(amount="0", quote_quantity=Decimal("500.129"))
        body = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)[0]
        self.assertEqual({"symbol": "SOL_USDC", "side": "Bid", "orderType": "Market", "quoteQuantity": "500.12",
                          "clientId": 700, "selfTradePrevention": "RejectTaker"}, body)
        order = self.exchange._order_tracker.fetch_order(client_order_id="700")
        self.assertEqual(Decimal("2.77"), order.amount)  # what the exchange executed, not the estimate

    async def test_before_the_answer_the_amount_is_estimated_from_the_book(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=market_answer("2.6"))
        self.exchange._place_order_and_process_update = self.capture_amount(self.exchange._place_order_and_process_update)
        await self.market(amount="0", quote_quantity="500")
        self.assertEqual([Decimal("2.77")], self.amounts_seen)  # 500 / 180 at the best ask, down to the step
        self.assertEqual(Decimal("2.6"), self.exchange._order_tracker.fetch_order(client_order_id="700").amount)

    def capture_amount(self, place):
        self.amounts_seen = []

        async def wrapped(order, **kwargs):
            self.amounts_seen.append(order.amount)
            return await place(order, **kwargs)
        return wrapped

    async def test_an_answer_that_is_not_final_keeps_the_estimate(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=market_answer("1", status="PartiallyFilled"))
        await self.market(amount="0", quote_quantity="500")
        self.assertEqual(Decimal("2.77"), self.exchange._order_tracker.fetch_order(client_order_id="700").amount)

    async def test_a_refused_quote_sized_order_is_not_remembered(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400,
                           body=json.dumps({"code": "INSUFFICIENT_FUNDS", "message": "Insufficient funds"}))
        await self.market(amount="0", quote_quantity="500")
        self.assertEqual(1, len(self.events[MarketEvent.OrderFailure].event_log))
        self.assertFalse(self.exchange._quote_sized_orders)

    async def test_slippage_tolerance_is_sent_with_its_official_type(self):
        for _ in range(2):
            self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=market_answer("1"))
        await self.create(order_id="1", order_type=OrderType.MARKET, price="180", amount="1",
                          slippage_tolerance=Decimal("0.50"), slippage_tolerance_type="percent")
        await self.market(order_id="2", amount="0", quote_quantity="100", slippage_tolerance="3",
                          slippage_tolerance_type="TickSize")
        first, second = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)
        self.assertEqual(("1", "0.5", "Percent"), (first["quantity"], first["slippageTolerance"],
                                                   first["slippageToleranceType"]))
        self.assertEqual(("100", "3", "TickSize"), (second["quoteQuantity"], second["slippageTolerance"],
                                                    second["slippageToleranceType"]))
        self.assertNotIn("quantity", second)

    async def assert_refused(self, fragment: str, order_type=OrderType.MARKET, **kwargs):
        failures = len(self.events[MarketEvent.OrderFailure].event_log)
        with self.assertLogs(self.exchange.logger(), level="ERROR") as logs:
            await self.create(order_id=str(800 + failures), order_type=order_type,
                              price="180" if order_type != OrderType.MARKET else None, **kwargs)
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(failures + 1, len(self.events[MarketEvent.OrderFailure].event_log))
        self.assertTrue(any(fragment in line for line in logs.output), logs.output)

    async def test_bad_options_fail_clearly_and_send_nothing(self):
        await self.assert_refused("apply to MARKET orders only, not LIMIT", order_type=OrderType.LIMIT,
                                  quote_quantity="100")
        await self.assert_refused("apply to MARKET orders only, not LIMIT_MAKER", order_type=OrderType.LIMIT_MAKER,
                                  slippage_tolerance="1", slippage_tolerance_type="Percent")
        await self.assert_refused("go together", slippage_tolerance="1")
        await self.assert_refused("go together", slippage_tolerance_type="Percent")
        await self.assert_refused("Invalid slippage_tolerance_type Pct", slippage_tolerance="1",
                                  slippage_tolerance_type="Pct")
        await self.assert_refused("Invalid slippage_tolerance -1", slippage_tolerance=Decimal("-1"),
                                  slippage_tolerance_type="Percent")
        await self.assert_refused("Invalid quote_quantity 0.001", quote_quantity="0.001")  # below one tick
        await self.assert_refused("Invalid quote_quantity abc", quote_quantity="abc")
        await self.create(order_id="900", order_type=OrderType.MARKET, price=None, quote_quantity="1")  # 0.0055 SOL
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertIn("lower than minimum order size", str(self.failure_messages()[-1]))

    async def test_no_price_in_the_book_fails_clearly(self):
        def no_book(pair, is_buy, amount=None):
            raise ValueError("No order book exists for 'SOL-USDC'.")
        self.exchange.get_price = no_book
        await self.assert_refused("No price in the SOL-USDC order book to size the market order of 500",
                                  quote_quantity="500")
