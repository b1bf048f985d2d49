"""Orders whose create got no clear answer (timeout, dropped connection, 5xx), shared by spot and perp.

Such an order may still execute: the exchange may have taken the create, or may take it a moment later (its
matching engine consumes one command stream; `TIMEOUT` is one of its error codes). It is therefore never
failed on a guess. It stays tracked as PENDING_CREATE (Hummingbot's budget keeps its funds reserved, strategies
see it as not yet created), `orders_with_unknown_outcome` lists it, a warning says so, and it is reconciled
from the order stream or REST (open order, order history, fills) whenever it shows up.

It is failed only once it is presumed never executed: the exchange refuses a signed request arriving after
X-Timestamp + X-Window (server time). The create was signed at the latest when its attempt ended, so once the
exchange's own clock (`/api/v1/time`) is past that moment + window (+ a margin for the exchange's servers), a
lookup that then finds the order neither open nor in order or fill history presumes it never executed. No proof:
Backpack does not document that its engine refuses a command it gets to late, so the failed order stays
matchable, its fills reported and it cancelled if it shows up (backpack_presumed_failed). Until then a resolver
task re-checks with growing pauses, and the status polls never count "not found" towards Hummingbot's lost-order
limit for it. A cancel asked for meanwhile is sent (by clientId) and, when the order shows up later, sent again.
"""
import asyncio
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_order_cancellation import CancelAnswer
from hummingbot.connector.exchange.backpack.backpack_order_status import BackpackOrderNotFound
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState
from hummingbot.core.utils.async_utils import safe_ensure_future


class BackpackOrderOutcomeUnknown(IOError):
    """A create without a clear answer whose order is not (yet) on the exchange."""

    def __init__(self, client_order_id: str, error: Exception, expires_server_ms: float):
        super().__init__(f"No clear answer to the creation of order {client_order_id} ({error!r})")
        self.error = error
        self.expires_server_ms = expires_server_ms


@dataclass
class UnknownOutcome:
    client_order_id: str
    # The exchange refuses the signed create after this server time (upper bound). None for an order restored
    # from saved state: the first check's server time + the window then (it was signed before this process).
    expires_server_ms: Optional[float]
    reason: str
    cancel_requested: bool = False
    task: Optional[asyncio.Task] = field(default=None, repr=False)


