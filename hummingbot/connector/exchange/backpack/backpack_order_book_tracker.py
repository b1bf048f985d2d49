"""`BackpackOrderBookTracker`: Hummingbot's `OrderBookTracker` with the initial books built concurrently.

Hummingbot 2.10's tracker fetches the initial snapshots one pair at a time and sleeps 1 s after each,
so `start_network()` -> ready grows by about a second per trading pair (50 pairs: ~50 s). Backpack's
request pool (throttler shared per account) already keeps the snapshots inside the rate limit, so all
pairs are fetched at once, as soon as the data source's streams are live (a snapshot taken sooner could
miss diffs and be taken again: one snapshot per book). Everything else is Hummingbot's tracker,
unchanged. (Depth diffs and resync snapshots never reach it: the data source applies them to the same
book objects itself.)

`ready` is also False while a book is out of sequence (emptied, waiting for its snapshot): a book that does
not follow the exchange is not ready, and Hummingbot's V2 strategies take no new actions meanwhile.
"""
import asyncio

from hummingbot.core.data_type.order_book_tracker import OrderBookTracker
from hummingbot.core.utils.async_utils import safe_ensure_future


STREAMS_WAIT_S = 30.0  # no public stream by then: the books start from snapshots, rebuilt once it is live


class BackpackOrderBookTracker(OrderBookTracker):

    @property
    def ready(self) -> bool:
        return self._order_books_initialized.is_set() and getattr(self._data_source, "books_in_sequence", True)

    async def _init_order_books(self):
        await self._data_source.wait_until_streams_live(STREAMS_WAIT_S)
        trading_pairs = list(self._trading_pairs)
        books = await asyncio.gather(*(self._initial_order_book_for_trading_pair(p) for p in trading_pairs))
        for trading_pair, book in zip(trading_pairs, books):
            self._order_books[trading_pair] = book
            self._tracking_message_queues[trading_pair] = asyncio.Queue()
            self._tracking_tasks[trading_pair] = safe_ensure_future(self._track_single_book(trading_pair))
        self.logger().info(f"Initialized {len(trading_pairs)} order books.")
        self._order_books_initialized.set()
