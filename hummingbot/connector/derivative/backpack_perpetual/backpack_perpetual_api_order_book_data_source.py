"""Public market data of `backpack_perpetual`: the spot data source plus funding information.

Books and trades work exactly as in spot (gap-checked depth, trade stream); this adds the
`markPrice.<symbol>` stream (routed to the funding-info queue) and `get_funding_info` from REST
`/api/v1/markPrices` (`get_all_funding_info`: every pair in one request, for the start). Symbols are
mapped by the connector (SOL_USDC_PERP <-> SOL-USDC).
"""
import asyncio
from typing import Any, Dict, List

from hummingbot.connector.derivative.backpack_perpetual import backpack_perpetual_constants as PERP_CONSTANTS
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_messages import (
    funding_info_from_rest,
    funding_update_from_ws,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_api_order_book_data_source import BackpackAPIOrderBookDataSource
from hummingbot.core.data_type.funding_info import FundingInfo
from hummingbot.core.data_type.perpetual_api_order_book_data_source import PerpetualAPIOrderBookDataSource


class BackpackPerpetualAPIOrderBookDataSource(BackpackAPIOrderBookDataSource, PerpetualAPIOrderBookDataSource):

    def _extra_streams(self, symbol: str) -> List[str]:
        return [PERP_CONSTANTS.MARK_PRICE_STREAM_PREFIX + symbol]

    def _channel_originating_message(self, event_message: Dict[str, Any]) -> str:
        stream = event_message.get("stream", "") if isinstance(event_message, dict) else ""
        if stream.startswith(PERP_CONSTANTS.MARK_PRICE_STREAM_PREFIX):
            return self._funding_info_messages_queue_key
        return super()._channel_originating_message(event_message)

    async def get_funding_info(self, trading_pair: str) -> FundingInfo:
        symbol = await self._connector.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        rows = await self._connector._api_get(path_url=CONSTANTS.MARK_PRICES_PATH_URL, params={"symbol": symbol})
        rows = rows if isinstance(rows, list) else [rows]
        row = next((r for r in rows if isinstance(r, dict) and r.get("symbol") == symbol), None)
        if row is None:
            raise IOError(f"Backpack returned no mark price for {symbol}.")
        return funding_info_from_rest(row, trading_pair)

    async def get_all_funding_info(self) -> Dict[str, FundingInfo]:
        """The funding info of every tracked pair from ONE `GET /api/v1/markPrices` (no symbol: all perps);
        a pair the answer lacks is left out."""
        rows = await self._connector._api_get(path_url=CONSTANTS.MARK_PRICES_PATH_URL)
        symbol_map = await self._connector.trading_pair_symbol_map()
        infos: Dict[str, FundingInfo] = {}
        for row in rows if isinstance(rows, list) else []:
            trading_pair = symbol_map.get(row.get("symbol")) if isinstance(row, dict) else None
            if trading_pair in self._trading_pairs:
                infos[trading_pair] = funding_info_from_rest(row, trading_pair)
        return infos

    async def _parse_funding_info_message(self, raw_message: Dict[str, Any], message_queue: asyncio.Queue):
        data = raw_message["data"]
        trading_pair = await self._connector.trading_pair_associated_to_exchange_symbol(symbol=data["s"])
        if trading_pair in self._trading_pairs:
            message_queue.put_nowait(funding_update_from_ws(data, trading_pair))
