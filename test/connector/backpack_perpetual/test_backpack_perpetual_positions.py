"""Positions: REST `/api/v1/position`, the `account.positionUpdate` stream (incl. the initial frame without
`e`), removal of closed positions, sign / entry price / unrealized PnL."""
import asyncio
import json
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

from aioresponses import CallbackResult, aioresponses

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.core.data_type.common import PositionSide
from test.connector.backpack.helpers import url_regex
from test.connector.backpack_perpetual.helpers import (
    OTHER_PAIR,
    OTHER_SYMBOL,
    PAIR,
    SYMBOL,
    make_derivative,
    position_frame,
    position_row,
)

POSITION_URL = url_regex(web_utils.rest_url(CONSTANTS.POSITION_PATH_URL))


class PositionCase(IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.derivative = make_derivative()
        self.derivative._perpetual_trading.set_leverage(PAIR, 5)
        self.mock_api = aioresponses()
        self.mock_api.start()

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()

    async def stream(self, *frames):
        for frame in frames:
            await self.derivative._process_private_event(frame["stream"], frame["data"])


class PositionTests(PositionCase):

    async def test_rest_positions_long_and_short_with_entry_pnl_and_leverage(self):
        self.mock_api.get(POSITION_URL, body=json.dumps([
            position_row(SYMBOL, "2.5", "180.25", "-1.5"), position_row(OTHER_SYMBOL, "-0.01", "95000", "12.3")]))
        await self.derivative._update_positions()
        long, short = self.derivative.account_positions[PAIR], self.derivative.account_positions[OTHER_PAIR]
        self.assertEqual((PositionSide.LONG, Decimal("2.5"), Decimal("180.25"), Decimal("-1.5"), Decimal("5")),
                         (long.position_side, long.amount, long.entry_price, long.unrealized_pnl, long.leverage))
        self.assertEqual((PositionSide.SHORT, Decimal("-0.01"), Decimal("95000"), Decimal("12.3")),
                         (short.position_side, short.amount, short.entry_price, short.unrealized_pnl))
        request = next(iter(self.mock_api.requests.values()))[0]
        self.assertIn("X-Signature", request.kwargs["headers"])

    async def test_position_closed_on_the_exchange_disappears_on_next_poll(self):
        self.mock_api.get(POSITION_URL, body=json.dumps([position_row(SYMBOL, "1", "180", "0")]))
        self.mock_api.get(POSITION_URL, body=json.dumps([]))
        await self.derivative._update_positions()
        self.assertIn(PAIR, self.derivative.account_positions)
        await self.derivative._update_positions()
        self.assertEqual({}, self.derivative.account_positions)

    async def test_not_found_answer_means_no_position(self):
        await self.stream(position_frame(SYMBOL, "1", "180", "0", event=None))
        self.mock_api.get(POSITION_URL, status=404,
                          body=json.dumps({"code": "RESOURCE_NOT_FOUND", "message": "Position not found"}))
        await self.derivative._update_positions()
        self.assertEqual({}, self.derivative.account_positions)

    async def test_positions_of_markets_not_traded_here_are_ignored(self):
        self.mock_api.get(POSITION_URL, body=json.dumps([position_row("ETH_USDC_PERP", "3", "4000", "1")]))
        await self.derivative._update_positions()
        self.assertEqual({}, self.derivative.account_positions)

    async def test_initial_frame_without_event_opens_position(self):
        await self.stream(position_frame(SYMBOL, "-0.01", "126.97", "0.0009", event=None))
        position = self.derivative.account_positions[PAIR]
        self.assertEqual((PositionSide.SHORT, Decimal("-0.01"), Decimal("126.97"), Decimal("0.0009")),
                         (position.position_side, position.amount, position.entry_price, position.unrealized_pnl))

    async def test_adjusted_then_closed_frames(self):
        await self.stream(position_frame(SYMBOL, "1", "180", "0", event="positionOpened"),
                          position_frame(SYMBOL, "3", "181", "2.5", event="positionAdjusted"))
        position = self.derivative.account_positions[PAIR]
        self.assertEqual((Decimal("3"), Decimal("181"), Decimal("2.5")),
                         (position.amount, position.entry_price, position.unrealized_pnl))
        await self.stream(position_frame(SYMBOL, "0", "0", "0", event="positionClosed"))
        self.assertNotIn(PAIR, self.derivative.account_positions)

    async def test_order_stream_is_still_handled_by_the_shared_listener(self):
        self.assertEqual(("account.orderUpdate", "account.positionUpdate"),
                         tuple(self.derivative._create_user_stream_data_source()._streams))


class SlowSnapshotTests(PositionCase):
    """Issue 22 item 6: a `/position` answer that arrives after stream updates never undoes them (the next poll
    is 120 s away while the private stream is live)."""

    async def slow_snapshot(self, rows):
        """Starts a status-poll position update whose answer (`rows`) waits until the returned event is set."""
        answer = asyncio.Event()

        async def late(url, **kwargs):
            await answer.wait()
            return CallbackResult(body=json.dumps(rows))
        self.mock_api.get(POSITION_URL, callback=late)
        update = asyncio.ensure_future(self.derivative._update_positions())
        await asyncio.sleep(0.05)  # the request is on its way
        return answer, update

    async def test_position_opened_by_the_stream_meanwhile_is_kept(self):
        answer, update = await self.slow_snapshot([])
        await self.stream(position_frame(SYMBOL, "2", "180", "0"))
        answer.set()
        await update
        self.assertEqual(Decimal("2"), self.derivative.account_positions[PAIR].amount)

    async def test_position_closed_by_the_stream_meanwhile_stays_closed(self):
        await self.stream(position_frame(SYMBOL, "1", "180", "0"))
        answer, update = await self.slow_snapshot([position_row(SYMBOL, "1", "180", "0")])
        await self.stream(position_frame(SYMBOL, "0", "0", "0", event="positionClosed"))
        answer.set()
        await update
        self.assertEqual({}, self.derivative.account_positions)

    async def test_other_pairs_still_follow_the_snapshot(self):
        await self.stream(position_frame(OTHER_SYMBOL, "0.5", "95000", "0"))
        answer, update = await self.slow_snapshot([position_row(SYMBOL, "3", "181", "0.5")])
        await self.stream(position_frame(SYMBOL, "2", "180", "0"))  # newer than the snapshot for SOL
        answer.set()
        await update
        self.assertEqual({PAIR: Decimal("2")}, {p.trading_pair: p.amount
                                                for p in self.derivative.account_positions.values()})
        # the next snapshot, asked for after the stream update, is applied as usual
        self.mock_api.get(POSITION_URL, body=json.dumps([position_row(SYMBOL, "3", "181", "0.5")]))
        await self.derivative._update_positions()
        self.assertEqual(Decimal("3"), self.derivative.account_positions[PAIR].amount)
