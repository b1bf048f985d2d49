"""The spot connector against the emulator while its market goes PostOnly, Closed and Open again: the markets
poll (Hummingbot's trading-rules loop, driven here) picks each state up, forbidden orders fail before anything
is sent, cancels go through, and the connector is not ready while the market is closed."""
from decimal import Decimal

from backpack_emulator.admin_client import AdminClient

from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.test_backpack_e2e_emulator import PAIR, SYMBOL, EmulatorTestCase, wait_for


class MarketStatesOnEmulatorTests(EmulatorTestCase):
    async def switch(self, state: str):
        async with AdminClient(self.server.rest_url) as admin:
            await admin.set_market_state(SYMBOL, state)
        await self.exchange._update_trading_rules()  # the 30 s markets poll
        self.assertEqual(state, self.exchange.market_state(PAIR))

    def creates_sent(self) -> int:
        return len([e for e in self.server.request_log.entries(path="/api/v1/order", method="POST")
                    if e["apiKey"] == self.api_key])

    async def test_post_only_then_closed_then_open(self):
        await self.taker._place_order(order_id=self.taker_order_id(), trading_pair=PAIR, amount=Decimal("1"),
                                      trade_type=TradeType.SELL, order_type=OrderType.LIMIT, price=Decimal("181"))
        await self.switch("PostOnly")
        sent = self.creates_sent()
        self.exchange.buy(PAIR, Decimal("1"), OrderType.MARKET, Decimal("181"))
        await wait_for(lambda: len(self.logged(MarketEvent.OrderFailure)) == 1, "the market order to fail")
        self.assertEqual(sent, self.creates_sent())  # nothing sent
        maker = self.exchange.buy(PAIR, Decimal("1"), OrderType.LIMIT_MAKER, Decimal("170"))
        crossing = self.exchange.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("181"))
        await wait_for(lambda: [e.order_id for e in self.logged(MarketEvent.OrderCancelled)] == [crossing],
                       "the exchange to expire the crossing order (PostOnlyMode)")
        await wait_for(lambda: maker in self.exchange.in_flight_orders
                       and self.exchange.in_flight_orders[maker].is_open
                       and self.exchange.in_flight_orders[maker].exchange_order_id, "the maker order to rest")
        self.assertTrue(self.exchange.ready)

        await self.switch("Closed")
        self.assertFalse(self.exchange.ready)
        self.assertFalse(self.exchange.status_dict["trading_pairs_open"])
        sent = self.creates_sent()
        self.exchange.sell(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("200"))
        await wait_for(lambda: len(self.logged(MarketEvent.OrderFailure)) == 2, "the limit order to fail")
        self.assertEqual(sent, self.creates_sent())
        self.exchange.cancel(PAIR, maker)  # cancels are always sent
        await wait_for(lambda: maker in [e.order_id for e in self.logged(MarketEvent.OrderCancelled)],
                       "the maker order to be cancelled")

        await self.switch("Open")
        await wait_for(lambda: self.exchange.ready, "the connector to be ready again")
        again = self.exchange.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("170"))
        await wait_for(lambda: again in self.exchange.in_flight_orders
                       and self.exchange.in_flight_orders[again].exchange_order_id, "a new order to rest")
        self.assertEqual(2, len(self.logged(MarketEvent.OrderFailure)))
