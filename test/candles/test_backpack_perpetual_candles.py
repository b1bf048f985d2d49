from hummingbot.data_feed.candles_feed.backpack_perpetual_candles import BackpackPerpetualCandles
from hummingbot.data_feed.candles_feed.backpack_spot_candles import BackpackSpotCandles
from test.candles.candles_test_base import BackpackCandlesTestBase
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase


class BackpackPerpetualCandlesTests(BackpackCandlesTestBase, IsolatedAsyncioWrapperTestCase):
    candles_class = BackpackPerpetualCandles
    exchange_symbol = "SOL_USDC_PERP"
    feed_name = "backpack_perpetual"

    def test_reuses_the_spot_feed(self):
        self.assertTrue(issubclass(BackpackPerpetualCandles, BackpackSpotCandles))
