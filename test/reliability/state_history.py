"""Records every state an order takes in the connector, to prove states never go backwards."""
from collections import defaultdict
from typing import Dict, List
from unittest.mock import patch

from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState

RANK = {OrderState.PENDING_CREATE: 0, OrderState.OPEN: 1, OrderState.PARTIALLY_FILLED: 2,
        OrderState.PENDING_CANCEL: 3, OrderState.CANCELED: 4, OrderState.FILLED: 4, OrderState.FAILED: 4,
        OrderState.COMPLETED: 4}


class StateHistory:
    def __init__(self):
        self.states: Dict[str, List[OrderState]] = defaultdict(list)
        original = InFlightOrder.update_with_order_update
        history = self

        def recording(order: InFlightOrder, order_update) -> bool:
            updated = original(order, order_update)
            history.states[order.client_order_id].append(order.current_state)
            return updated

        self._patch = patch.object(InFlightOrder, "update_with_order_update", recording)

    def __enter__(self) -> "StateHistory":
        self._patch.start()
        return self

    def __exit__(self, *exc_info):
        self._patch.stop()

    def backwards(self) -> Dict[str, List[str]]:
        """Orders whose state went from a later to an earlier one, with their state sequence."""
        return {order_id: [s.name for s in states] for order_id, states in self.states.items()
                if any(RANK[b] < RANK[a] for a, b in zip(states, states[1:]))}
