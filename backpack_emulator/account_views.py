"""Account JSON of the signed REST API: balances, collateral, settings, open orders, histories, positions."""
from decimal import Decimal
from typing import Any, Dict, List, Mapping

from backpack_emulator.clock import iso_ms
from backpack_emulator.decimals import ZERO, fmt
from backpack_emulator.errors import bad_request, not_found
from backpack_emulator.exchange import Exchange
from backpack_emulator.markets import COLLATERAL_WEIGHTS
from backpack_emulator.params import int_param, market_types, page, sort_direction


def capital(ex: Exchange, account: str) -> Dict[str, Dict[str, str]]:
    ledger = ex.ledger
    return {asset: {"available": fmt(ledger.available(account, asset)), "locked": fmt(ledger.locked(account, asset)),
                    "staked": "0"} for asset in ledger.assets(account)}


def collateral(ex: Exchange, account: str) -> Dict[str, Any]:
    summary = ex.settlement.margin_summary(account)
    rows = []
    for asset in ex.ledger.assets(account):
        price = ex.settlement.asset_price(asset)
        lent = max(ex.ledger.net_lend(account, asset), ZERO)
        total = ex.ledger.available(account, asset) + ex.ledger.locked(account, asset) + lent  # a borrow is a liability
        weight = COLLATERAL_WEIGHTS.get(asset, Decimal("0.5"))
        rows.append({"symbol": asset, "assetMarkPrice": fmt(price), "totalQuantity": fmt(total),
                     "balanceNotional": fmt(total * price), "collateralWeight": fmt(weight),
                     "collateralValue": fmt(total * price * weight),
                     "openOrderQuantity": fmt(ex.ledger.locked(account, asset)), "lendQuantity": fmt(lent),
                     "availableQuantity": fmt(ex.ledger.available(account, asset))})
    equity = summary["netEquity"]
    exposure = summary["netExposureFutures"]
    return {
        "assetsValue": fmt(summary["assetsValue"]), "borrowLiability": fmt(summary["borrowLiability"]),
        "collateral": rows,
        "imf": fmt(summary["marginUsed"] / exposure if exposure else ZERO),
        "unsettledEquity": "0", "liabilitiesValue": fmt(summary["borrowLiability"]),
        "marginFraction": fmt(equity / exposure) if exposure else None,
        "mmf": fmt(summary["maintenance"] / exposure if exposure else ZERO),
        "netEquity": fmt(equity), "netEquityAvailable": fmt(summary["netEquityAvailable"]),
        "netEquityLocked": fmt(summary["netEquityLocked"]), "netExposureFutures": fmt(exposure),
        "pnlUnrealized": fmt(summary["pnlUnrealized"]),
    }


def account_info(ex: Exchange, account: str) -> Dict[str, Any]:
    mine = [o for o in ex.open_orders.values() if o.account == account]
    triggers = sum(1 for o in mine if o.status == "TriggerPending")
    return ex.settings[account].rest_json(len(mine) - triggers, triggers)


def update_account(ex: Exchange, account: str, body: Any) -> None:
    if not isinstance(body, dict):
        raise bad_request("Invalid account update: expected a JSON object")
    settings = ex.settings[account]
    if "leverageLimit" in body:
        raw = str(body["leverageLimit"])
        try:
            leverage = Decimal(raw)
        except ArithmeticError:
            leverage = Decimal(0)
        if not leverage.is_finite() or leverage < 1 or leverage > 100:
            raise bad_request("Invalid `leverageLimit`: expected a number between 1 and 100")
        settings.leverage_limit = leverage
    for key, attribute in (("autoLend", "auto_lend"), ("autoBorrowSettlements", "auto_borrow_settlements"),
                           ("autoRepayBorrows", "auto_repay_borrows")):
        if key in body:
            if not isinstance(body[key], bool):
                raise bad_request(f"Invalid `{key}`: expected a boolean")
            setattr(settings, attribute, body[key])
    ex.lending.sweep()


def open_orders(ex: Exchange, account: str, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    symbol = params.get("symbol")
    if symbol is not None:
        ex.market(symbol)
    market_type = params.get("marketType")
    orders = sorted((o for o in ex.open_orders.values() if o.account == account
                     and (symbol is None or o.symbol == symbol)
                     and (market_type is None or ex.markets[o.symbol].market_type == market_type)),
                    key=lambda o: o.seq)
    return [o.rest_json() for o in orders]


def order_history(ex: Exchange, account: str, params: Mapping[str, Any], lag_ms: int = 0) -> List[Dict[str, Any]]:
    """Orders, newest or oldest first; with `lag_ms` (a fault) without those created that recently."""
    symbol, order_id = params.get("symbol"), params.get("orderId")
    types = market_types(params)
    newest_ms = ex.clock.now_ms() - lag_ms if lag_ms > 0 else None
    orders = [o for o in ex.order_history.get(account, ())
              if (symbol is None or o.symbol == symbol) and (order_id is None or o.id == str(order_id))
              and (types is None or ex.markets[o.symbol].market_type in types)
              and (newest_ms is None or o.created_ms <= newest_ms)]
    if sort_direction(params, ex.history_default_sort) == "Desc":
        orders.reverse()
    return [o.history_json() for o in page(orders, params)]


def fill_history(ex: Exchange, account: str, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    symbol, order_id = params.get("symbol"), params.get("orderId")
    since, until = int_param(params, "from", None), int_param(params, "to", None)
    fill_type = params.get("fillType")
    if fill_type is not None and fill_type not in ("User", "AllLiquidation", "BookLiquidation", "Adl", "Backstop",
                                                   "Liquidation", "CollateralConversion",
                                                   "CollateralConversionAndSpotLiquidation"):
        raise bad_request("Invalid `fillType`")
    types = market_types(params)
    rows = [(ms, f) for ms, f in ex.fills.get(account, ())
            if (symbol is None or f["symbol"] == symbol) and (order_id is None or f["orderId"] == str(order_id))
            and (since is None or ms >= since) and (until is None or ms <= until)
            and (types is None or ex.markets[f["symbol"]].market_type in types)
            and fill_type in (None, "User")]
    if sort_direction(params, ex.history_default_sort) == "Desc":
        rows.reverse()
    return [{**f, "timestamp": iso_ms(ms)} for ms, f in page(rows, params)]


def funding_history(ex: Exchange, account: str, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    symbol = params.get("symbol")
    rows = [r for r in ex.funding_history.get(account, ()) if symbol is None or r["symbol"] == symbol]
    if sort_direction(params, ex.history_default_sort) == "Desc":
        rows.reverse()
    return page(rows, params)


def positions(ex: Exchange, account: str, params: Mapping[str, Any]) -> List[Dict[str, Any]]:
    symbol = params.get("symbol")
    if symbol is not None:
        ex.market(symbol)
    result = []
    for position in ex.open_positions(account):
        if symbol not in (None, position.symbol):
            continue
        market = ex.markets[position.symbol]
        result.append(position.rest_json(ex.marks[position.symbol], ex.settlement.imf(account, market),
                                         market.mmf_base, market.to_json(ex.funding_interval_ms),
                                         ex.settings[account].user_id))
    if symbol is not None and not result:
        raise not_found("Position not found")
    return result
