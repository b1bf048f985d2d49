"""Positions of `backpack_perpetual`: the `account.positionUpdate` stream and REST `/api/v1/position` snapshots.

The snapshot is read by Hummingbot's status poll (every 120 s while the private stream is live, 5 s otherwise).
It shows the account when the exchange answered, which can be older than stream updates that arrived while it
was on its way: a slow answer would delete a position the stream just opened (or bring back one it closed)
until the next poll. So a snapshot never changes a pair whose position the stream updated after the snapshot
was asked for: for that pair the stream is newer. Every other pair is set from the snapshot, and removed when
the snapshot has no position for it.
"""
from decimal import Decimal
from typing import Any, Dict, Optional

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_messages import PositionRecord
from hummingbot.connector.derivative.position import Position
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_errors as errors
from hummingbot.core.data_type.common import PositionSide


class StreamPositionMarks:
    """Which pairs' positions the stream updated after a given moment (a count, not a clock: no two updates tie)."""

    def __init__(self):
        self._count = 0
        self._last: Dict[str, int] = {}

    def now(self) -> int:
        return self._count

    def updated(self, trading_pair: str):
        self._count += 1
        self._last[trading_pair] = self._count

    def updated_since(self, trading_pair: str, mark: int) -> bool:
        return self._last.get(trading_pair, 0) > mark


class BackpackPerpetualPositions:
    """Mixin of `BackpackPerpetualDerivative` (before Hummingbot's perpetual base, whose hooks it implements)."""
    _stream_position_marks: Optional[StreamPositionMarks] = None

    @property
    def _position_marks(self) -> StreamPositionMarks:
        if self._stream_position_marks is None:
            self._stream_position_marks = StreamPositionMarks()
        return self._stream_position_marks

    async def _update_positions(self):
        asked = self._position_marks.now()
        try:
            rows = await self._api_get(path_url=CONSTANTS.POSITION_PATH_URL, is_auth_required=True)
        except IOError as error:
            if not errors.is_not_found(error):
                raise
            rows = []  # "Position not found": no open position
        marks = self._position_marks
        open_pairs = set()
        for row in rows if isinstance(rows, list) else []:
            record = PositionRecord.from_rest(row)
            trading_pair = await self._pair_for_symbol(record.symbol)
            if trading_pair is not None:
                open_pairs.add(trading_pair)
                if not marks.updated_since(trading_pair, asked):
                    self._apply_position(trading_pair, record)
        for key, position in list(self.account_positions.items()):
            pair = position.trading_pair
            if pair not in open_pairs and not marks.updated_since(pair, asked):
                self._perpetual_trading.remove_position(key)

    def _apply_position(self, trading_pair: str, record: PositionRecord):
        key = self._perpetual_trading.position_key(trading_pair)
        if record.is_closed:
            self._perpetual_trading.remove_position(key)
            return
        self._perpetual_trading.set_position(key, Position(
            trading_pair=trading_pair,
            position_side=PositionSide.LONG if record.amount > 0 else PositionSide.SHORT,
            unrealized_pnl=record.unrealized_pnl,
            entry_price=record.entry_price,
            amount=record.amount,
            leverage=Decimal(self.get_leverage(trading_pair))))

    async def _process_private_event(self, stream: str, data: Dict[str, Any]):
        if stream.startswith(CONSTANTS.POSITION_UPDATE_STREAM):
            record = PositionRecord.from_ws(data)
            trading_pair = await self._pair_for_symbol(record.symbol)
            if trading_pair is not None:
                self._position_marks.updated(trading_pair)
                self._apply_position(trading_pair, record)
