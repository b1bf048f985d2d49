"""Checks a Backpack account end to end, then stops Hummingbot with an exit status (0 = all good).

    bin/hummingbot_quickstart.py -p "$CONFIG_PASSWORD" -f backpack_auth_test.py --headless

1. the connector becomes ready (keys accepted, balances and order book loaded);
2. logs the balances and the best bid / ask of the order book;
3. places a small post-only buy far below the best bid, waits until the exchange reports it open;
4. cancels it and waits until the exchange reports it cancelled.
Any failing step logs `Auth test FAILED: <reason>` and ends with status 1. For perpetuals, run it with a
config file containing `exchange: backpack_perpetual` (`-c backpack_auth_test_perp.yml`).
"""
import asyncio
import os
from decimal import ROUND_UP, Decimal
from typing import Dict, Optional, Set

from pydantic import Field

from hummingbot.client.config.config_data_types import BaseClientModel
from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.event.events import (
    BuyOrderCreatedEvent,
    MarketOrderFailureEvent,
    OrderCancelledEvent,
    SellOrderCreatedEvent,
)
from hummingbot.core.utils.async_utils import safe_ensure_future
from scripts.backpack_support import app_control, reports
from scripts.backpack_support.markets import default_markets, markets_of
from scripts.backpack_support.script_base import BackpackScriptBase


class BackpackAuthTestConfig(BaseClientModel):
    script_file_name: str = os.path.basename(__file__)
    exchange: str = Field("backpack", json_schema_extra={
        "prompt": "Connector to test (backpack or backpack_perpetual)", "prompt_on_new": True})
    trading_pair: str = Field("SOL-USDC", json_schema_extra={
        "prompt": "Trading pair for the order book and the test order", "prompt_on_new": True})
    distance_pct: Decimal = Field(Decimal("10"), gt=0, lt=100, json_schema_extra={
        "prompt": "How far below the best bid the post-only test order rests, in percent"})
    ready_timeout_s: float = Field(90.0, gt=0)
    step_timeout_s: float = Field(30.0, gt=0)


class CheckFailed(Exception):
    pass


