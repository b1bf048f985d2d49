"""`BackpackExchange`: the spot connector `backpack` (shared order logic lives in `BackpackExchangeMixin`).

Spot specifics: SPOT market filter, balances from `/api/v1/capital` and `/api/v1/borrowLend/positions`
(Auto Lend: lent funds count, borrowed ones do not, see `backpack_spot_balances`; assets that disappear
are removed, an empty answer clears the balances), `autoLendRedeem` on orders while the account lends,
spot fee objects and the public order book data source. Strategies reach IOC/FOK with `buy(..., time_in_force="IOC")`;
self-trade prevention is the constructor/config setting `backpack_self_trade_prevention`.
"""
from decimal import Decimal
from typing import Any, Dict, List, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_utils
from hummingbot.connector.exchange.backpack.backpack_api_order_book_data_source import (
    BackpackAPIOrderBookDataSource,
)
from hummingbot.connector.exchange.backpack.backpack_exchange_base import BackpackExchangeMixin
from hummingbot.connector.exchange.backpack.backpack_messages import Fill
from hummingbot.connector.exchange.backpack.backpack_account_registry import add_spot_connector
from hummingbot.connector.exchange.backpack.backpack_rate_limits import rate_share_pct
from hummingbot.connector.exchange.backpack.backpack_spot_balances import read_spot_balances
from hummingbot.connector.exchange_py_base import ExchangePyBase
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder
from hummingbot.core.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot.core.data_type.trade_fee import TradeFeeBase

s_decimal_NaN = Decimal("nan")


class BackpackExchange(BackpackExchangeMixin, ExchangePyBase):
    def __init__(self,
                 backpack_api_key: str = "",
                 backpack_api_secret: str = "",
                 balance_asset_limit: Optional[Dict[str, Dict[str, Decimal]]] = None,
                 rate_limits_share_pct: Optional[Decimal] = None,  # None: Hummingbot's client setting
                 trading_pairs: Optional[List[str]] = None,
                 trading_required: bool = True,
                 backpack_self_trade_prevention: str = CONSTANTS.DEFAULT_SELF_TRADE_PREVENTION,
                 backpack_cancel_all_scope: str = CONSTANTS.CANCEL_ALL_SCOPE_BOT,
                 **kwargs):
        self._account_lends = False  # the last poll saw lent funds: orders may redeem them
        self._borrowed: Dict[str, Decimal] = {}
        self._rate_limits_share_pct = rate_share_pct(rate_limits_share_pct)  # None: Hummingbot's client setting
        super().__init__(backpack_api_key=backpack_api_key,
                         backpack_api_secret=backpack_api_secret,
                         trading_pairs=trading_pairs,
                         trading_required=trading_required,
                         backpack_self_trade_prevention=backpack_self_trade_prevention,
                         backpack_cancel_all_scope=backpack_cancel_all_scope,
                         balance_asset_limit=balance_asset_limit,
                         rate_limits_share_pct=self._rate_limits_share_pct)
        add_spot_connector(self)  # the perp connector of this key then leaves the account's assets to us

    DEFAULT_FEE_SCHEMA = backpack_utils.DEFAULT_FEES  # until the account's own tier is read (backpack_account_fees)

    @property
    def name(self) -> str:
        return "backpack"

    def is_exchange_information_valid(self, market: Dict[str, Any]) -> bool:
        return backpack_utils.is_exchange_information_valid(market)

    def _create_order_book_data_source(self) -> OrderBookTrackerDataSource:
        return BackpackAPIOrderBookDataSource(trading_pairs=self._trading_pairs, connector=self,
                                              api_factory=self._web_assistants_factory, ws_url=self._ws_base_url)

    async def _update_balances(self):
        balances = await read_spot_balances(self._api_get)
        self._account_available_balances.clear()
        self._account_balances.clear()
        self._account_available_balances.update(balances.available)
        self._account_balances.update(balances.total)
        self._account_lends = bool(balances.lent)
        if balances.borrowed != self._borrowed:
            self._borrowed = balances.borrowed
            if balances.borrowed:
                owed = ", ".join(f"{amount} {asset}" for asset, amount in sorted(balances.borrowed.items()))
                self.logger().warning(f"The Backpack account has borrowed {owed}: borrowed funds are owed, so they "
                                      f"are not counted in the balances.")

    def _extra_order_fields(self, trade_type: TradeType, order_type: OrderType, **kwargs) -> Dict[str, Any]:
        # Without it an order needing lent funds is refused for insufficient funds (they are not in /capital).
        return {"autoLendRedeem": True} if self._account_lends else {}

    def _get_fee(self,
                 base_currency: str,
                 quote_currency: str,
                 order_type: OrderType,
                 order_side: TradeType,
                 amount: Decimal,
                 price: Decimal = s_decimal_NaN,
                 is_maker: Optional[bool] = None) -> TradeFeeBase:
        schema = self._fee_schema()
        percent = self._estimated_fee_percent(schema, order_type, is_maker)
        return TradeFeeBase.new_spot_fee(fee_schema=schema, trade_type=order_side, percent=percent)

    def _fee_for_fill(self, order: InFlightOrder, fill: Fill) -> TradeFeeBase:
        return TradeFeeBase.new_spot_fee(fee_schema=self._fee_schema(), trade_type=order.trade_type,
                                         flat_fees=self._flat_fees_of(fill))
