"""Public Backpack market data: REST depth snapshots + `depth.<symbol>` / `trade.<symbol>` streams.

One WS connection carries every pair; all streams go in ONE SUBSCRIBE message. Book consistency:
- each pair keeps the last applied update id; a diff applies only when `U <= last + 1 <= u`
  (normally `U == last + 1`), diffs already covered by the snapshot (`u <= last`) are dropped;
- on a gap (`U > last + 1`) no diff is applied: a fresh REST snapshot is taken and sent to the tracker
  first (never a silently stale book);
- every (re)connect clears that state and takes a fresh snapshot of each pair right after subscribing
  (updates may have been missed while disconnected, and a quiet market would send no diff to notice);
- `subscribe_to_trading_pair` / `unsubscribe_from_trading_pair` change pairs at runtime, using the
  exchange symbol.
Subclasses (perp) may add streams with `_extra_streams(symbol)` and route them by overriding
`_channel_originating_message`.
"""
import asyncio
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_api_user_stream_data_source import describe_ws_error
from hummingbot.connector.exchange.backpack.backpack_order_book import BackpackOrderBook
from hummingbot.core.data_type.order_book_message import OrderBookMessage
from hummingbot.core.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot.core.web_assistant.connections.data_types import WSJSONRequest
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory
from hummingbot.core.web_assistant.ws_assistant import WSAssistant

if TYPE_CHECKING:
    from hummingbot.connector.exchange_py_base import ExchangePyBase

DEPTH_SNAPSHOT_LIMIT = 1000


