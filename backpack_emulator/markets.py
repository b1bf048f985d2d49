"""Market definitions and their trading filters (what ``GET /api/v1/markets`` lists)."""
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, Optional

from backpack_emulator.decimals import fmt

FUNDING_INTERVAL_MS = 3_600_000


@dataclass(frozen=True)
class Market:
    symbol: str
    base: str
    quote: str
    market_type: str  # "SPOT" or "PERP"
    tick_size: Decimal
    step_size: Decimal
    min_quantity: Decimal
    max_quantity: Decimal
    initial_price: Decimal
    imf_base: Decimal = Decimal("0.02")
    mmf_base: Decimal = Decimal("0.0135")
    created_at: str = "2025-01-21T06:34:54.691858"

    @property
    def is_perp(self) -> bool:
        return self.market_type == "PERP"

    @property
    def min_price(self) -> Decimal:
        return self.tick_size

    def to_json(self, funding_interval_ms: int = FUNDING_INTERVAL_MS, book_state: str = "Open") -> Dict[str, Any]:
        perp = self.is_perp
        return {
            "symbol": self.symbol,
            "baseSymbol": self.base,
            "quoteSymbol": self.quote,
            "marketType": self.market_type,
            "filters": {
                "price": {
                    "minPrice": fmt(self.min_price),
                    "maxPrice": None,
                    "tickSize": fmt(self.tick_size),
                    "maxMultiplier": "1.25",
                    "minMultiplier": "0.75",
                    "maxImpactMultiplier": "1.05",
                    "minImpactMultiplier": "0.95",
                    "meanMarkPriceBand": {"maxMultiplier": "1.15", "minMultiplier": "0.9"} if perp else None,
                    "meanPremiumBand": {"tolerancePct": "0.05"} if perp else None,
                    "borrowEntryFeeMaxMultiplier": None,
                    "borrowEntryFeeMinMultiplier": None,
                },
                "quantity": {
                    "minQuantity": fmt(self.min_quantity),
                    "maxQuantity": fmt(self.max_quantity),
                    "stepSize": fmt(self.step_size),
                },
            },
            "imfFunction": self._margin_function(self.imf_base, "0.00006") if perp else None,
            "mmfFunction": self._margin_function(self.mmf_base, "0.000036") if perp else None,
            "fundingInterval": funding_interval_ms if perp else None,
            "fundingRateUpperBound": "100" if perp else None,
            "fundingRateLowerBound": "-100" if perp else None,
            "openInterestLimit": "4000000" if perp else "0",
            "orderBookState": book_state,
            "createdAt": self.created_at,
            "visible": True,
            "positionLimitWeight": None,
        }

    @staticmethod
    def _margin_function(base: Decimal, factor: str) -> Dict[str, str]:
        return {"type": "sqrt", "base": fmt(base), "factor": factor}


def _sol(symbol: str, market_type: str) -> Market:
    return Market(symbol=symbol, base="SOL", quote="USDC", market_type=market_type,
                  tick_size=Decimal("0.01"), step_size=Decimal("0.01"), min_quantity=Decimal("0.01"),
                  max_quantity=Decimal("1000000"), initial_price=Decimal("180"))


def _btc(symbol: str, market_type: str) -> Market:
    return Market(symbol=symbol, base="BTC", quote="USDC", market_type=market_type,
                  tick_size=Decimal("0.1"), step_size=Decimal("0.00001"), min_quantity=Decimal("0.00001"),
                  max_quantity=Decimal("1000"), initial_price=Decimal("95000"),
                  imf_base=Decimal("0.02"), mmf_base=Decimal("0.0125"))


DEFAULT_MARKETS: Dict[str, Market] = {m.symbol: m for m in (
    _sol("SOL_USDC", "SPOT"),
    _btc("BTC_USDC", "SPOT"),
    _sol("SOL_USDC_PERP", "PERP"),
    _btc("BTC_USDC_PERP", "PERP"),
)}

SYNTHETIC_PREFIX = "SYN"


def synthetic_markets(count: int) -> Dict[str, Market]:
    """`count` extra spot markets SYN000_USDC, SYN001_USDC... each with its perp SYN000_USDC_PERP...
    (price 10 + i, tick and step 0.01): for benchmarks and tests at a real bot's scale."""
    if count < 0:
        raise ValueError("the number of extra markets must be >= 0")
    markets: Dict[str, Market] = {}
    for index in range(count):
        base = f"{SYNTHETIC_PREFIX}{index:03d}"
        for symbol, market_type in ((f"{base}_USDC", "SPOT"), (f"{base}_USDC_PERP", "PERP")):
            markets[symbol] = Market(symbol=symbol, base=base, quote="USDC", market_type=market_type,
                                     tick_size=Decimal("0.01"), step_size=Decimal("0.01"),
                                     min_quantity=Decimal("0.01"), max_quantity=Decimal("1000000"),
                                     initial_price=Decimal(10 + index))
    return markets


def markets_with_extra(count: int) -> Dict[str, Market]:
    """The default markets plus `synthetic_markets(count)`."""
    return {**DEFAULT_MARKETS, **synthetic_markets(count)}


COLLATERAL_WEIGHTS: Dict[str, Decimal] = {"USDC": Decimal("1"), "SOL": Decimal("0.8"), "BTC": Decimal("0.9")}


def find_market(markets: Dict[str, Market], symbol: Any) -> Optional[Market]:
    return markets.get(symbol) if isinstance(symbol, str) else None
