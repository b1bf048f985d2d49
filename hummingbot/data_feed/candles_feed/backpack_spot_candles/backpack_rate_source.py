"""Backpack as a Hummingbot rate-oracle source: last prices of the spot markets, from public REST."""
import asyncio
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as EXCHANGE_CONSTANTS
from hummingbot.connector.exchange.backpack import backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_messages import is_market_tradable
from hummingbot.connector.utils import combine_to_hb_trading_pair, split_hb_trading_pair
from hummingbot.core.rate_oracle.sources.rate_source_base import RateSourceBase
from hummingbot.core.utils import async_ttl_cache

RATE_SOURCE_NAME = "backpack"
SPOT_MARKET_TYPE = "SPOT"
# RateOracle polls every second; prices are refreshed at most this often.
PRICES_TTL_SECONDS = 30


class BackpackRateSource(RateSourceBase):
    def __init__(self):
        """Takes no arguments. Declared because hummingbot-api builds rate sources from their constructor's
        signature (routers/rate_oracle.py, `create_rate_source`): the inherited `object.__init__` shows
        `*args, **kwargs`, which it filled with `args=None, kwargs=None`, and the source was refused."""
        super().__init__()

    @property
    def name(self) -> str:
        return RATE_SOURCE_NAME

    @async_ttl_cache(ttl=PRICES_TTL_SECONDS, maxsize=1)
    async def get_prices(self, quote_token: Optional[str] = None) -> Dict[str, Decimal]:
        """``{"SOL-USDC": Decimal("180.5"), ...}`` for every spot market with a last price.

        With ``quote_token`` only pairs quoted in it are returned (as other Hummingbot sources do):
        Backpack quotes in USDC, so set the global token to USDC. Errors are logged and give ``{}``.
        """
        try:
            markets, tickers = await asyncio.gather(
                self._get(EXCHANGE_CONSTANTS.MARKETS_PATH_URL), self._get(EXCHANGE_CONSTANTS.TICKERS_PATH_URL))
            return prices_from_tickers(spot_pairs_by_symbol(markets), tickers, quote_token)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().exception("Unexpected error while retrieving rates from Backpack.")
            return {}

    async def _get(self, path_url: str) -> Any:
        # Built per call: the keyless request pool it draws from is bound to the running event loop.
        api_factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(
            throttler=web_utils.create_throttler())
        rest_assistant = await api_factory.get_rest_assistant()
        return await rest_assistant.execute_request(url=web_utils.public_rest_url(path_url),
                                                    throttler_limit_id=path_url)


def spot_pairs_by_symbol(markets: List[Dict[str, Any]]) -> Dict[str, str]:
    """Exchange symbol -> Hummingbot pair for spot markets (``SOL_USDC`` -> ``SOL-USDC``)."""
    pairs = {}
    for market in markets:
        if not is_market_tradable(market, SPOT_MARKET_TYPE):
            continue
        base, quote = market.get("baseSymbol"), market.get("quoteSymbol")
        if market.get("symbol") and base and quote:
            pairs[market["symbol"]] = combine_to_hb_trading_pair(base=base, quote=quote)
    return pairs


def prices_from_tickers(pairs_by_symbol: Dict[str, str], tickers: List[Dict[str, Any]],
                        quote_token: Optional[str] = None) -> Dict[str, Decimal]:
    prices = {}
    for ticker in tickers:
        trading_pair = pairs_by_symbol.get(ticker.get("symbol"))
        if trading_pair is None:
            continue  # perp or unknown market
        if quote_token is not None and split_hb_trading_pair(trading_pair)[1] != quote_token:
            continue
        price = _positive_decimal(ticker.get("lastPrice"))
        if price is not None:
            prices[trading_pair] = price
    return prices


def _positive_decimal(value: Any) -> Optional[Decimal]:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and number > 0 else None