class BackpackAPIOrderBookDataSource(OrderBookTrackerDataSource):

    def __init__(self, trading_pairs: List[str], connector: "ExchangePyBase", api_factory: WebAssistantsFactory,
                 ws_url: str):
        super().__init__(trading_pairs)
        self._connector = connector
        self._api_factory = api_factory
        self._ws_url = ws_url
        self._ws_assistant: Optional[WSAssistant] = None
        self._last_update_id: Dict[str, Optional[int]] = {}
        self._resync_locks: Dict[str, asyncio.Lock] = {}
        self._pairs_by_symbol: Dict[str, str] = {}
        self._trade_messages_queue_key = CONSTANTS.TRADE_EVENT_TYPE
        self._diff_messages_queue_key = CONSTANTS.DEPTH_EVENT_TYPE

    async def get_last_traded_prices(self, trading_pairs: List[str], domain: Optional[str] = None) -> Dict[str, float]:
        return await self._connector.get_last_traded_prices(trading_pairs=trading_pairs)

    # ----- snapshots -----

    async def _request_order_book_snapshot(self, trading_pair: str) -> Dict[str, Any]:
        symbol = await self._connector.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        return await self._connector._api_get(path_url=CONSTANTS.DEPTH_PATH_URL,
                                              params={"symbol": symbol, "limit": DEPTH_SNAPSHOT_LIMIT})

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        snapshot = await self._request_order_book_snapshot(trading_pair)
        return BackpackOrderBook.snapshot_message_from_exchange(
            snapshot, time.time(), metadata={"trading_pair": trading_pair})

    async def _resync(self, trading_pair: str, force: bool = True):
        """Takes a fresh snapshot, hands it to the tracker and restarts the sequence from it.

        One resync per pair at a time; with `force=False` nothing is done when a concurrent resync
        already rebuilt the book (the reconnect and the first diff may both ask for one).
        """
        async with self._resync_locks.setdefault(trading_pair, asyncio.Lock()):
            if not force and self._last_update_id.get(trading_pair) is not None:
                return
            snapshot = await self._order_book_snapshot(trading_pair)
            self._last_update_id[trading_pair] = snapshot.update_id
            self._message_queue[self._snapshot_messages_queue_key].put_nowait(snapshot)

    async def _parse_order_book_snapshot_message(self, raw_message: OrderBookMessage, message_queue: asyncio.Queue):
        message_queue.put_nowait(raw_message)

    # ----- websocket -----

    def _extra_streams(self, symbol: str) -> List[str]:
        return []

    async def _streams_for(self, trading_pair: str) -> List[str]:
        symbol = await self._connector.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        return ([CONSTANTS.DEPTH_STREAM_PREFIX + symbol, CONSTANTS.TRADE_STREAM_PREFIX + symbol]
                + self._extra_streams(symbol))

    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws: WSAssistant = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=self._ws_url, ping_timeout=CONSTANTS.WS_HEARTBEAT_TIME_INTERVAL)
        self._ws_assistant = ws
        return ws

    async def _subscribe_channels(self, ws: WSAssistant):
        try:
            # A new connection may have missed diffs: every book is rebuilt from a fresh snapshot.
            self._last_update_id = {pair: None for pair in self._trading_pairs}
            streams: List[str] = []
            for trading_pair in self._trading_pairs:
                streams += await self._streams_for(trading_pair)
            if streams:
                await ws.send(WSJSONRequest(payload={"method": "SUBSCRIBE", "params": streams}))
            self.logger().info("Subscribed to public order book and trade channels...")
            # Updates may have happened while disconnected and the market may now be quiet: rebuild now.
            for trading_pair in list(self._trading_pairs):
                await self._resync_after_connect(trading_pair)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().error("Unexpected error occurred subscribing to order book trading and delta streams...",
                                exc_info=True)
            raise

    async def _resync_after_connect(self, trading_pair: str):
        try:
            await self._resync(trading_pair, force=False)
        except asyncio.CancelledError:
            raise
        except Exception:  # the first diff of the pair will try again
            self.logger().warning(f"Could not rebuild the {trading_pair} order book after connecting; "
                                  f"retrying on its next update.", exc_info=True)

    async def _on_order_stream_interruption(self, websocket_assistant: Optional[WSAssistant] = None):
        self._ws_assistant = None
        self._last_update_id = {pair: None for pair in self._trading_pairs}
        await super()._on_order_stream_interruption(websocket_assistant=websocket_assistant)

    def _channel_originating_message(self, event_message: Dict[str, Any]) -> str:
        stream = event_message.get("stream", "") if isinstance(event_message, dict) else ""
        if stream.startswith(CONSTANTS.DEPTH_STREAM_PREFIX):
            return self._diff_messages_queue_key
        if stream.startswith(CONSTANTS.TRADE_STREAM_PREFIX):
            return self._trade_messages_queue_key
        return ""

    async def _process_message_for_unknown_channel(self, event_message: Dict[str, Any],
                                                   websocket_assistant: WSAssistant):
        error = describe_ws_error(event_message)
        if error is not None:
            self.logger().error(f"Backpack rejected a public stream subscription: {error}")

    # ----- diffs and trades -----

    async def _trading_pair_for(self, symbol: str) -> str:
        """Memoised: the connector's lookup is a chain of coroutines and this runs for every diff and trade."""
        trading_pair = self._pairs_by_symbol.get(symbol)
        if trading_pair is None:
            trading_pair = await self._connector.trading_pair_associated_to_exchange_symbol(symbol=symbol)
            self._pairs_by_symbol[symbol] = trading_pair
        return trading_pair

    async def _parse_order_book_diff_message(self, raw_message: Dict[str, Any], message_queue: asyncio.Queue):
        data = raw_message["data"]
        trading_pair = await self._trading_pair_for(data["s"])
        if trading_pair not in self._trading_pairs:
            return
        first_id, last_id = int(data["U"]), int(data["u"])
        if self._last_update_id.get(trading_pair) is None:
            await self._resync(trading_pair, force=False)
        expected = self._last_update_id[trading_pair] + 1
        if last_id < expected:
            return  # already contained in the snapshot
        if first_id > expected:
            self.logger().warning(f"Order book gap for {trading_pair}: expected update {expected}, got {first_id}. "
                                  f"Rebuilding the book from a fresh snapshot.")
            await self._resync(trading_pair)
            expected = self._last_update_id[trading_pair] + 1
            if last_id < expected:
                return
            if first_id > expected:
                self._last_update_id[trading_pair] = None  # snapshot older than the stream: retry on next diff
                return
        self._last_update_id[trading_pair] = last_id
        message_queue.put_nowait(BackpackOrderBook.diff_message_from_exchange(
            data, metadata={"trading_pair": trading_pair}))

    async def _parse_trade_message(self, raw_message: Dict[str, Any], message_queue: asyncio.Queue):
        data = raw_message["data"]
        trading_pair = await self._trading_pair_for(data["s"])
        message_queue.put_nowait(BackpackOrderBook.trade_message_from_exchange(
            data, metadata={"trading_pair": trading_pair}))

    # ----- dynamic pairs -----

    async def _send_to_live_connection(self, method: str, trading_pair: str) -> bool:
        if self._ws_assistant is None:
            return False
        try:
            streams = await self._streams_for(trading_pair)
            await self._ws_assistant.send(WSJSONRequest(payload={"method": method, "params": streams}))
            return True
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().error(f"Unexpected error sending {method} for {trading_pair} streams", exc_info=True)
            return False

    async def subscribe_to_trading_pair(self, trading_pair: str) -> bool:
        """Adds a pair at runtime; its book starts from a fresh snapshot. False when not connected yet
        (the pair is then subscribed on connect)."""
        if trading_pair not in self._trading_pairs:
            self._trading_pairs.append(trading_pair)
        self._last_update_id[trading_pair] = None
        return await self._send_to_live_connection("SUBSCRIBE", trading_pair)

    async def unsubscribe_from_trading_pair(self, trading_pair: str) -> bool:
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)
        self._last_update_id.pop(trading_pair, None)
        return await self._send_to_live_connection("UNSUBSCRIBE", trading_pair)
