"""The account's own fee tier, from `GET /api/v1/account`, for the spot and perp Backpack connectors.

Backpack answers `spotMakerFee`, `spotTakerFee`, `futuresMakerFee` and `futuresTakerFee` in basis points
(decimal strings; a negative maker fee is a rebate: official OpenAPI `AccountSummary`, Rust `AccountSettings`).
Market makers in Backpack's programme pay far less than the registry's `DEFAULT_FEES`, so:
- `get_fee()` (fee estimates of strategies and executors) uses the account's rates once known, the defaults
  before the first answer or when the answer lacks them;
- fills keep the fee the exchange charged (a rebate is a negative flat fee), so PnL counts rebates as income;
- budget checks (`budget_checker`) reserve the account's fee, but never count a rebate as money to spend:
  it is paid after the fill, so an order still needs its whole cost (a negative rate is reserved as 0).
The tier is read every ACCOUNT_FEES_INTERVAL_S (Hummingbot's trading-fees loop); the perp connector also
applies it from the `/api/v1/account` answer it reads every minute for the leverage.
"""
import asyncio
from copy import copy
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from hummingbot.connector.budget_checker import BudgetChecker
from hummingbot.connector.derivative.perpetual_budget_checker import PerpetualBudgetChecker
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.common import PositionAction
from hummingbot.core.data_type.order_candidate import OrderCandidate, PerpetualOrderCandidate
from hummingbot.core.data_type.trade_fee import TradeFeeBase, TradeFeeSchema

BPS = Decimal("10000")
ZERO = Decimal("0")
SPOT_FEE_FIELDS = ("spotMakerFee", "spotTakerFee")
FUTURES_FEE_FIELDS = ("futuresMakerFee", "futuresTakerFee")


@dataclass(frozen=True)
class FeeRates:
    maker: Decimal  # fractions: 0.0002 = 2 bps; negative = rebate
    taker: Decimal

    def describe(self) -> str:
        return f"maker {self.maker * 100:f}%, taker {self.taker * 100:f}%"


def fee_rates_from_account(account: Any, fields: tuple) -> Optional[FeeRates]:
    """The maker/taker rates of `fields` ("spotMakerFee", "spotTakerFee") in an `/api/v1/account` answer, as
    fractions; None when a field is missing or not a decimal (the caller keeps what it had)."""
    if not isinstance(account, dict):
        return None
    try:
        maker, taker = (Decimal(str(account[field])) / BPS for field in fields)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return None
    if not maker.is_finite() or not taker.is_finite():
        return None
    return FeeRates(maker=maker, taker=taker)


def schema_with_rates(default: TradeFeeSchema, rates: Optional[FeeRates]) -> TradeFeeSchema:
    if rates is None:
        return default
    return replace(default, maker_percent_fee_decimal=rates.maker, taker_percent_fee_decimal=rates.taker)


class _AccountFeeCandidates:
    """Budget-checker mix-in: a candidate's fee comes from the connector's account rates (`_budget_fee`),
    not from the registry's default schema that Hummingbot's OrderCandidate would read."""
    _exchange: Any

    def populate_collateral_entries(self, order_candidate: OrderCandidate) -> OrderCandidate:
        candidate = copy(order_candidate)
        exchange = self._exchange
        candidate._get_fee = lambda _exchange: exchange._budget_fee(candidate)  # shadows the class's method
        candidate.populate_collateral_entries(exchange)
        return candidate


class AccountFeeBudgetChecker(_AccountFeeCandidates, BudgetChecker):
    pass


class AccountFeePerpetualBudgetChecker(_AccountFeeCandidates, PerpetualBudgetChecker):
    pass


class BackpackAccountFeesMixin:
    ACCOUNT_FEE_FIELDS: tuple = SPOT_FEE_FIELDS  # the perp connector reads the futures fields
    DEFAULT_FEE_SCHEMA: TradeFeeSchema = TradeFeeSchema()  # set by each connector (its registry DEFAULT_FEES)
    TRADING_FEES_INTERVAL = 3600.0  # Hummingbot's loop reads the tier every hour (its default: 12 hours)
    _account_fee_rates: Optional[FeeRates] = None
    _fee_budget_checker: Optional[BudgetChecker] = None

    @property
    def account_fee_rates(self) -> Optional[FeeRates]:
        """The account's maker/taker rates for this connector's market type; None until known."""
        return self._account_fee_rates

    def _fee_schema(self) -> TradeFeeSchema:
        return schema_with_rates(self.DEFAULT_FEE_SCHEMA, self._account_fee_rates)

    async def _update_trading_fees(self):
        try:
            account = await self._api_get(path_url=CONSTANTS.ACCOUNT_PATH_URL, is_auth_required=True)
        except asyncio.CancelledError:
            raise
        except Exception as exception:
            self.logger().warning(f"Could not read the Backpack account fee tier: {exception}. "
                                  f"Fee estimates use {self._fee_schema_description()}.")
            return
        self._apply_account_fees(account)

    def _apply_account_fees(self, account: Any):
        rates = fee_rates_from_account(account, self.ACCOUNT_FEE_FIELDS)
        if rates is None:
            self.logger().warning(f"The Backpack account answer has no {' / '.join(self.ACCOUNT_FEE_FIELDS)}: fee "
                                  f"estimates use {self._fee_schema_description()}.")
            return
        if rates != self._account_fee_rates:
            self._account_fee_rates = rates
            rebate = " (the maker fee is a rebate)" if rates.maker < 0 else ""
            self.logger().info(f"{self.name} uses the account's fee tier: {rates.describe()}{rebate}.")

    def _fee_schema_description(self) -> str:
        schema = self._fee_schema()
        return FeeRates(schema.maker_percent_fee_decimal, schema.taker_percent_fee_decimal).describe()

    # ----- budget checks: the account's fee, never a rebate counted before it is paid

    @property
    def budget_checker(self) -> BudgetChecker:
        if self._fee_budget_checker is None:
            perpetual = isinstance(super().budget_checker, PerpetualBudgetChecker)
            self._fee_budget_checker = (AccountFeePerpetualBudgetChecker if perpetual else AccountFeeBudgetChecker)(self)
        return self._fee_budget_checker

    def _budget_fee(self, candidate: OrderCandidate) -> TradeFeeBase:
        schema = self._fee_schema()
        schema = replace(schema, maker_percent_fee_decimal=max(schema.maker_percent_fee_decimal, ZERO),
                         taker_percent_fee_decimal=max(schema.taker_percent_fee_decimal, ZERO))
        percent = self._estimated_fee_percent(schema, candidate.order_type, candidate.is_maker)
        if isinstance(candidate, PerpetualOrderCandidate):
            action = PositionAction.CLOSE if candidate.position_close else PositionAction.OPEN
            return TradeFeeBase.new_perpetual_fee(fee_schema=schema, position_action=action, percent=percent)
        return TradeFeeBase.new_spot_fee(fee_schema=schema, trade_type=candidate.order_side, percent=percent)
