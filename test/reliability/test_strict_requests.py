"""Every request the real connectors send passes the emulator's strict decoder (request_schema.py).

The spot and perp connectors run a full session against the emulator: limit, post-only and market
orders, batch create and cancel, single cancel, cancel-all, status polls that fall back to the order
and fill histories, balances, collateral, positions, leverage, funding payments, and the public and
private streams. Afterwards the request log must hold no decoder refusal, the WS hub no malformed
subscription, and every endpoint the connectors use must have been exercised.
"""
import asyncio
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.data_type.limit_order import LimitOrder
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, PERP_SYMBOL, SPOT_SYMBOL, assert_no_refusals, wait_for

EXPECTED_ENDPOINTS = {
    ("GET", "/api/v1/markets"), ("GET", "/api/v1/depth"), ("GET", "/api/v1/capital"),
    ("POST", "/api/v1/order"), ("DELETE", "/api/v1/order"), ("POST", "/api/v1/orders"),
    ("DELETE", "/api/v1/orders"), ("GET", "/api/v1/order"), ("GET", "/api/v1/orders"),
    ("GET", "/wapi/v1/history/orders"), ("GET", "/wapi/v1/history/fills"),
    ("GET", "/api/v1/capital/collateral"), ("GET", "/api/v1/position"), ("PATCH", "/api/v1/account"),
    ("GET", "/api/v1/account"), ("GET", "/api/v1/markPrices"), ("GET", "/wapi/v1/history/funding"),
}


class ConnectorRequestsAreStrictlyValidTest(ReliabilityTestCase):
    SPOT = True
    PERP = True

    async def test_every_request_of_a_full_session_decodes(self):
        self.scenario("strict: every connector request decodes")
        spot, perp, venue = self.venue.spot, self.venue.perp, self.venue
        # Spot: a resting limit, a post-only and a batch; one cancel, a batch cancel, cancel-all.
        resting = await self.place(spot, "buy", "1", "150")
        maker = spot.buy(PAIR, Decimal("1"), OrderType.LIMIT_MAKER, Decimal("151"))
        batch = spot.batch_order_create([LimitOrder(client_order_id="", trading_pair=PAIR, is_buy=True,
                                                    base_currency="SOL", quote_currency="USDC",
                                                    price=Decimal("140"), quantity=Decimal("1")),
                                         LimitOrder(client_order_id="", trading_pair=PAIR, is_buy=False,
                                                    base_currency="SOL", quote_currency="USDC",
                                                    price=Decimal("260"), quantity=Decimal("1"))])
        await wait_for(lambda: len(venue.server.exchange.open_orders) == 4, "four resting spot orders")
        spot.cancel(PAIR, resting)
        await wait_for(lambda: resting not in spot.in_flight_orders, "the single cancel")
        # Opted in to the native cancel-all (the default cancels the bot's orders one by one): the batch cancel
        # lists the resting orders, cancel-all sends DELETE /api/v1/orders.
        spot._cancel_all_scope = CONSTANTS.CANCEL_ALL_SCOPE_MARKET
        spot.batch_order_cancel([LimitOrder(client_order_id=o.client_order_id, trading_pair=PAIR, is_buy=o.is_buy,
                                            base_currency="SOL", quote_currency="USDC", price=o.price,
                                            quantity=o.quantity) for o in batch])
        await wait_for(lambda: len(venue.server.exchange.open_orders) == 1, "the batch cancel")
        self.assertIn(maker, spot.in_flight_orders)
        await spot.cancel_all(10)
        # A market order filled by a counterparty's resting ask; its status poll falls back to history.
        venue.counterparty(SPOT_SYMBOL, "Ask", "2", "180", tif="GTC")
        spot_market = spot.buy(PAIR, Decimal("1"), OrderType.MARKET, Decimal("180"))
        await wait_for(lambda: spot._order_tracker.fetch_order(spot_market) is not None, "the spot order tracked")
        spot_order = spot._order_tracker.fetch_order(spot_market)
        await self.wait_filled(spot, "1", "the spot market fill")
        # Perp: leverage, an opening fill, positions, collateral, funding.
        await perp._set_trading_pair_leverage(PAIR, 5)
        venue.counterparty(PERP_SYMBOL, "Ask", "1", "180", tif="GTC")
        perp_market = perp.buy(PAIR, Decimal("1"), OrderType.MARKET, Decimal("180"),
                               position_action=PositionAction.OPEN)
        await wait_for(lambda: perp._order_tracker.fetch_order(perp_market) is not None, "the perp order tracked")
        perp_order = perp._order_tracker.fetch_order(perp_market)
        await self.wait_filled(perp, "1", "the perp fill")
        await wait_for(lambda: len(perp.account_positions) == 1, "the perp position")
        await perp._update_positions()
        await perp._update_balances()
        await perp._fetch_last_fee_payment(PAIR)
        # Status of orders no longer resting: GET /order answers 404, then the order and fill histories.
        for connector, order in ((spot, spot_order), (perp, perp_order)):
            await wait_for(lambda: order.exchange_order_id is not None, "the exchange order id")
            update = await connector._request_order_status(order)
            self.assertEqual("FILLED", update.new_state.name)
            self.assertEqual(1, len(await connector._all_trade_updates_for_order(order)))
        await asyncio.sleep(2.5)  # a few status / balance polls
        hit = {(e["method"], e["path"]) for e in venue.server.request_log.entries()}
        self.assertEqual(set(), EXPECTED_ENDPOINTS - hit, "endpoints this session should have exercised")
        assert_no_refusals(self, venue.server)
