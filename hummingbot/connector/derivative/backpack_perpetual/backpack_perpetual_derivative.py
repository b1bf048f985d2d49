"""`BackpackPerpetualDerivative`: the USDC perpetual connector `backpack_perpetual`.

Order logic (placement, batch, cancel, cancel-all, status with REST fallback, fill recovery, order
stream, trading rules, time sync) is `BackpackExchangeMixin`, shared with spot. Perp specifics:
- PERP markets only (`SOL_USDC_PERP` <-> `SOL-USDC`), perp fees, CLOSE orders sent `reduceOnly: true`
  (the exchange then never lets an oversized close flip the position);
- position mode ONEWAY only: asking for HEDGE fails (PositionModeChangeFailed) with the reason;
- positions from `/api/v1/position` and `account.positionUpdate` (incl. the initial frames without `e`);
  a position closed on the exchange is removed; a REST snapshot never undoes a newer stream update
  (backpack_perpetual_positions);
- leverage: Backpack's `leverageLimit` is ACCOUNT-wide. `set_leverage` PATCHes it, applies it to every
  pair and warns when pairs ask for different values; it is re-read from `/api/v1/account` every
  LEVERAGE_REFRESH_INTERVAL_S (it can change outside the bot);
- funding info from `/api/v1/markPrices` + `markPrice.<symbol>`; funding payments of every pair from one
  walk of `/wapi/v1/history/funding` without `symbol` per poll (backpack_perpetual_funding), each emitted
  once as a FundingPaymentCompleted event, also those paid while Hummingbot had stopped the network (a
  failed connectivity check) and restarted it: only a new connector starts without reporting;
- balances (backpack_perpetual_balances): USDC available = `netEquityAvailable` (the margin free for new
  positions, what the budget checks read); the totals are the account's assets plus the unrealized PnL, or
  only the PnL while a spot connector of the same key runs in the process (the account counted once).
  Between polls the margin-based estimates of `backpack_perpetual_margin` keep budget checks right before
  and after fills.
"""
import asyncio
import time
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple, Union

from hummingbot.connector.derivative.backpack_perpetual import (
    backpack_perpetual_constants as PERP_CONSTANTS,
    backpack_perpetual_utils as perp_utils,
    backpack_perpetual_web_utils as perp_web_utils,
)
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_api_order_book_data_source import (
    BackpackPerpetualAPIOrderBookDataSource,
)
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_balances import (
    BackpackPerpetualBalancesMixin,
)
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_funding import read_funding_history
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_margin import (
    margin_change_from_fills,
    margin_held_by_orders,
)
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_positions import BackpackPerpetualPositions
from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_user_stream_data_source import (
    PERPETUAL_PRIVATE_STREAMS,
    BackpackPerpetualAPIUserStreamDataSource,
)
from hummingbot.connector.exchange.backpack.backpack_account_fees import FUTURES_FEE_FIELDS
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_errors as errors
from hummingbot.connector.exchange.backpack.backpack_exchange_base import BackpackExchangeMixin
from hummingbot.connector.exchange.backpack.backpack_messages import Fill
from hummingbot.connector.exchange.backpack.backpack_rate_limits import rate_share_pct
from hummingbot.connector.perpetual_derivative_py_base import PerpetualDerivativePyBase
from hummingbot.core.data_type.common import OrderType, PositionAction, PositionMode, TradeType
from hummingbot.core.data_type.in_flight_order import InFlightOrder
from hummingbot.core.data_type.trade_fee import TradeFeeBase
from hummingbot.core.event.events import AccountEvent, PositionModeChangeEvent
from hummingbot.core.utils.async_utils import safe_ensure_future, safe_gather

s_decimal_NaN = Decimal("nan")
HEDGE_REFUSED = ("Backpack perpetuals only support the ONEWAY position mode (one net position per market): "
                 "{mode} is not available. The position mode stays ONEWAY.")


def position_mode_from(mode: Union[PositionMode, str, None]) -> Optional[PositionMode]:
    """The PositionMode for an enum or a name ("HEDGE", "oneway", "PositionMode.ONEWAY"); None when unknown."""
    if isinstance(mode, PositionMode):
        return mode
    if isinstance(mode, str):
        return PositionMode.__members__.get(mode.strip().upper().replace("POSITIONMODE.", ""))
    return None


