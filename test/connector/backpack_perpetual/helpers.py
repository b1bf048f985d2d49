"""Fixtures of the perpetual connector tests (the spot helpers give keys, markets, orders and fills)."""
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Dict, List, Optional

POSITION_STREAM = "account.positionUpdate"


def iso_utc(timestamp_s: float) -> str:
    """Backpack's naive UTC ISO text for a Unix time in seconds."""
    return datetime.fromtimestamp(timestamp_s, tz=timezone.utc).replace(tzinfo=None).isoformat()


def collateral_summary(net_equity: str, available: str, rows: Optional[List[Dict[str, Any]]] = None,
                       unrealized: str = "0") -> Dict[str, Any]:
    return {"assetsValue": net_equity, "borrowLiability": "0", "collateral": rows or [], "imf": "0",
            "unsettledEquity": "0", "liabilitiesValue": "0", "marginFraction": None, "mmf": "0",
            "netEquity": net_equity, "netEquityAvailable": available, "netEquityLocked": "0",
            "netExposureFutures": "0", "pnlUnrealized": unrealized}


def collateral_row(asset: str, total: str, available: str) -> Dict[str, Any]:
    return {"symbol": asset, "assetMarkPrice": "1", "totalQuantity": total, "balanceNotional": total,
            "collateralWeight": "1", "collateralValue": total, "openOrderQuantity": "0", "lendQuantity": "0",
            "availableQuantity": available}


def position_row(symbol: str, net_quantity: str, entry_price: str, unrealized: str,
                 mark: str = "100") -> Dict[str, Any]:
    return {"breakEvenPrice": entry_price, "entryPrice": entry_price, "estLiquidationPrice": "0", "imf": "0.1",
            "imfFunction": None, "markPrice": mark, "mmf": "0.0135", "mmfFunction": None,
            "netCost": str(Decimal(net_quantity) * Decimal(entry_price)), "netQuantity": net_quantity,
            "netExposureQuantity": str(abs(Decimal(net_quantity))), "netExposureNotional": "0",
            "pnlRealized": "0", "pnlUnrealized": unrealized, "cumulativeFundingPayment": "0",
            "subaccountId": None, "symbol": symbol, "userId": 7, "positionId": "28563667732"}


def position_frame(symbol: str, net_quantity: str, entry_price: str, unrealized: str,
                   event: Optional[str] = "positionAdjusted") -> Dict[str, Any]:
    """An `account.positionUpdate` frame; `event=None` gives the initial frame sent on subscribe (no `e`)."""
    data = {"E": 1769366599828079, "s": symbol, "b": entry_price, "B": entry_price, "M": entry_price,
            "f": "0.02", "m": "0.0135", "q": net_quantity, "Q": net_quantity.lstrip("-"), "n": "1",
            "p": "0", "P": unrealized, "i": 28563667732, "l": "0", "T": 1769366599828078}
    if event is not None:
        data["e"] = event
    return {"stream": POSITION_STREAM, "data": data}


def funding_row(symbol: str, timestamp_s: float, rate: str, quantity: str) -> Dict[str, Any]:
    return {"userId": 7, "subaccountId": 0, "symbol": symbol, "quantity": quantity,
            "intervalEndTimestamp": iso_utc(timestamp_s), "fundingRate": rate}


PAIR = "SOL-USDC"
SYMBOL = "SOL_USDC_PERP"
OTHER_PAIR = "BTC-USDC"
OTHER_SYMBOL = "BTC_USDC_PERP"


def make_derivative(trading_pairs=(PAIR, OTHER_PAIR)):
    """A `BackpackPerpetualDerivative` with symbol map, trading rules and time offset ready (no network)."""
    from bidict import bidict

    from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
        BackpackPerpetualDerivative,
    )
    from hummingbot.connector.trading_rule import TradingRule
    from test.connector.backpack.helpers import API_KEY, API_SECRET

    derivative = BackpackPerpetualDerivative(backpack_perpetual_api_key=API_KEY,
                                             backpack_perpetual_api_secret=API_SECRET,
                                             trading_pairs=list(trading_pairs))
    derivative._set_trading_pair_symbol_map(bidict({SYMBOL: PAIR, OTHER_SYMBOL: OTHER_PAIR}))
    derivative._trading_rules = {pair: TradingRule(pair, min_order_size=Decimal("0.01"),
                                                   min_price_increment=Decimal("0.01"),
                                                   min_base_amount_increment=Decimal("0.01"))
                                 for pair in (PAIR, OTHER_PAIR)}
    derivative._time_synchronizer.add_time_offset_ms_sample(0)
    derivative._set_current_timestamp(1640780000)
    return derivative
