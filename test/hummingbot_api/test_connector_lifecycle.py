"""Our connectors driven as hummingbot-api drives its trading connectors, against the emulator over 127.0.0.1.

Mirrors services/unified_connector_service.py (`_create_trading_connector`, `_create_and_initialize_trading_connector`,
`_start_connector_network`, `_add_trading_pair_to_tracker`, `_stop_connector_network`), services/trading_service.py
(`add_market`), services/accounts_service.py (`place_trade`, `cancel_order`) and routers/trading.py
(`_standardize_in_flight_order_response`). No Hummingbot clock ticks these connectors, as in the API: their
`current_timestamp` is only set by the API's periodic state refresh.
"""
import math
import time
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.time_iterator import TimeIterator
from test.hummingbot_api import api_calls
from test.hummingbot_api.api_case import OTHER_PAIR, PAIR, ApiOnEmulatorCase
from test.waiting import wait_for


def clock_time(connector) -> float:
    """What Hummingbot's clock set (NaN until it ticks), read past our `current_timestamp`."""
    return TimeIterator.current_timestamp.__get__(connector)


class ConnectorLifecycleTests(ApiOnEmulatorCase):
    async def start_like_the_api(self, connector_name: str):
        connector = self.create(connector_name)
        self.assertEqual([], connector.trading_pairs)
        await api_calls.initialize_trading_connector(connector)
        self.assertTrue(connector.trading_rules, "trading rules loaded before any pair is added")
        await wait_for(lambda: self.server.hub.wants_private(self.api_key), "the private subscription")
        return connector

    async def check_orders_without_clock(self, connector, position_action: PositionAction):
        self.assertTrue(math.isnan(clock_time(connector)), "no clock has ticked the connector")
        before = time.time()
        bid = connector.get_price(PAIR, is_buy=False) * Decimal("0.9")
        order_id = api_calls.place_trade(connector, PAIR, TradeType.BUY, Decimal("0.5"), OrderType.LIMIT, bid,
                                         position_action)
        await wait_for(lambda: order_id in connector.in_flight_orders
                       and connector.in_flight_orders[order_id].current_state == OrderState.OPEN, "the order open")
        order = connector.in_flight_orders[order_id]
        self.assertTrue(before <= order.creation_timestamp <= time.time(), order.creation_timestamp)
        self.assertTrue(before <= order.last_update_timestamp <= time.time(), order.last_update_timestamp)
        view = api_calls.active_order_view(order)  # the API's active-orders endpoint failed on NaN times
        self.assertEqual(order.exchange_order_id, view["exchange_order_id"])

        api_calls.cancel_order(connector, order_id)  # the API passes trading_pair="NA"
        await wait_for(lambda: order_id not in connector.in_flight_orders, "the order cancelled")
        account = self.server.exchange
        self.assertEqual([], [o for o in account.open_orders.values() if o.account == self.api_key])

    async def test_spot_created_without_pairs_then_pairs_added_and_an_order_placed_and_cancelled(self):
        spot = await self.start_like_the_api("backpack")
        self.assertEqual(Decimal("100"), spot.get_balance("SOL"))

        self.assertTrue(await api_calls.add_trading_pair(spot, PAIR))  # starts the order book tracker
        self.assertTrue(await api_calls.add_trading_pair(spot, OTHER_PAIR))  # through `add_trading_pair`
        self.assertEqual({PAIR, OTHER_PAIR}, set(spot.order_book_tracker.order_books))
        self.assertEqual([PAIR, OTHER_PAIR], spot.trading_pairs)

        await self.check_orders_without_clock(spot, PositionAction.OPEN)

    async def test_perp_created_without_pairs_then_pairs_added_and_an_order_placed_and_cancelled(self):
        perp = await self.start_like_the_api("backpack_perpetual")
        self.assertTrue(await api_calls.add_trading_pair(perp, PAIR))
        self.assertTrue(await api_calls.add_trading_pair(perp, OTHER_PAIR))
        self.assertEqual({PAIR, OTHER_PAIR}, set(perp.order_book_tracker.order_books))
        funding = await perp._orderbook_ds.get_funding_info(PAIR)  # routers/market_data.py funding info
        self.assertEqual(PAIR, funding.trading_pair)
        self.assertGreater(funding.mark_price, 0)

        await self.check_orders_without_clock(perp, PositionAction.OPEN)

    async def test_the_periodic_refresh_keeps_the_clock_time_it_sets(self):
        spot = await self.start_like_the_api("backpack")
        await api_calls.refresh_connector_state(spot)
        stamped = clock_time(spot)
        self.assertFalse(math.isnan(stamped))
        self.assertEqual(stamped, spot.current_timestamp)  # a set time is used as set, never the wall clock