class BackpackPerpetualDerivative(BackpackPerpetualBalancesMixin, BackpackPerpetualPositions, BackpackExchangeMixin,
                                  PerpetualDerivativePyBase):
    PRIVATE_STREAMS = PERPETUAL_PRIVATE_STREAMS
    USER_STREAM_DATA_SOURCE_CLASS = BackpackPerpetualAPIUserStreamDataSource
    ACCOUNT_FEE_FIELDS = FUTURES_FEE_FIELDS  # the account's fee tier (backpack_account_fees)
    SUPPORTS_ATTACHED_TP_SL = True  # take profit / stop loss keywords (backpack_trigger_orders)
    DEFAULT_FEE_SCHEMA = perp_utils.DEFAULT_FEES

    def __init__(self,
                 backpack_perpetual_api_key: str = "",
                 backpack_perpetual_api_secret: str = "",
                 backpack_perpetual_self_trade_prevention: str = CONSTANTS.DEFAULT_SELF_TRADE_PREVENTION,
                 backpack_perpetual_cancel_all_scope: str = CONSTANTS.CANCEL_ALL_SCOPE_BOT,
                 **kwargs):
        """`kwargs`: Hummingbot's usual `trading_pairs`, `trading_required`, `balance_asset_limit` and
        `rate_limits_share_pct`; the keys are the `backpack_perpetual_*` settings of `connect backpack_perpetual`."""
        self._requested_leverage: Dict[str, int] = {}
        self._next_leverage_refresh = 0.0
        self._leverage_changes = 0  # a re-read that started before a change must not undo it
        self._account_leverage: Optional[int] = None
        self._funding_history_mark: Optional[float] = None  # see `_update_funding_payments`
        self._rate_limits_share_pct = kwargs["rate_limits_share_pct"] = rate_share_pct(
            kwargs.get("rate_limits_share_pct"))  # None: Hummingbot's client setting (backpack_rate_limits)
        super().__init__(backpack_api_key=backpack_perpetual_api_key, backpack_api_secret=backpack_perpetual_api_secret,
                         backpack_self_trade_prevention=backpack_perpetual_self_trade_prevention,
                         backpack_cancel_all_scope=backpack_perpetual_cancel_all_scope, **kwargs)
        self._watch_spot_connectors()

    @property
    def name(self) -> str:
        return PERP_CONSTANTS.EXCHANGE_NAME

    @property
    def funding_fee_poll_interval(self) -> int:
        return PERP_CONSTANTS.FUNDING_FEE_POLL_INTERVAL_S

    def is_exchange_information_valid(self, market: Dict[str, Any]) -> bool:
        return perp_utils.is_exchange_information_valid(market)

    def supported_position_modes(self) -> List[PositionMode]:
        return [PositionMode.ONEWAY]

    def get_buy_collateral_token(self, trading_pair: str) -> str:
        return PERP_CONSTANTS.COLLATERAL_TOKEN

    def get_sell_collateral_token(self, trading_pair: str) -> str:
        return PERP_CONSTANTS.COLLATERAL_TOKEN

    def _create_order_book_data_source(self) -> BackpackPerpetualAPIOrderBookDataSource:
        return BackpackPerpetualAPIOrderBookDataSource(trading_pairs=self._trading_pairs, connector=self,
                                                       api_factory=self._web_assistants_factory,
                                                       ws_url=self._ws_base_url)

    async def _pair_for_symbol(self, symbol: str) -> Optional[str]:
        try:
            return await self.trading_pair_associated_to_exchange_symbol(symbol=symbol)
        except KeyError:
            return None  # a market this connector does not trade (e.g. a position opened elsewhere)

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Spot's runtime pair addition, plus what a perp pair needs: funding info and the account leverage."""
        added = await super().add_trading_pair(trading_pair)
        if added:
            self._perpetual_trading.initialize_funding_info(await self._orderbook_ds.get_funding_info(trading_pair))
            if self._account_leverage is not None:
                self._perpetual_trading.set_leverage(trading_pair, self._account_leverage)
        return added

    # ----- orders and fees -----

    def _extra_order_fields(self, trade_type: TradeType, order_type: OrderType, **kwargs) -> Dict[str, Any]:
        if kwargs.get("position_action") == PositionAction.CLOSE:
            return {"reduceOnly": True}  # never opens or flips: the exchange caps it at the position size
        return {}

    def _get_fee(self, base_currency: str, quote_currency: str, order_type: OrderType, order_side: TradeType,
                 position_action: PositionAction, amount: Decimal, price: Decimal = s_decimal_NaN,
                 is_maker: Optional[bool] = None) -> TradeFeeBase:
        schema = self._fee_schema()
        return TradeFeeBase.new_perpetual_fee(
            fee_schema=schema, position_action=position_action, percent_token=PERP_CONSTANTS.COLLATERAL_TOKEN,
            percent=self._estimated_fee_percent(schema, order_type, is_maker))

    def _fee_for_fill(self, order: InFlightOrder, fill: Fill) -> TradeFeeBase:
        # Only a CLOSE is paid out of returns; anything else (also a NIL action) adds to the position's cost.
        closing = getattr(order, "position", PositionAction.NIL) == PositionAction.CLOSE
        return TradeFeeBase.new_perpetual_fee(fee_schema=self._fee_schema(), flat_fees=self._flat_fees_of(fill),
                                              position_action=PositionAction.CLOSE if closing else PositionAction.OPEN)

    # ----- margin (balances: BackpackPerpetualBalancesMixin) -----

    def in_flight_asset_balances(self, in_flight_orders: Dict[str, InFlightOrder]) -> Dict[str, Decimal]:
        return margin_held_by_orders((in_flight_orders or {}).values(), PERP_CONSTANTS.COLLATERAL_TOKEN)

    def order_filled_balances(self, starting_timestamp: float = 0) -> Dict[str, Decimal]:
        return margin_change_from_fills(self.event_logs, starting_timestamp, PERP_CONSTANTS.COLLATERAL_TOKEN)

    # ----- position mode -----

    def set_position_mode(self, mode: Union[PositionMode, str]):
        """Accepts the enum or its name: V2 controller configs pass their default `position_mode` ("HEDGE") as
        a plain string. An unsupported mode is refused with one error line and PositionModeChangeFailed events
        (one per pair), and the mode stays ONEWAY."""
        requested = position_mode_from(mode)
        if requested is None:
            self.logger().error(f"Unknown position mode {mode!r}: use ONEWAY. The position mode stays "
                                f"{self.position_mode.name}.")
            return
        if requested not in self.supported_position_modes():
            # Refused here with ONE line (the base would add a generic per-pair line); same failure events.
            message = HEDGE_REFUSED.format(mode=requested.name)
            self.logger().error(message)
            for trading_pair in self.trading_pairs:
                self.trigger_event(AccountEvent.PositionModeChangeFailed, PositionModeChangeEvent(
                    self.current_timestamp, trading_pair, requested, message))
            return
        safe_ensure_future(self._execute_set_position_mode(requested))

    async def _trading_pair_position_mode_set(self, mode: PositionMode, trading_pair: str) -> Tuple[bool, str]:
        if mode in self.supported_position_modes():
            return True, ""
        return False, HEDGE_REFUSED.format(mode=mode.name)

    # ----- leverage (account-wide on Backpack) -----

    async def _set_trading_pair_leverage(self, trading_pair: str, leverage: int) -> Tuple[bool, str]:
        if isinstance(leverage, bool) or not isinstance(leverage, int) or leverage < 1:
            return False, f"Invalid leverage {leverage!r}: it must be a whole number of at least 1. Nothing was sent."
        others = {pair: asked for pair, asked in self._requested_leverage.items()
                  if pair != trading_pair and asked != leverage}
        if others:
            asked_elsewhere = ", ".join(f"{pair} (which asked for {asked}x)" for pair, asked in sorted(others.items()))
            self.logger().warning(f"Backpack's leverage limit is account-wide: setting {leverage}x for {trading_pair} "
                                  f"also applies it to {asked_elsewhere}.")
        self._requested_leverage[trading_pair] = leverage
        try:
            # Answered 200 with an EMPTY body, which `_api_request` cannot decode.
            await self._api_request_with_status(perp_web_utils.PATCH, CONSTANTS.ACCOUNT_PATH_URL,
                                                {"leverageLimit": str(leverage)})
        except asyncio.CancelledError:
            raise
        except Exception as exception:
            return False, errors.parse_error(exception).message or str(exception)
        self._leverage_changes += 1
        self._apply_account_leverage(leverage)
        return True, ""

    def _apply_account_leverage(self, leverage: int):
        self._account_leverage = leverage
        for trading_pair in self._trading_pairs:
            self._perpetual_trading.set_leverage(trading_pair, leverage)

    async def _refresh_account_leverage(self):
        """Re-reads the account's leverage limit (it may be changed in the web UI or by another bot)."""
        if time.monotonic() < self._next_leverage_refresh:
            return
        self._next_leverage_refresh = time.monotonic() + PERP_CONSTANTS.LEVERAGE_REFRESH_INTERVAL_S
        changes_before = self._leverage_changes
        try:
            account = await self._api_get(path_url=CONSTANTS.ACCOUNT_PATH_URL, is_auth_required=True)
            self._apply_account_fees(account)  # the same answer carries the fee tier
            leverage = int(Decimal(str(account["leverageLimit"])))
        except asyncio.CancelledError:
            raise
        except Exception as exception:
            self.logger().warning(f"Could not read the Backpack account leverage: {exception}")
            return
        if changes_before != self._leverage_changes:
            return  # set_leverage succeeded meanwhile: this answer may predate it
        changed = [pair for pair in self._trading_pairs if self.get_leverage(pair) != leverage]
        if changed:
            self.logger().info(f"Backpack account leverage limit is {leverage}x (applies to every market).")
        self._apply_account_leverage(leverage)

    async def _status_polling_loop_fetch_updates(self):
        # `_update_all_balances` (not the perp base's bare `_update_balances`) also snapshots the in-flight
        # orders and the time: without it every fill since start would be taken off `available` again.
        await safe_gather(self._refresh_account_leverage(), self._poll_positions(), self._update_all_balances(),
                          self._update_order_status())

    async def _poll_positions(self):
        """A failed positions request is logged, as a failed balances request is: raised, it would make Hummingbot's
        poll loop run the whole poll again every 0.5 s (order lookups included) for as long as it fails."""
        try:
            await self._update_positions()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.logger().warning(f"Failed to update positions ({error}); trying again at the next poll.")

    # ----- funding -----

    async def stop_network(self):
        """Hummingbot stops and restarts the network inside one bot session (a failed connectivity check): each
        pair's last funding payment is kept, so the first poll after the restart reports the payments made
        meanwhile (the base forgets them and would start again without reporting). Its poll loop is ended too
        (the base leaves it waiting on a notifier nobody sets; start_network makes a new one)."""
        known = dict(self._last_funding_fee_payment_ts)
        if self._funding_fee_polling_task is not None:
            self._funding_fee_polling_task.cancel()
            self._funding_fee_polling_task = None
        await super().stop_network()
        self._last_funding_fee_payment_ts.update(known)

    async def _init_funding_info(self):
        """Like Hummingbot's, but every pair from one request (not one per pair, one after the other: 100 pairs
        took 100 round trips before the connector got ready), and a failed request is retried: without
        funding info the connector never gets ready, and the base would give up on the funding stream."""
        try:
            known = await self._orderbook_ds.get_all_funding_info() if len(self.trading_pairs) > 1 else {}
        except asyncio.CancelledError:
            raise
        except Exception as exception:
            self.logger().warning(f"Could not read the funding info of all pairs at once ({exception}); "
                                  f"reading them one by one.")
            known = {}
        for trading_pair in self.trading_pairs:
            funding_info = known.get(trading_pair)
            while funding_info is None:
                try:
                    funding_info = await self._orderbook_ds.get_funding_info(trading_pair)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exception:
                    self.logger().warning(f"Could not read the funding info of {trading_pair} ({exception}); "
                                          f"retrying in {PERP_CONSTANTS.FUNDING_INFO_RETRY_S:.0f} s.")
                    await self._sleep(PERP_CONSTANTS.FUNDING_INFO_RETRY_S)
            self._perpetual_trading.initialize_funding_info(funding_info)

    async def _read_funding_page(self, params: Dict[str, Any]) -> Any:
        return await self._api_get(path_url=CONSTANTS.FUNDING_HISTORY_PATH_URL, is_auth_required=True, params=params)

    async def _fetch_last_fee_payment(self, trading_pair: str) -> Tuple[float, Decimal, Decimal]:
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=trading_pair)
        history = await read_funding_history(self._read_funding_page, {symbol}, None,
                                             PERP_CONSTANTS.FUNDING_HISTORY_MAX_PAGES)
        if not history.of(symbol):
            return 0, Decimal("-1"), Decimal("-1")
        newest = history.of(symbol)[-1]
        return newest.timestamp, newest.rate, newest.amount

    async def _update_all_funding_payments(self, fire_event_on_new: bool):
        """One walk of the funding history for every pair per poll, instead of Hummingbot's one request per pair
        (`safe_gather` of `_update_funding_payment`): the poll loop is the only caller, one round at a time, so
        no request needs sharing between concurrent callers."""
        await self._update_funding_payments(list(self.trading_pairs), fire_event_on_new)

    async def _update_funding_payment(self, trading_pair: str, fire_event_on_new: bool) -> bool:
        return await self._update_funding_payments([trading_pair], fire_event_on_new)

    async def _update_funding_payments(self, trading_pairs: List[str], fire_event_on_new: bool) -> bool:
        """Hummingbot's bookkeeping for each pair from one walk of all markets' payments: for a pair without a last
        payment yet (a new connector) the pair's newest payment is recorded without an event; after that every
        payment newer than the pair's last one is emitted, oldest first, each exactly once, also in the round
        Hummingbot runs at a network (re)start (`fire_event_on_new` False): a restart is not a fresh start.

        How far back the walk reads: to the pair's last payment, but never below `_funding_history_mark` (the
        newest row of the last walk applied to every pair) less FUNDING_HISTORY_OVERLAP_S. Without the mark a
        pair that is never paid (no position) would make every poll read the whole history; every row older
        than the mark was already seen by that walk and given to its pair. The overlap re-reads the last
        intervals, so a payment the exchange writes a little after another market's of the same or the
        previous interval is still found (emitted once: only payments newer than the pair's last one are)."""
        last = {pair: self._last_funding_fee_payment_ts.get(pair) for pair in trading_pairs}
        initializing = [pair for pair in trading_pairs if last[pair] is None]
        mark = self._funding_history_mark
        cursors = [ts if mark is None else max(ts, mark) for pair, ts in last.items() if pair not in initializing]
        until = min(cursors) - PERP_CONSTANTS.FUNDING_HISTORY_OVERLAP_S if cursors else None
        try:  # the symbol lookup too: an error must not end Hummingbot's funding poll loop
            symbols = {pair: await self.exchange_symbol_associated_to_pair(trading_pair=pair) for pair in trading_pairs}
            history = await read_funding_history(self._read_funding_page, {symbols[p] for p in initializing}, until,
                                                 PERP_CONSTANTS.FUNDING_HISTORY_MAX_PAGES)
        except asyncio.CancelledError:
            raise
        except Exception:
            names = trading_pairs[0] if len(trading_pairs) == 1 else f"{len(trading_pairs)} pairs"
            self.logger().network(
                f"Unexpected error while fetching funding payments for {names}.", exc_info=True,
                app_warning_msg=f"Could not fetch funding payments for {names}. Check network connection.")
            return False
        if not history.complete:
            self.logger().warning(f"The funding history walk stopped short of the last known payments (after "
                                  f"{PERP_CONSTANTS.FUNDING_HISTORY_MAX_PAGES} pages, or the server ignored `offset`): "
                                  f"older funding payments may be missing.")
        for pair in trading_pairs:
            payments = history.of(symbols[pair])
            if pair in initializing:  # earlier payments are history
                self._last_funding_fee_payment_ts[pair] = payments[-1].timestamp if payments else 0
                continue
            for payment in payments:
                self._emit_funding_payment_event(pair, payment.timestamp, payment.rate, payment.amount,
                                                 fire_event_on_new=True)
        if history.newest is not None and set(self.trading_pairs) <= set(trading_pairs):
            self._funding_history_mark = max(history.newest, mark if mark is not None else history.newest)
        return True
