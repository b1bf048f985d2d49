"""A perp connector `self.derivative` with its own account and a counterparty account on one in-process emulator
(market data off): the set-up shared by the perp tests that trade against another account."""
import asyncio
import os
from decimal import Decimal
from unittest.mock import patch

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    BackpackPerpetualDerivative,
)
from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_client_order_ids import next_client_order_id
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.event.event_forwarder import EventForwarder
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import close_shared_http_session, wait_for
from test.connector.backpack_perpetual.emulator_case import PerpetualOnEmulatorCase

PAIR = "SOL-USDC"
PERP = "SOL_USDC_PERP"


class PerpetualVenueCase(PerpetualOnEmulatorCase):
    SERVER_KWARGS: dict = {}  # e.g. {"funding_interval_s": 1.0}

    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()  # never reuse a session bound to an earlier test's loop
        self.api_key, secret = generate_keypair()
        self.counterparty_key, counterparty_secret = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, seed=1, market_data=False,
                                     accounts={self.api_key: {"USDC": "1000"},
                                               self.counterparty_key: {"USDC": "100000"}}, **self.SERVER_KWARGS)
        await self.server.start()
        urls = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, urls):
            self.derivative = BackpackPerpetualDerivative(self.api_key, secret, trading_pairs=[PAIR])
            self.counterparty = BackpackPerpetualDerivative(self.counterparty_key, counterparty_secret,
                                                            trading_pairs=[PAIR])
        self.events = {tag: [] for tag in MarketEvent}
        self.forwarders = [EventForwarder(self.events[tag].append) for tag in MarketEvent]
        for tag, forwarder in zip(MarketEvent, self.forwarders):
            self.derivative.add_listener(tag, forwarder)
        self.clock_task = asyncio.ensure_future(self.drive_clock())
        await self.derivative.start_network()
        await wait_for(lambda: self.derivative.ready, "the connector to be ready")
        await wait_for(lambda: self.server.hub.wants_private(self.api_key), "the private subscription")
        await self.counterparty._update_time_synchronizer()
        await self.counterparty._update_trading_rules()

    async def counterparty_order(self, side: TradeType, amount: str, price: str):
        await self.counterparty._place_order(order_id=next_client_order_id(), trading_pair=PAIR,
                                             amount=Decimal(amount), trade_type=side, order_type=OrderType.LIMIT,
                                             price=Decimal(price), position_action=PositionAction.OPEN)

    def emulator_position(self) -> Decimal:
        position = self.server.exchange.positions.get((self.api_key, PERP))
        return position.net_quantity if position is not None else Decimal("0")

    async def assert_balances_equal_ledger(self):
        await self.derivative._update_all_balances()
        summary = self.server.exchange.settlement.margin_summary(self.api_key)
        # Alone in the process the perp reports the account's assets (here USDC only) + the unrealized PnL.
        self.assertTrue(self.derivative.reports_account_assets)
        usdc = self.server.exchange.ledger.total(self.api_key, "USDC")
        self.assertEqual(usdc + summary["pnlUnrealized"], self.derivative.get_balance("USDC"))
        self.assertEqual(summary["netEquityAvailable"], self.derivative.get_available_balance("USDC"))
        self.assertEqual({"USDC"}, set(self.derivative.get_all_balances()))
