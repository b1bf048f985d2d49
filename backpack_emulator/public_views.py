"""Public reference data of the REST API: markets, assets, securities and collateral parameters."""
from decimal import Decimal
from typing import Any, Dict, List, Mapping

from backpack_emulator.decimals import fmt
from backpack_emulator.exchange import Exchange
from backpack_emulator.markets import COLLATERAL_WEIGHTS
from backpack_emulator.params import market_types

DEFAULT_COLLATERAL_WEIGHT = Decimal("0.5")


def markets(ex: Exchange, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    types = market_types(params)
    return [m.to_json(ex.funding_interval_ms, ex.market_states.state(m.symbol)) for m in ex.markets.values()
            if types is None or m.market_type in types]


def market(ex: Exchange, symbol: Any) -> Dict[str, Any]:
    found = ex.market(symbol)
    return found.to_json(ex.funding_interval_ms, ex.market_states.state(found.symbol))


def assets(ex: Exchange) -> List[Dict[str, Any]]:
    names = sorted({a for m in ex.markets.values() for a in (m.base, m.quote)})
    return [{"symbol": name, "displayName": name, "coingeckoId": None, "tokens": []} for name in names]


def securities(ex: Exchange) -> List[Dict[str, Any]]:
    """Equity-type securities (``Security``): the emulator lists no equity markets, so none."""
    return []


def collateral_parameters(ex: Exchange) -> List[Dict[str, Any]]:
    """``GET /api/v1/collateral`` (``CollateralSummary``): per asset its margin functions and the
    collateral haircut (a constant weight: the same weight the account collateral view applies)."""
    rows = []
    for asset in sorted({a for m in ex.markets.values() for a in (m.base, m.quote)}):
        weight = COLLATERAL_WEIGHTS.get(asset, DEFAULT_COLLATERAL_WEIGHT)
        rows.append({
            "symbol": asset,
            "imfFunction": {"type": "sqrt", "base": fmt(Decimal(1) - weight), "factor": "0"},
            "mmfFunction": {"type": "sqrt", "base": fmt((Decimal(1) - weight) / 2), "factor": "0"},
            "haircutFunction": {"weight": fmt(weight), "kind": {"type": "identity"}},
        })
    return rows