class BackpackUnknownOutcomeMixin:
    # Pauses between checks of an order of unknown outcome (the last one repeats until it is resolved).
    UNKNOWN_OUTCOME_RECHECK_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
    # The exchange's servers may differ a little in time: the window is taken as ended this much later.
    WINDOW_END_MARGIN_MS = 1000

    @property
    def orders_with_unknown_outcome(self) -> Dict[str, UnknownOutcome]:
        """Client order id -> why its outcome is unknown (tracked as PENDING_CREATE until it is known)."""
        active = self._order_tracker.active_orders
        return {client_order_id: entry for client_order_id, entry in self._unknown_outcomes.items()
                if client_order_id in active and active[client_order_id].current_state == OrderState.PENDING_CREATE}

    def _signed_request_expiry_ms(self) -> float:
        """Server time after which a request signed until now is refused: now + the signature window."""
        window_ms = getattr(self._auth, "window_ms", None) or CONSTANTS.DEFAULT_WINDOW_MS
        return self._time_synchronizer.time() * 1e3 + window_ms

    async def _place_order_and_process_update(self, order: InFlightOrder, **kwargs) -> Optional[str]:
        try:
            return await super()._place_order_and_process_update(order, **kwargs)
        except BackpackOrderOutcomeUnknown as unknown:
            self._keep_order_of_unknown_outcome(order, unknown)
            return None

    def _keep_order_of_unknown_outcome(self, order: InFlightOrder, unknown: BackpackOrderOutcomeUnknown):
        self._track_unknown_outcome(order, UnknownOutcome(order.client_order_id, unknown.expires_server_ms,
                                                          repr(unknown.error)),
                                    f"its create got no clear answer ({unknown.error!r}) and {self.name} does not "
                                    f"show it yet")

    def restore_tracking_states(self, saved_states: Dict[str, Any]):
        """An order saved while pending creation (the process stopped or crashed during its create) has an
        unknown outcome too: the create may have reached the exchange. Without this, Hummingbot's polls would
        fail it as lost after a few "not found" answers, with no proof that it never executed."""
        super().restore_tracking_states(saved_states)
        for order in list(self._order_tracker.active_orders.values()):
            if order.current_state == OrderState.PENDING_CREATE and not order.exchange_order_id and \
                    order.client_order_id not in self._unknown_outcomes:
                self._track_unknown_outcome(order, UnknownOutcome(order.client_order_id, None,
                                                                  "restored from saved state while pending creation"),
                                            "it was saved while its create was pending")

    def _track_unknown_outcome(self, order: InFlightOrder, entry: UnknownOutcome, why: str):
        self._unknown_outcomes[order.client_order_id] = entry
        expiry = "" if entry.expires_server_ms is None else f" (server time {int(entry.expires_server_ms)} ms)"
        self.logger().warning(
            f"The outcome of order {order.client_order_id} ({order.trade_type.name} {order.amount} "
            f"{order.trading_pair} at {order.price}) is UNKNOWN: {why}. It stays tracked as pending creation; it is "
            f"failed only if it is still nowhere once its signed request has expired{expiry}.")
        if self._loop_running():
            entry.task = safe_ensure_future(self._resolve_unknown_outcome(order, entry))
        # else start_network starts its resolver (Hummingbot restores saved orders before it starts the network)

    @staticmethod
    def _loop_running() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    async def _resolve_unknown_outcome(self, order: InFlightOrder, entry: UnknownOutcome):
        pauses = self.UNKNOWN_OUTCOME_RECHECK_S
        attempt = 0
        while not self._outcome_known(order, entry):
            await self._sleep(pauses[min(attempt, len(pauses) - 1)])
            attempt += 1
            if self._outcome_known(order, entry):
                return
            try:
                await self._check_unknown_outcome(order, entry)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.logger().info(f"Order {order.client_order_id} (outcome unknown) could not be checked: {error}. "
                                   f"Trying again.")

    async def _check_unknown_outcome(self, order: InFlightOrder, entry: UnknownOutcome):
        # The window must have ended BEFORE the lookup: a lookup started earlier proves nothing.
        server_ms = await web_utils.get_current_server_time(throttler=self._throttler, base_url=self._rest_base_url)
        if entry.expires_server_ms is None:  # restored: signed before this process started, so before now
            entry.expires_server_ms = server_ms + (getattr(self._auth, "window_ms", None) or CONSTANTS.DEFAULT_WINDOW_MS)
        window_ended = server_ms > entry.expires_server_ms + self.WINDOW_END_MARGIN_MS
        try:
            update = await self._request_order_status(order)
        except BackpackOrderNotFound as not_found:
            if window_ended:
                await self._fail_never_executed(order, entry, not_found)
            return
        for trade_update in await self._all_trade_updates_for_order(order):
            self._order_tracker.process_trade_update(trade_update)
        self._order_tracker.process_order_update(update)

    def _outcome_known(self, order: InFlightOrder, entry: UnknownOutcome) -> bool:
        """True (and the order forgotten here) once the order left PENDING_CREATE or is no longer tracked."""
        if self._unknown_outcomes.get(order.client_order_id) is not entry:
            return True
        if order.client_order_id in self._order_tracker.active_orders and \
                order.current_state == OrderState.PENDING_CREATE:
            return False
        del self._unknown_outcomes[order.client_order_id]
        self.logger().info(f"Order {order.client_order_id}, whose create got no clear answer, is on {self.name}: "
                           f"{order.current_state.name} (exchange id {order.exchange_order_id}).")
        if entry.cancel_requested and not order.is_done:
            self.logger().info(f"Cancelling order {order.client_order_id} as asked while its outcome was unknown.")
            safe_ensure_future(self._execute_cancel(order.trading_pair, order.client_order_id))
        return True

    async def _fail_never_executed(self, order: InFlightOrder, entry: UnknownOutcome, not_found: Exception):
        del self._unknown_outcomes[order.client_order_id]
        await self._presume_never_executed(order, (
            f"Order {order.client_order_id} presumed never executed on {self.name}: its create got no clear answer "
            f"({entry.reason}); the exchange refuses that signed request arriving after server time "
            f"{int(entry.expires_server_ms)} ms, which has passed, and the order is neither open nor in order or "
            f"fill history ({not_found}). Should it show up, its fills are reported and it is cancelled."),
            entry.expires_server_ms)

    def _outcome_unknown(self, order: InFlightOrder) -> bool:
        return order.client_order_id in self._unknown_outcomes and order.current_state == OrderState.PENDING_CREATE

    async def _execute_order_cancel(self, order: InFlightOrder) -> Optional[str]:
        """A cancel of an order of unknown outcome is sent by clientId; "not found" is no proof of anything
        (the order may appear later, and is then cancelled), so it never counts towards giving it up as lost.
        Nor is a 202 "accepted, not yet executed": the order stays of unknown outcome (not PENDING_CANCEL, which
        would end that and let the polls give it up as lost) and is cancelled again when it shows up."""
        entry = self._unknown_outcomes.get(order.client_order_id)
        if entry is None or not self._outcome_unknown(order):
            return await super()._execute_order_cancel(order)
        entry.cancel_requested = True
        try:
            if await self._request_cancel(order) is CancelAnswer.CANCELLED:
                self._set_order_state(order, OrderState.CANCELED)
                return order.client_order_id
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.logger().warning(f"Order {order.client_order_id} (outcome unknown) could not be cancelled yet "
                                  f"({error}); it will be cancelled if {self.name} shows it.")
        return None

    async def start_network(self):
        await super().start_network()
        for client_order_id, entry in self._unknown_outcomes.items():  # resolvers stopped by stop_network
            order = self._order_tracker.active_orders.get(client_order_id)
            if order is not None and (entry.task is None or entry.task.done()):
                entry.task = safe_ensure_future(self._resolve_unknown_outcome(order, entry))

    async def stop_network(self):
        for entry in self._unknown_outcomes.values():
            if entry.task is not None:
                entry.task.cancel()
        await super().stop_network()
