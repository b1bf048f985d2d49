"""Public Backpack market data: REST depth snapshots + `depth.<symbol>` / `trade.<symbol>` streams.

One WS connection carries every pair; all streams go in ONE SUBSCRIBE message. Book consistency
(`SequencedBook`):
- the data source keeps each pair's book itself: it creates it (`get_new_order_book`, which
  Hummingbot's tracker calls), applies every depth diff to it as the frame arrives, and rebuilds it
  from REST snapshots; Hummingbot's tracker holds the same book object and applies the trades;
- a diff applies only in sequence. A book out of sequence (new, a gap, an unreadable diff, a (re)connect)
  is empty (no prices; the tracker reports not ready) and holds its pair's diffs until its rebuild task
  (backpack_book_rebuilds) has installed a fresh snapshot and the held diffs that continue it; a failed
  snapshot is retried on a timer, per pair. The stream's task never waits for a snapshot: one pair's
  rebuild never delays or disconnects the others;
- snapshots wait until the streams are live: the first frame after the SUBSCRIBE (or, on a quiet
  market, `STREAMS_LIVE_WAIT_S`). A snapshot asked for sooner may be served before the exchange has
  started the streams and miss the diffs in between (a gap, and a second snapshot); the tracker waits
  for the same moment before it creates the books (`wait_until_streams_live`): one snapshot per book.
  The SUBSCRIBE is the official client's, `{"method", "params"}` only: an `id` would make a server that
  echoes it answer at once, but Backpack documents no `id` and no answer, and a server that refused the
  field would leave every book without diffs;
- every (re)connect rebuilds each book once the streams are live (updates may have been missed while
  disconnected, and a quiet market would send no diff to notice). Hummingbot's hourly full refresh
  replaces a book in sequence with a snapshot at least as new (an older one would undo diffs); a failed
  refresh leaves that book as it is, still in sequence;
- `subscribe_to_trading_pair` / `unsubscribe_from_trading_pair` change pairs at runtime, using the
  exchange symbol; a runtime SUBSCRIBE returns at the first frame of one of the new streams (or after
  `STREAMS_LIVE_WAIT_S`), so the new pair's snapshot, asked for next, is served while they are live.
Diffs skip Hummingbot's diff queues, `OrderBookMessage` and row building: that is most of the cost
of a depth update (bench/depth_bench.py), and the book is current as soon as the frame is read.
Subclasses (perp) may add streams with `_extra_streams(symbol)` and route them by overriding
`_channel_originating_message`.
"""
import asyncio
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_api_user_stream_data_source import describe_ws_error
from hummingbot.connector.exchange.backpack.backpack_book_rebuilds import BookRebuilds
from hummingbot.connector.exchange.backpack.backpack_order_book import BackpackOrderBook
from hummingbot.connector.exchange.backpack.backpack_sequenced_book import SequencedBook
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot.core.web_assistant.connections.data_types import WSJSONRequest
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory
from hummingbot.core.web_assistant.ws_assistant import WSAssistant

if TYPE_CHECKING:
    from hummingbot.connector.exchange_py_base import ExchangePyBase

DEPTH_SNAPSHOT_LIMIT = 1000
STREAMS_LIVE_WAIT_S = 1.0  # no frame by then (quiet markets): the subscription is taken as live
NEW_BOOK_LIVE_WAIT_S = 10.0  # a pair added while (re)connecting: its snapshot waits this long for the streams