class BackpackAuthTest(BackpackScriptBase):
    markets: Dict[str, Set[str]] = default_markets(BackpackAuthTestConfig)  # no config file: the defaults

    @classmethod
    def init_markets(cls, config: BackpackAuthTestConfig):
        cls.markets = markets_of(config)

    def __init__(self, connectors: Dict[str, ConnectorBase], config: Optional[BackpackAuthTestConfig] = None):
        super().__init__(connectors, config)
        self.config = config or BackpackAuthTestConfig()
        self._order_id: Optional[str] = None
        self._opened: asyncio.Future = asyncio.get_event_loop().create_future()
        self._cancelled: asyncio.Future = asyncio.get_event_loop().create_future()
        self._run_task = safe_ensure_future(self._run())

    @property
    def connector(self) -> ConnectorBase:
        return self.connectors[self.config.exchange]

    async def _run(self) -> None:
        try:
            await self._wait_until_ready()
            self._log_lines(reports.balance_lines(self.connector))
            self._require_some_balance()
            self._log_lines(reports.order_book_lines(self.connector, self.config.trading_pair))
            await self._place_and_cancel()
        except CheckFailed as failure:
            self.logger().error(f"Auth test FAILED: {failure}")
            app_control.finish(app_control.EXIT_CHECK_FAILED)
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # an unexpected bug must still end the run with a failure status
            self.logger().error(f"Auth test FAILED: unexpected error: {error!r}", exc_info=True)
            app_control.finish(app_control.EXIT_CHECK_FAILED)
            return
        self.logger().info("Auth test passed: authentication, balances, order book, order placement and "
                           "cancellation all work")
        app_control.finish(app_control.EXIT_OK)

    def _log_lines(self, lines) -> None:
        for line in lines:
            self.logger().info(line)

    async def _wait_until_ready(self) -> None:
        deadline = asyncio.get_event_loop().time() + self.config.ready_timeout_s
        while not self.connector.ready:
            if asyncio.get_event_loop().time() > deadline:
                missing = [name for name, ok in self.connector.status_dict.items() if not ok]
                raise CheckFailed(
                    f"{self.config.exchange} not ready after {self.config.ready_timeout_s:.0f} s (waiting for: "
                    f"{', '.join(missing)}). Check the API key and secret, the system clock, and "
                    f"BACKPACK_REST_URL / BACKPACK_WS_URL; the log above has the exchange's error")
            await asyncio.sleep(0.5)
        self.logger().info(f"Connector {self.config.exchange} is ready")

    def _require_some_balance(self) -> None:
        # `available_balances` too: beside a spot connector of the same key, a perp connector's USDC total is only
        # its positions' PnL (its margin is what is available), the account's assets being the spot rows.
        held = list(self.connector.get_all_balances().values()) + list(self.connector.available_balances.values())
        if not any(amount > 0 for amount in held):
            raise CheckFailed("the account has zero balances: deposit funds (or, on the emulator, "
                              "start it with --account KEY:USDC=10000) before testing orders")

    def _test_order(self):
        """Side, amount and price of a post-only order that cannot fill: far below the bid, or above the ask."""
        pair = self.config.trading_pair
        rule = self.connector.trading_rules.get(pair)
        if rule is None:
            raise CheckFailed(f"no trading rules for {pair}: is it listed on {self.config.exchange}?")
        distance = self.config.distance_pct / Decimal(100)
        base, quote = pair.split("-")
        for side in (TradeType.BUY, TradeType.SELL):
            if side == TradeType.BUY:
                price = self.connector.get_price(pair, False) * (1 - distance)
            else:
                price = self.connector.get_price(pair, True) * (1 + distance)
            price = self.connector.quantize_order_price(pair, price)
            amount = max(rule.min_order_size, (rule.min_notional_size / price).quantize(
                rule.min_base_amount_increment, rounding=ROUND_UP) if price > 0 else rule.min_order_size)
            amount = self.connector.quantize_order_amount(pair, amount)
            if amount <= 0 or price <= 0:
                continue
            is_perp = "perpetual" in self.config.exchange
            funds_asset, needed = (quote, amount * price) if side == TradeType.BUY or is_perp else (base, amount)
            if self.connector.get_available_balance(funds_asset) >= needed:
                return side, amount, price
        raise CheckFailed(f"not enough available balance on {pair} for the smallest order "
                          f"(min size {rule.min_order_size}, min notional {rule.min_notional_size})")

    async def _place_and_cancel(self) -> None:
        side, amount, price = self._test_order()
        pair = self.config.trading_pair
        self.logger().info(f"Placing a post-only {side.name} order: {amount} {pair} at {price} "
                           f"({self.config.distance_pct}% away from the book)")
        place = self.buy if side == TradeType.BUY else self.sell
        self._order_id = place(self.config.exchange, pair, amount, OrderType.LIMIT_MAKER, price,
                               PositionAction.OPEN)
        exchange_order_id = await self._wait(self._opened, "the order to be reported open")
        self.logger().info(f"Order {self._order_id} is open on the exchange (exchange order id {exchange_order_id})")

        self.logger().info(f"Cancelling order {self._order_id}")
        self.cancel(self.config.exchange, pair, self._order_id)
        await self._wait(self._cancelled, "the order to be reported cancelled")
        if self._order_id in self.connector.in_flight_orders:
            raise CheckFailed(f"order {self._order_id} is still tracked as open after its cancellation")
        self.logger().info(f"Order {self._order_id} is cancelled")

    async def _wait(self, future: asyncio.Future, what: str):
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.config.step_timeout_s)
        except asyncio.TimeoutError:
            raise CheckFailed(f"timed out after {self.config.step_timeout_s:.0f} s waiting for {what}") from None

    def _resolve(self, future: asyncio.Future, value=None, error: Optional[str] = None) -> None:
        if future.done():
            return
        if error is None:
            future.set_result(value)
        else:
            future.set_exception(CheckFailed(error))

    def did_create_buy_order(self, event: BuyOrderCreatedEvent):
        if event.order_id == self._order_id:
            self._resolve(self._opened, event.exchange_order_id)

    def did_create_sell_order(self, event: SellOrderCreatedEvent):
        if event.order_id == self._order_id:
            self._resolve(self._opened, event.exchange_order_id)

    def did_cancel_order(self, event: OrderCancelledEvent):
        if event.order_id == self._order_id:
            self._resolve(self._cancelled)

    def did_fail_order(self, event: MarketOrderFailureEvent):
        if event.order_id == self._order_id:
            reason = getattr(event, "error_message", None) or "see the connector's log lines above"
            self._resolve(self._opened, error=f"the exchange rejected the order: {reason}")

    async def on_stop(self):
        if not self._run_task.done():
            self._run_task.cancel()

    def format_status(self) -> str:
        return f"Backpack auth test on {self.config.exchange} {self.config.trading_pair}; order: {self._order_id}"
