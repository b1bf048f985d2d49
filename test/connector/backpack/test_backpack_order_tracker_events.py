"""`BackpackOrderTracker`'s order events against Hummingbot's `ClientOrderTracker`: the same events with the same
fields in the same order, and the same INFO lines, for every way an order ends; each event is triggered before
its own INFO line, and no line is formatted while INFO is not logged."""
import asyncio
import logging
import unittest
from decimal import Decimal
from typing import Any, Callable, List, Tuple
from unittest.mock import MagicMock, patch

from hummingbot.connector.client_order_tracker import ClientOrderTracker
from hummingbot.connector.exchange.backpack.backpack_order_tracker import BackpackOrderTracker, is_done, \
    is_open_state
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot.core.data_type.trade_fee import AddedToCostTradeFee, TokenAmount

PAIR = "SOL-USDC"
FEE = AddedToCostTradeFee(flat_fees=[TokenAmount("USDC", Decimal("0.01"))])

# An order's life as the connector reports it: ("state", new state) or ("fill", amount, trade id).
CROSSING_BUY = [("state", OrderState.OPEN), ("fill", "1", 1), ("state", OrderState.FILLED)]
LIFES = {
    "crossing buy": (TradeType.BUY, CROSSING_BUY),
    "crossing sell": (TradeType.SELL, CROSSING_BUY),
    "filled in two": (TradeType.BUY, [("state", OrderState.OPEN), ("fill", "0.4", 1),
                                      ("state", OrderState.PARTIALLY_FILLED), ("fill", "0.6", 2),
                                      ("state", OrderState.FILLED)]),
    "filled before its answer": (TradeType.BUY, [("fill", "1", 1), ("state", OrderState.FILLED)]),
    "cancelled": (TradeType.BUY, [("state", OrderState.OPEN), ("state", OrderState.PENDING_CANCEL),
                                  ("state", OrderState.CANCELED)]),
    "partly filled, then cancelled": (TradeType.SELL, [("state", OrderState.OPEN), ("fill", "0.3", 1),
                                                       ("state", OrderState.PARTIALLY_FILLED),
                                                       ("state", OrderState.CANCELED)]),
    "refused": (TradeType.BUY, [("state", OrderState.FAILED)]),
}


class _Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: List[str] = []

    def emit(self, record: logging.LogRecord):
        self.lines.append(record.getMessage())