class BackpackAPIOrderBookDataSource(OrderBookTrackerDataSource):

    def __init__(self, trading_pairs: List[str], connector: "ExchangePyBase", api_factory: WebAssistantsFactory,
                 ws_url: str):
        super().__init__(trading_pairs)
        self._connector = connector
        self._api_factory = api_factory
        self._ws_url = ws_url
        self._ws_assistant: Optional[WSAssistant] = None
        self._books: Dict[str, SequencedBook] = {}  # by exchange symbol
        self._streams_live = asyncio.Event()  # the current connection's subscription is live
        self._rebuilds = BookRebuilds(request_snapshot=self._request_order_book_snapshot,
                                      streams_live=self._streams_live, sleep=lambda delay: self._sleep(delay),
                                      logger=self.logger)
        self._rebuild_task: Optional[asyncio.Task] = None
        self._pairs_by_symbol: Dict[str, str] = {}
        self._awaited_streams: Dict[str, asyncio.Future] = {}  # a runtime SUBSCRIBE's streams, until one streams
        self._trade_messages_queue_key = CONSTANTS.TRADE_EVENT_TYPE
        self._diff_messages_queue_key = CONSTANTS.DEPTH_EVENT_TYPE

    async def get_last_traded_prices(self, trading_pairs: List[str], domain: Optional[str] = None) -> Dict[str, float]:
        return await self._connector.get_last_traded_prices(trading_pairs=trading_pairs)

    # ----- books and snapshots -----

    async def get_new_order_book(self, trading_pair: str) -> OrderBook:
        """The book Hummingbot's tracker will hold for the pair; this data source keeps it current. Returned
        once its first snapshot was answered: built, or empty and retried on a timer if that snapshot failed.
        The snapshot waits for the streams to be live; if they are not within NEW_BOOK_LIVE_WAIT_S (no
        connection), the book is returned empty and built once they are. A pair has one book: asked for
        again (a network restart, or the tracker's start and `add_trading_pair` at once), the same book is
        returned, rebuilt if it is out of sequence, so the tracker never holds one nobody updates."""
        symbol = await self._connector.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        sequenced = self._books.get(symbol)
        if sequenced is None:
            sequenced = self._books[symbol] = SequencedBook(trading_pair, self.order_book_create_function())
        self._pairs_by_symbol[symbol] = trading_pair
        if await self.wait_until_streams_live(NEW_BOOK_LIVE_WAIT_S):
            await self._rebuilds.first_attempt(sequenced)
        else:
            self._rebuilds.ensure(sequenced)
        return sequenced.book

    def _retire(self, symbol: str):
        """The pair is removed: its book is no longer updated, and a rebuild asked for it meanwhile (a
        reconnect's) must not start, nor replace the book of the pair added again."""
        retired = self._books.pop(symbol, None)
        if retired is not None:
            retired.retired = True

    @property
    def books_in_sequence(self) -> bool:
        """True when every book follows the stream; False while one is empty, waiting for its snapshot."""
        return all(sequenced.in_sequence for sequenced in self._books.values())

    async def wait_until_streams_live(self, timeout: float) -> bool:
        """True once the streams of the current connection are live; False after `timeout` (not connected)."""
        try:
            await asyncio.wait_for(self._streams_live.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def _request_order_book_snapshot(self, trading_pair: str) -> Dict[str, Any]:
        symbol = await self._connector.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        return await self._connector._api_get(path_url=CONSTANTS.DEPTH_PATH_URL,
                                              params={"symbol": symbol, "limit": DEPTH_SNAPSHOT_LIMIT})

    async def _request_order_book_snapshots(self, output: asyncio.Queue):
        """Hummingbot's hourly full refresh (no snapshot for an hour). Nothing goes to `output`: the tracker
        would lay the snapshot over newer diffs. A book out of sequence is being rebuilt already."""
        for sequenced in list(self._books.values()):
            if sequenced.in_sequence:
                await self._refresh(sequenced)
            else:
                self._rebuilds.ensure(sequenced)

    async def _refresh(self, sequenced: SequencedBook):
        """The book keeps applying diffs meanwhile; the snapshot replaces it only if it is at least as new."""
        generation = sequenced.generation
        try:
            snapshot = await self._request_order_book_snapshot(sequenced.trading_pair)
            if sequenced.generation == generation:
                sequenced.refresh(snapshot)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.logger().warning(f"The hourly refresh of the {sequenced.trading_pair} order book failed ({error!r});"
                                  f" the book follows the stream as before.")

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

    def _mark_books_stale(self):
        for sequenced in self._books.values():
            sequenced.invalidate()

    async def _subscribe_channels(self, ws: WSAssistant):
        try:
            # A new connection may have missed diffs: every book is rebuilt from a fresh snapshot.
            self._mark_books_stale()
            streams: List[str] = []
            for trading_pair in self._trading_pairs:
                streams += await self._streams_for(trading_pair)
            self._streams_live.clear()
            if streams:
                await ws.send(WSJSONRequest(payload={"method": "SUBSCRIBE", "params": streams}))
            self.logger().info("Subscribed to public order book and trade channels...")
            self._cancel_rebuild()
            self._rebuild_task = asyncio.ensure_future(self._rebuild_when_live())
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().error("Unexpected error occurred subscribing to order book trading and delta streams...",
                                exc_info=True)
            raise

    def _on_streams_live(self):
        """The subscription is active: snapshots asked for from now on are newer than the streams' start."""
        self._streams_live.set()

    async def _rebuild_when_live(self):
        """Updates may have happened while disconnected and the market may now be quiet: every book is
        rebuilt once the streams are live. All at once (the account's request pool paces them); the diffs
        received meanwhile are held by their books."""
        if not await self.wait_until_streams_live(STREAMS_LIVE_WAIT_S):
            self._on_streams_live()
        await asyncio.gather(*(self._rebuilds.first_attempt(sequenced) for sequenced in list(self._books.values())))

    def _cancel_rebuild(self):
        if self._rebuild_task is not None and not self._rebuild_task.done():
            self._rebuild_task.cancel()
        self._rebuild_task = None

    async def _on_order_stream_interruption(self, websocket_assistant: Optional[WSAssistant] = None):
        # A late one (a listener cancelled by a network restart after the next one connected) only closes its
        # own connection: the books, their rebuilds and the streams' state are the new connection's.
        if websocket_assistant is None or websocket_assistant is self._ws_assistant:
            self._ws_assistant = None
            self._streams_live.clear()
            self._cancel_rebuild()
            self._rebuilds.cancel_all()  # restarted for every book once the streams are live again
            self._mark_books_stale()
        await super()._on_order_stream_interruption(websocket_assistant=websocket_assistant)

    async def _process_websocket_messages(self, websocket_assistant: WSAssistant):
        live = self._streams_live
        async for ws_response in websocket_assistant.iter_messages():
            data = ws_response.data
            if data is None:  # disconnected
                continue
            if not live.is_set():  # the first frame after the SUBSCRIBE: the streams have started
                self._on_streams_live()
            if self._awaited_streams:
                self._on_awaited_stream(data)
            applied = self._apply_depth_frame(data)
            if applied is None:
                await self._route_message(data, websocket_assistant)
            elif not applied:
                self._hold_out_of_sequence(data["data"])

    async def _route_message(self, data: Any, websocket_assistant: WSAssistant):
        """Everything but depth goes Hummingbot's way: a queue per channel, or the unknown-channel hook."""
        channel = self._channel_originating_message(event_message=data)
        if channel in self._get_messages_queue_keys():
            self._message_queue[channel].put_nowait(data)
        else:
            await self._process_message_for_unknown_channel(event_message=data, websocket_assistant=websocket_assistant)

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

    def _apply_depth_frame(self, frame: Any) -> Optional[bool]:
        """The hot path, for every WS frame: None when it is not a depth frame; True when the diff was applied
        (or needs nothing: already in the book, a pair without a book, or unreadable: the book is rebuilt);
        False when the book is out of sequence (`_hold_out_of_sequence`)."""
        if frame.__class__ is not dict:
            return None
        stream = frame.get("stream")
        if stream is None or not stream.startswith(CONSTANTS.DEPTH_STREAM_PREFIX):
            return None
        diff = frame["data"]
        sequenced = self._books.get(diff.get("s"))
        if sequenced is None:
            return True  # a pair removed at runtime, or whose book is not created yet
        return self._apply_diff(sequenced, diff)

    def _apply_diff(self, sequenced: SequencedBook, diff: Dict[str, Any]) -> bool:
        try:
            return sequenced.apply_diff(diff)
        except (KeyError, TypeError, ValueError) as error:  # the book is untouched: rebuild, never guess
            self.logger().error(f"Unreadable {sequenced.trading_pair} depth update ({error!r}); "
                                f"rebuilding the book from a fresh snapshot.")
            sequenced.invalidate()
            self._rebuilds.ensure(sequenced)
            return True

    def _hold_out_of_sequence(self, diff: Dict[str, Any]):
        """A diff its book cannot apply: after a gap the book is emptied; the diff waits for the rebuild."""
        sequenced = self._books.get(diff.get("s"))
        if sequenced is None:
            return
        if sequenced.in_sequence:
            self.logger().warning(f"Order book gap for {sequenced.trading_pair}: expected update "
                                  f"{sequenced.expected_update_id}, got {diff.get('U')}. "
                                  f"Rebuilding the book from a fresh snapshot.")
            sequenced.invalidate()
        sequenced.hold(diff)
        self._rebuilds.ensure(sequenced)

    async def _parse_order_book_diff_message(self, raw_message: Dict[str, Any], message_queue: asyncio.Queue):
        """Hummingbot's diff-queue entry point, for completeness: the diff goes to its book, not to the queue."""
        if self._apply_depth_frame(raw_message) is False:
            self._hold_out_of_sequence(raw_message["data"])

    async def _parse_trade_message(self, raw_message: Dict[str, Any], message_queue: asyncio.Queue):
        data = raw_message["data"]
        trading_pair = await self._trading_pair_for(data["s"])
        message_queue.put_nowait(BackpackOrderBook.trade_message_from_exchange(
            data, metadata={"trading_pair": trading_pair}))

    # ----- dynamic pairs -----

    def _on_awaited_stream(self, data: Any):
        streaming = self._awaited_streams.get(data.get("stream")) if isinstance(data, dict) else None
        if streaming is not None and not streaming.done():
            streaming.set_result(None)

    async def _send_to_live_connection(self, method: str, trading_pair: str) -> bool:
        if self._ws_assistant is None:
            return False
        streams: List[str] = []
        try:
            streams = await self._streams_for(trading_pair)
            streaming = asyncio.get_running_loop().create_future()
            if method == "SUBSCRIBE":
                self._awaited_streams.update({stream: streaming for stream in streams})
            await self._ws_assistant.send(WSJSONRequest(payload={"method": method, "params": streams}))
            if method == "SUBSCRIBE":  # a snapshot asked for sooner could miss the new streams' first diffs
                await asyncio.wait([streaming], timeout=STREAMS_LIVE_WAIT_S)
            return True
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().error(f"Unexpected error sending {method} for {trading_pair} streams", exc_info=True)
            return False
        finally:
            for stream in streams:
                self._awaited_streams.pop(stream, None)

    async def subscribe_to_trading_pair(self, trading_pair: str) -> bool:
        """Adds a pair at runtime (Hummingbot's tracker then creates its book with `get_new_order_book`).
        False when not connected yet (the pair is then subscribed on connect)."""
        if trading_pair not in self._trading_pairs:
            self._trading_pairs.append(trading_pair)
        return await self._send_to_live_connection("SUBSCRIBE", trading_pair)

    async def unsubscribe_from_trading_pair(self, trading_pair: str) -> bool:
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)
        for symbol, sequenced in list(self._books.items()):
            if sequenced.trading_pair == trading_pair:
                self._retire(symbol)
        self._rebuilds.cancel(trading_pair)
        return await self._send_to_live_connection("UNSUBSCRIBE", trading_pair)
