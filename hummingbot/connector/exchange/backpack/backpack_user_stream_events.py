"""Processing of the private stream's events shared by the spot and perp Backpack connectors
(`account.orderUpdate`: order states and fills; other streams go to `_process_private_event`).

The data source hands each frame to `_process_user_stream_message` in the stream's own task (frames that
reach Hummingbot's user stream queue instead, e.g. put there by a test, take the listener path), and an
order's new state is applied in that same task (`BackpackOrderTracker.apply_order_update`): the order is
reported filled, cancelled or open as soon as its frame is read, not one or two event-loop passes later."""
import asyncio
from typing import Any, Dict, Mapping, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import client_order_id_for
from hummingbot.connector.exchange.backpack.backpack_messages import Fill, OrderStatus
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState


def _in_market(order: InFlightOrder, symbol: str, symbols_by_pair: Dict[str, str]) -> bool:
    """The order is of the event's market (or either market is unknown)."""
    return not symbol or symbols_by_pair.get(order.trading_pair) in (None, symbol)


class BackpackUserStreamEventsMixin:
    async def _user_stream_event_listener(self):
        async for event_message in self._iter_user_event_queue():
            try:
                await self._process_user_stream_message(event_message)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().error("Unexpected error in user stream listener loop.", exc_info=True)
                await self._sleep(5.0)

    async def _process_user_stream_message(self, event_message: Dict[str, Any]):
        stream = event_message.get("stream", "")
        data = event_message.get("data") or {}
        if stream.startswith(CONSTANTS.ORDER_UPDATE_STREAM):
            await self._process_order_event(data)
        else:
            await self._process_private_event(stream, data)

    async def _process_private_event(self, stream: str, data: Dict[str, Any]):
        pass  # spot listens to order updates only; perp overrides for positions

    @staticmethod
    def _tracked_order_for(orders: Mapping[str, InFlightOrder], exchange_order_id: str, client_order_id: Optional[str],
                           symbol: str, symbols_by_pair: Dict[str, str]) -> Optional[InFlightOrder]:
        """The tracked order an event is about. Client ids are per account, not per market: an event of another
        market (e.g. another bot on the account reusing an id) must not touch ours, so the symbol must match
        too (unless the event or the pair's symbol is unknown), and so must the exchange id once ours is known
        (an id is unique among open orders only: another order may carry it before or after ours)."""
        by_client_id = orders.get(client_order_id) if client_order_id is not None else None
        if by_client_id is not None and _in_market(by_client_id, symbol, symbols_by_pair) and \
                by_client_id.exchange_order_id in (None, "", exchange_order_id) and \
                not (by_client_id.is_failure and not by_client_id.exchange_order_id):  # refused: not ours
            return by_client_id  # looked up by key: this runs for every event (no walk over every order)
        return next((o for o in orders.values()
                     if o.exchange_order_id == exchange_order_id and _in_market(o, symbol, symbols_by_pair)), None)

    def _already_open(self, data: Dict[str, Any]) -> bool:
        """An `orderAccepted` for an order the create's answer already opened under the same exchange id: it
        tells nothing new (the usual case: the answer comes first), and skipping it takes its parsing off
        the way of the fill frame that often follows."""
        client_order_id = client_order_id_for(data.get("c"))
        order = self._order_tracker.active_orders.get(client_order_id) if client_order_id is not None else None
        return order is not None and order.current_state != OrderState.PENDING_CREATE and \
            order.exchange_order_id is not None and order.exchange_order_id == str(data.get("i"))

    async def _process_order_event(self, data: Dict[str, Any]):
        if data.get("e") == CONSTANTS.ORDER_ACCEPTED_EVENT and self._already_open(data):
            return
        status = OrderStatus.from_ws(data)
        # Only a ready map: an event must not wait on a markets request.
        symbols_by_pair = (await self.trading_pair_symbol_map()).inverse if self.trading_pair_symbol_map_ready() \
            else {}
        tracker = self._order_tracker
        updatable = None
        if data.get("e") == CONSTANTS.ORDER_FILL_EVENT and data.get("t") is not None:
            fill = Fill.from_ws(data)
            fillable = self._tracked_order_for(tracker.all_fillable_orders, fill.exchange_order_id,
                                               fill.client_order_id, fill.symbol, symbols_by_pair)
            if fillable is not None:
                tracker.process_trade_update(self._trade_update(fillable, fill))
                # The same ids and checks: the order filled is the one updated if it is still updatable.
                if tracker.all_updatable_orders.get(fillable.client_order_id) is fillable:
                    updatable = fillable
        if updatable is None:
            updatable = self._tracked_order_for(tracker.all_updatable_orders, status.exchange_order_id,
                                                status.client_order_id, status.symbol, symbols_by_pair)
        if updatable is not None:
            await tracker.apply_order_update(self._order_update(updatable, status, status.timestamp))