class OrderEventsTests(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.logger = ClientOrderTracker.logger()  # both trackers log through it
        self.recorder = _Recorder()
        self.logger.addHandler(self.recorder)
        self.level = self.logger.level
        self.addCleanup(self.logger.removeHandler, self.recorder)
        self.addCleanup(self.logger.setLevel, self.level)

    async def _live(self, tracker_class, trade_type: TradeType, life: List[Tuple],
                    apply: Callable[[ClientOrderTracker, OrderUpdate], Any]
                    ) -> Tuple[List[Tuple[Any, Any, int]], List[str], InFlightOrder]:
        """(events as (tag, event, INFO lines logged before it), INFO lines, the order) of one order's life."""
        self.recorder.lines.clear()
        events: List[Tuple[Any, Any, int]] = []
        connector = MagicMock()
        connector.current_timestamp = 1_700_000_000.0
        connector.trigger_event.side_effect = lambda tag, event: events.append((tag, event, len(self.recorder.lines)))
        tracker = tracker_class(connector=connector)
        order = InFlightOrder(client_order_id="42", trading_pair=PAIR, order_type=OrderType.LIMIT,
                              trade_type=trade_type, amount=Decimal("1"), creation_timestamp=1_700_000_000.0,
                              price=Decimal("150"))
        tracker.start_tracking_order(order)
        for step in life:
            if step[0] == "fill":
                amount = Decimal(step[1])
                tracker.process_trade_update(TradeUpdate(
                    trade_id=str(step[2]), client_order_id="42", exchange_order_id="9001", trading_pair=PAIR,
                    fill_timestamp=1_700_000_001.0, fill_price=Decimal("150"), fill_base_amount=amount,
                    fill_quote_amount=amount * 150, fee=FEE))
            else:
                misc = {"error_type": "InvalidOrder", "error_message": "refused"} \
                    if step[1] is OrderState.FAILED else None
                await apply(tracker, OrderUpdate(client_order_id="42", exchange_order_id="9001", trading_pair=PAIR,
                                                 update_timestamp=1_700_000_001.0, new_state=step[1],
                                                 misc_updates=misc))
            await asyncio.sleep(0)  # a FILLED update waiting for its fills runs in a task
        return events, list(self.recorder.lines), order

    @staticmethod
    async def _hummingbots(tracker: ClientOrderTracker, update: OrderUpdate):
        await tracker._process_order_update(update)

    @staticmethod
    async def _ours(tracker: BackpackOrderTracker, update: OrderUpdate):
        await tracker.apply_order_update(update)

    async def test_same_events_and_lines_as_hummingbot_for_every_way_an_order_ends(self):
        self.logger.setLevel(logging.INFO)
        for name, (trade_type, life) in LIFES.items():
            with self.subTest(name):
                theirs, their_lines, their_order = await self._live(ClientOrderTracker, trade_type, life,
                                                                    self._hummingbots)
                ours, our_lines, our_order = await self._live(BackpackOrderTracker, trade_type, life, self._ours)
                self.assertEqual([(tag, event) for tag, event, _ in theirs], [(tag, event) for tag, event, _ in ours])
                self.assertGreaterEqual(len(ours), 2 if name != "refused" else 1)
                self.assertEqual(sorted(their_lines), sorted(our_lines))
                self.assertEqual(their_order.current_state, our_order.current_state)
                self.assertEqual(their_order.executed_amount_base, our_order.executed_amount_base)

    async def test_each_event_comes_before_its_info_line(self):
        """Hummingbot logs, then triggers: with INFO logged (its default), a strategy gets the event only after
        the line went through every handler. Ours triggers first: no line is written before the event."""
        self.logger.setLevel(logging.INFO)
        events, lines, _ = await self._live(BackpackOrderTracker, TradeType.BUY, CROSSING_BUY, self._ours)
        self.assertEqual(3, len(lines))  # created, filled, completely filled
        self.assertEqual([0, 1, 2], [logged_before for _, _, logged_before in events])
        self.assertIn("has been filled at 150 USDC", lines[1])

    async def test_no_line_is_formatted_while_info_is_not_logged(self):
        self.logger.setLevel(logging.WARNING)
        with patch.object(InFlightOrder, "build_order_created_message",
                          side_effect=AssertionError("formatted a line nobody logs")):
            events, lines, order = await self._live(BackpackOrderTracker, TradeType.BUY, CROSSING_BUY, self._ours)
        self.assertEqual([], lines)
        self.assertEqual(3, len(events))
        self.assertEqual(OrderState.FILLED, order.current_state)


class StateChecksTests(unittest.TestCase):
    def test_same_answers_as_in_flight_order(self):
        for state in OrderState:
            for executed in (Decimal("0"), Decimal("0.5"), Decimal("1")):
                order = InFlightOrder(client_order_id="1", trading_pair=PAIR, order_type=OrderType.LIMIT,
                                      trade_type=TradeType.BUY, amount=Decimal("1"), creation_timestamp=1,
                                      price=Decimal("10"), initial_state=state)
                order.executed_amount_base = executed
                with self.subTest(state=state, executed=executed):
                    self.assertEqual(order.is_open, is_open_state(state))
                    self.assertEqual(order.is_done, is_done(order))


class LostOrderTests(unittest.IsolatedAsyncioTestCase):
    async def test_an_untracked_update_still_takes_hummingbots_path(self):
        """An order not tracked (or lost) is handled by Hummingbot's `_process_order_update`, as before."""
        tracker = BackpackOrderTracker(connector=MagicMock())
        lost = InFlightOrder(client_order_id="7", trading_pair=PAIR, order_type=OrderType.LIMIT,
                             trade_type=TradeType.BUY, amount=Decimal("1"), creation_timestamp=1,
                             price=Decimal("10"), initial_state=OrderState.FAILED)
        tracker._lost_orders["7"] = lost
        await tracker.apply_order_update(OrderUpdate(client_order_id="7", trading_pair=PAIR, update_timestamp=2,
                                                     new_state=OrderState.CANCELED))
        self.assertNotIn("7", tracker._lost_orders)  # reached a final state: no longer lost
        tracker._connector.trigger_event.assert_not_called()
