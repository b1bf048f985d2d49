"""Orders saved by hummingbot-api and reconciled with the exchange when it restarts, against the emulator.

Mirrors services/unified_connector_service.py: `_load_existing_orders` + `_convert_db_order_to_in_flight` (the
saved order becomes a plain InFlightOrder put straight into `connector.in_flight_orders`, leverage 1, no position
action, also for perps) and `reconcile_active_orders` (`_request_order_status` for each; "not found" per
`_is_order_not_found_during_status_update_error` means CANCELLED; any other error leaves the order alone;
terminal orders are popped from `in_flight_orders`). The restored orders are reconciled without the API's
init-time status update first, so that each goes through `_request_order_status` itself.
"""
import time
from decimal import Decimal

from hummingbot.connector.exchange.backpack.backpack_client_order_ids import next_client_order_id
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from test.hummingbot_api import api_calls
from test.hummingbot_api.api_case import PAIR, ApiOnEmulatorCase
from test.waiting import wait_for


class OrderReconciliationTests(ApiOnEmulatorCase):
    async def traded_orders(self, connector_name: str):
        """Three orders placed through the API's first connector: one resting, one filled, one cancelled."""
        first = self.create(connector_name)
        await api_calls.initialize_trading_connector(first)
        await api_calls.add_trading_pair(first, PAIR)
        ask, bid = first.get_price(PAIR, True), first.get_price(PAIR, False)
        action = PositionAction.OPEN
        resting = api_calls.place_trade(first, PAIR, TradeType.BUY, Decimal("0.5"), OrderType.LIMIT,
                                        (bid * Decimal("0.9")).quantize(Decimal("0.01")), action)
        filled = api_calls.place_trade(first, PAIR, TradeType.BUY, Decimal("0.1"), OrderType.LIMIT,
                                       (ask * Decimal("1.05")).quantize(Decimal("0.01")), action)
        cancelled = api_calls.place_trade(first, PAIR, TradeType.BUY, Decimal("0.2"), OrderType.LIMIT,
                                          (bid * Decimal("0.8")).quantize(Decimal("0.01")), action)
        await wait_for(lambda: all(i in first.in_flight_orders and first.in_flight_orders[i].exchange_order_id
                                   for i in (resting, cancelled)), "the resting orders open")
        saved = {i: first.in_flight_orders.get(i) or first._order_tracker.fetch_order(i)
                 for i in (resting, filled, cancelled)}
        await wait_for(lambda: saved[filled].is_done, "the crossing order filled")
        api_calls.cancel_order(first, cancelled)
        await wait_for(lambda: cancelled not in first.in_flight_orders, "the cancel")
        await api_calls.stop_connector_network(first)
        self.connectors.remove(first)
        return saved, resting, filled, cancelled

    async def reconcile_after_restart(self, connector_name: str):
        saved, resting, filled, cancelled = await self.traded_orders(connector_name)
        never_placed = next_client_order_id()
        second = self.create(connector_name)  # the API restarted: a new connector, the orders from its database
        await api_calls.initialize_trading_connector(second)
        hour_ago = time.time() - 3600
        for order in saved.values():  # saved while open: OPEN with their exchange id
            second.in_flight_orders[order.client_order_id] = api_calls.order_from_database(
                order.client_order_id, PAIR, "OPEN", order.amount, order.price, order.exchange_order_id,
                order.creation_timestamp)
        second.in_flight_orders[never_placed] = api_calls.order_from_database(
            never_placed, PAIR, "SUBMITTED", Decimal("1"), Decimal("100"), None, hour_ago)

        outcome = await api_calls.reconcile_active_orders(second)

        self.assertEqual({resting: OrderState.OPEN, filled: OrderState.FILLED, cancelled: OrderState.CANCELED,
                          never_placed: OrderState.CANCELED}, outcome)
        self.assertEqual([resting], list(second.in_flight_orders))  # still open: kept, cancellable
        api_calls.cancel_order(second, resting)
        await wait_for(lambda: resting not in second.in_flight_orders, "the restored order cancelled")
        self.assertEqual([], [o for o in self.server.exchange.open_orders.values() if o.account == self.api_key])

    async def test_spot_orders_restored_from_the_api_database_are_reconciled(self):
        await self.reconcile_after_restart("backpack")

    async def test_perp_orders_restored_as_plain_in_flight_orders_are_reconciled(self):
        await self.reconcile_after_restart("backpack_perpetual")
