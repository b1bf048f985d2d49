from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_constants import PERP_SYMBOL_SUFFIX
from hummingbot.data_feed.candles_feed.backpack_spot_candles.backpack_spot_candles import BackpackSpotCandles


class BackpackPerpetualCandles(BackpackSpotCandles):
    """Backpack USDC perpetual klines: same endpoints and formats as spot, symbols end in ``_PERP``."""

    @property
    def name(self) -> str:
        return f"backpack_perpetual_{self._trading_pair}"

    def get_exchange_trading_pair(self, trading_pair: str) -> str:
        return super().get_exchange_trading_pair(trading_pair) + PERP_SYMBOL_SUFFIX
