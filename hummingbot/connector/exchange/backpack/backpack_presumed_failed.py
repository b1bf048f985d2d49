"""Orders failed without proof that they never executed, kept matchable (shared by spot and perp).

An order whose create got no clear answer is failed once the exchange's clock is past its signed request's window
(X-Timestamp + X-Window, + a margin) and a lookup then finds it nowhere (backpack_unknown_outcome). That is a
presumption, not a proof: Backpack documents that the window is checked when a request arrives, not that its
matching engine refuses a command it gets to late, and a late engine is exactly why creates time out. So for
PRESUMED_FAILED_WATCH_S the failed order stays matchable by its clientId in its market (and only by its exchange id
once one is seen), if the exchange's order was created in our create's window (from the order's creation, when it was
signed, less PRESUMED_FAILED_CREATED_MARGIN_S, to the signed request's expiry plus PRESUMED_FAILED_ENGINE_LAG_S for a
late engine; another bot of the account may reuse the clientId): in the order stream's events, in the open
orders of every status poll, and by its own lookups (resting, order history, fills) at growing pauses. Once seen:
- it is the tracker's again for fills (`BackpackOrderTracker.watch_failed_order`): every fill of it is reported
  (OrderFilled), from the stream or from REST;
- it is cancelled: the strategy was told it failed and no longer manages it (Hummingbot cancels its lost orders
  too), and it is let go once it is closed on the exchange with all its fills reported.
Cancel-all (a strategy stopping) sends a cancel for each such order too: by its exchange id, after a lookup by
clientId found it created in that window when its exchange id was not seen yet. Once seen, it is cancelled and
checked for at most PRESUMED_FAILED_WIND_DOWN_MAX_S (then given up with a warning). The failure stays the order's
one final event, as for Hummingbot's lost orders: Hummingbot has no event for "failed, then found".
"""
import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import client_order_id_for
from hummingbot.connector.exchange.backpack.backpack_messages import seconds_from_us
from hummingbot.connector.exchange.backpack.backpack_order_cancellation import CancelAnswer
from hummingbot.connector.exchange.backpack.backpack_order_status import BackpackOrderNotFound
from hummingbot.core.data_type.cancellation_result import CancellationResult
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from hummingbot.core.utils.async_utils import safe_ensure_future, safe_gather

_CLOSED = (OrderState.FILLED, OrderState.CANCELED, OrderState.FAILED)


class BackpackOrderNeverExecuted(IOError):
    """An order of unknown outcome presumed never executed (its request window ended, no trace of it)."""


@dataclass
class PresumedFailed:
    order: InFlightOrder
    symbol: Optional[str]
    watch_until: float  # monotonic time after which an order not seen yet is no longer looked for
    # Server times between which the exchange's order with our clientId can be ours (None: not known)
    created_from_s: Optional[float] = None
    created_until_s: Optional[float] = None
    seen: bool = False  # found on the exchange: cancelled, and let go once closed with all its fills reported
    task: Optional[asyncio.Task] = field(default=None, repr=False)


