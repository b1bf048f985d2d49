"""Unit checks of the connector safeguards the scenarios rely on (each found by this suite):
stale order updates never move a state back, which errors leave an order create's outcome unknown,
and bad amounts are refused before anything is built."""
import asyncio
import unittest
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

import aiohttp

from hummingbot.connector.exchange.backpack import backpack_errors as errors
from hummingbot.connector.exchange.backpack.backpack_order_tracker import state_progress
from hummingbot.core.data_type.in_flight_order import OrderState


class StateProgressTests(unittest.TestCase):

    def test_order_states_only_move_forward(self):
        order = [OrderState.PENDING_CREATE, OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED]
        self.assertEqual([0, 1, 2, 3], [state_progress(s) for s in order])
        self.assertEqual(state_progress(OrderState.PARTIALLY_FILLED), state_progress(OrderState.PENDING_CANCEL))
        self.assertEqual({3}, {state_progress(s) for s in (OrderState.CANCELED, OrderState.FAILED,
                                                           OrderState.COMPLETED)})


class OutcomeUnknownTests(unittest.TestCase):

    def test_no_answer_or_server_error_leaves_the_outcome_unknown(self):
        unknown = [asyncio.TimeoutError(), aiohttp.ServerDisconnectedError(),
                   IOError('Error executing request POST http://x/api/v1/order. HTTP status is 503. '
                           'Error: {"code":"SERVICE_UNAVAILABLE","message":"x"}')]
        self.assertEqual([True] * 3, [errors.is_outcome_unknown(e) for e in unknown])

    def test_refusals_are_definite(self):
        refused = [IOError('Error executing request POST http://x/api/v1/order. HTTP status is 429. '
                           'Error: {"code":"TOO_MANY_REQUESTS","message":"Too many requests"}'),
                   IOError('Error executing request POST http://x/api/v1/order. HTTP status is 400. '
                           'Error: {"code":"INVALID_ORDER","message":"Invalid quantity"}'),
                   ValueError("bad input")]
        self.assertEqual([False] * 3, [errors.is_outcome_unknown(e) for e in refused])


class AmountValidationTests(IsolatedAsyncioWrapperTestCase):

    async def test_amounts_must_be_positive_finite_decimals(self):
        from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
        from hummingbot.connector.trading_rule import TradingRule
        from hummingbot.core.data_type.common import OrderType

        exchange = BackpackExchange("", "", trading_pairs=["SOL-USDC"], trading_required=False)
        exchange._trading_rules["SOL-USDC"] = TradingRule("SOL-USDC", min_order_size=Decimal("0.01"),
                                                          min_price_increment=Decimal("0.01"),
                                                          min_base_amount_increment=Decimal("0.01"))
        for amount in (Decimal("NaN"), Decimal("-1"), Decimal("0"), Decimal("Infinity")):
            with self.subTest(amount=amount):
                problem = exchange._validation_error("SOL-USDC", OrderType.LIMIT, Decimal("150"), amount)
                self.assertIn(f"Invalid amount {amount}", problem)
        self.assertIsNone(exchange._validation_error("SOL-USDC", OrderType.LIMIT, Decimal("150"), Decimal("1")))
