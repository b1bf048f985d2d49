from hummingbot.data_feed.candles_feed.backpack_spot_candles import BackpackSpotCandles
from test.candles.candles_test_base import BackpackCandlesTestBase
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase


class BackpackSpotCandlesTests(BackpackCandlesTestBase, IsolatedAsyncioWrapperTestCase):
    candles_class = BackpackSpotCandles
    exchange_symbol = "SOL_USDC"
    feed_name = "backpack"