class BackpackPresumedFailedMixin:
    PRESUMED_FAILED_WATCH_S = 3600.0
    PRESUMED_FAILED_RECHECK_S = (30.0, 60.0, 120.0, 300.0)  # lookups of one not seen (the last one repeats)
    PRESUMED_FAILED_WIND_DOWN_S = (0.0, 1.0, 2.0, 5.0, 10.0, 30.0)  # checks of one seen, until it is closed
    PRESUMED_FAILED_WIND_DOWN_MAX_S = 3600.0  # then one seen is given up (with a warning) even if not closed
    PRESUMED_FAILED_CREATED_MARGIN_S = 10.0  # clock skew: before the order's creation
    # A late engine executes a create after its window (why creates time out): up to this long after the expiry
    PRESUMED_FAILED_ENGINE_LAG_S = 60.0

    def __init__(self, **kwargs):
        self._presumed_failed: Dict[str, PresumedFailed] = {}  # client order id -> order failed without proof
        super().__init__(**kwargs)

    @property
    def orders_presumed_failed(self) -> Dict[str, PresumedFailed]:
        """Client order id -> order failed as presumed never executed, still watched (see the module)."""
        return dict(self._presumed_failed)

    async def _presume_never_executed(self, order: InFlightOrder, message: str,
                                      expires_server_ms: Optional[float] = None):
        """Fails the order (OrderFailure with `message`) and keeps watching for it."""
        symbol = (await self.trading_pair_symbol_map()).inverse.get(order.trading_pair)
        self.logger().warning(message)
        self._update_order_after_failure(order.client_order_id, order.trading_pair,
                                         exception=BackpackOrderNeverExecuted(message))
        entry = PresumedFailed(order, symbol, self._monotonic() + self.PRESUMED_FAILED_WATCH_S)
        if expires_server_ms is not None:  # signed at the order's creation (earlier if restored), valid until then
            window_ms = getattr(self._auth, "window_ms", None) or CONSTANTS.DEFAULT_WINDOW_MS
            entry.created_from_s = min(order.creation_timestamp, (expires_server_ms - window_ms) / 1e3)
            entry.created_until_s = expires_server_ms / 1e3
        self._presumed_failed[order.client_order_id] = entry
        entry.task = safe_ensure_future(self._watch_presumed_failed(entry))

    async def _watch_presumed_failed(self, entry: PresumedFailed):
        pauses = self.PRESUMED_FAILED_RECHECK_S
        attempt = 0
        while not entry.seen and self._monotonic() < entry.watch_until:
            await self._sleep(pauses[min(attempt, len(pauses) - 1)])
            attempt += 1
            try:
                row = await self._request_order_row(entry.order)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # not found (or cut short, or unreachable): looked for again later
                if not isinstance(error, BackpackOrderNotFound):
                    self.logger().info(f"Order {entry.order.client_order_id} (presumed never executed) could not be "
                                       f"looked up: {error}")
                continue
            if self._created_in_window(entry, row.timestamp):
                self._presumed_failed_seen(entry, row.exchange_order_id)
        if not entry.seen and self._presumed_failed.get(entry.order.client_order_id) is entry:
            del self._presumed_failed[entry.order.client_order_id]
            self.logger().info(f"Order {entry.order.client_order_id}, presumed never executed, is no longer watched: "
                               f"not seen in {self.PRESUMED_FAILED_WATCH_S:.0f} s.")

    def _created_in_window(self, entry: PresumedFailed, created_s: Optional[float]) -> bool:
        """Whether an exchange order with our clientId, created at `created_s` (server time), can be ours."""
        if entry.created_from_s is None or entry.created_until_s is None:
            return True  # no window known: clientId and market only
        return created_s is not None and entry.created_from_s - self.PRESUMED_FAILED_CREATED_MARGIN_S <= created_s \
            <= entry.created_until_s + self.PRESUMED_FAILED_ENGINE_LAG_S

    def _presumed_failed_seen(self, entry: PresumedFailed, exchange_order_id: Optional[str]):
        """The order is on the exchange after all: its fills are reported, and it is cancelled."""
        order = entry.order
        if exchange_order_id and not order.exchange_order_id:
            order.update_exchange_order_id(exchange_order_id)
        if entry.seen:
            return
        entry.seen = True
        self._order_tracker.watch_failed_order(order)
        self.logger().warning(
            f"Order {order.client_order_id} ({order.trade_type.name} {order.amount} {order.trading_pair} at "
            f"{order.price}), failed as presumed never executed, is on {self.name} after all (exchange id "
            f"{order.exchange_order_id}): its fills are reported and it is cancelled.")
        if entry.task is not None and entry.task is not asyncio.current_task():
            entry.task.cancel()
        entry.task = safe_ensure_future(self._wind_down_presumed_failed(entry))

    async def _wind_down_presumed_failed(self, entry: PresumedFailed):
        """Cancels the order until it is closed, reporting its fills, and lets it go once all are reported."""
        order, pauses = entry.order, self.PRESUMED_FAILED_WIND_DOWN_S
        give_up_at = self._monotonic() + self.PRESUMED_FAILED_WIND_DOWN_MAX_S
        for attempt in itertools.count():
            if self._monotonic() >= give_up_at:
                self.logger().warning(
                    f"Order {order.client_order_id} (failed, but found on {self.name}) was not seen closed with all "
                    f"its fills reported in {self.PRESUMED_FAILED_WIND_DOWN_MAX_S:.0f} s: no longer checked. "
                    f"Check it on {self.name} (exchange id {order.exchange_order_id}).")
                break
            await self._sleep(pauses[min(attempt, len(pauses) - 1)])
            try:
                update = await self._request_order_status(order)  # first: fills read after it include all of them
                if update.exchange_order_id and not order.exchange_order_id:
                    order.update_exchange_order_id(update.exchange_order_id)
                for trade_update in await self._all_trade_updates_for_order(order):
                    self._order_tracker.process_trade_update(trade_update)
                if update.new_state not in _CLOSED:
                    await self._request_cancel(order)
                elif not self.fills_missing(order):
                    break  # closed, every fill reported (else history lags behind: looked up again)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.logger().info(f"Order {order.client_order_id} (failed, but on {self.name}) could not be "
                                   f"checked or cancelled yet: {error}")
        self._presumed_failed.pop(order.client_order_id, None)
        self._order_tracker.unwatch_failed_order(order.client_order_id)
        if self._monotonic() < give_up_at:
            self.logger().info(f"Order {order.client_order_id}, failed but found on {self.name}, is closed there "
                               f"({order.executed_amount_base} executed, fills reported).")

    # ----- where it may show up -----

    async def _process_order_event(self, data: Dict[str, Any]):
        if self._presumed_failed:  # (almost always empty: one dict check per event)
            self._match_presumed_failed(data)
        await super()._process_order_event(data)

    def _match_presumed_failed(self, data: Dict[str, Any]):
        client_order_id = client_order_id_for(data.get("c"))
        entry = self._presumed_failed.get(client_order_id) if client_order_id is not None else None
        if entry is None or data.get("s") != entry.symbol:
            return
        exchange_order_id = None if data.get("i") is None else str(data["i"])
        if entry.order.exchange_order_id and exchange_order_id != entry.order.exchange_order_id:
            return  # another order reusing the clientId
        event_us = data.get("T") or data.get("E")  # engine / event time: the order was created at or before it
        if not entry.order.exchange_order_id and \
                not self._created_in_window(entry, None if event_us is None else seconds_from_us(event_us)):
            return  # an event outside our create's window: another order (ours is still found by the lookups)
        self._presumed_failed_seen(entry, exchange_order_id)

    async def _apply_open_orders(self, open_orders, symbol: Optional[str] = None):
        for entry in list(self._presumed_failed.values()):
            if not entry.seen and entry.symbol is not None and symbol in (None, entry.symbol):
                status = open_orders.status_of(entry.order, entry.symbol)
                if status is not None and self._created_in_window(entry, status.timestamp):
                    self._presumed_failed_seen(entry, status.exchange_order_id)
        await super()._apply_open_orders(open_orders, symbol)

    async def cancel_all(self, timeout_seconds: float) -> List[CancellationResult]:
        """The bot's orders, and (not in the results: they are failed already) those presumed never executed."""
        results, _ = await safe_gather(super().cancel_all(timeout_seconds),
                                       self._cancel_presumed_failed(timeout_seconds))
        return results

    async def _cancel_presumed_failed(self, timeout_seconds: float):
        async def cancel(entry: PresumedFailed):
            try:
                if not entry.order.exchange_order_id:  # by clientId only the order created in our window is ours
                    row = await self._request_order_row(entry.order)
                    if not self._created_in_window(entry, row.timestamp):
                        return
                    self._presumed_failed_seen(entry, row.exchange_order_id)
                if await self._request_cancel(entry.order) is not CancelAnswer.NOT_CANCELLED:
                    self._presumed_failed_seen(entry, None)  # it was there: its fills are looked up
            except asyncio.CancelledError:
                raise
            except Exception as error:  # "not found" is the expected answer
                self.logger().debug(f"Cancel of order {entry.order.client_order_id} (presumed never executed): "
                                    f"{error}")
        try:
            async with asyncio.timeout(timeout_seconds):
                await safe_gather(*[cancel(e) for e in list(self._presumed_failed.values())])
        except TimeoutError:
            self.logger().warning("Cancel-all: the cancels of orders presumed never executed did not all end in time.")

    # ----- network -----

    async def start_network(self):
        await super().start_network()
        for entry in self._presumed_failed.values():  # their tasks were stopped by stop_network
            if entry.task is None or entry.task.done():
                watch = self._wind_down_presumed_failed if entry.seen else self._watch_presumed_failed
                entry.task = safe_ensure_future(watch(entry))

    async def stop_network(self):
        for entry in self._presumed_failed.values():
            if entry.task is not None:
                entry.task.cancel()
        await super().stop_network()
