"""History queries do not depend on Backpack's undocumented default order: the connector sends `sortDirection`
and pages explicitly, so it finds an order's fills and final state whichever default the server has."""
import os
import time
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from unittest.mock import patch

from backpack_emulator.keys import generate_keypair
from backpack_emulator.server import EmulatorServer

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from test.connector.backpack.helpers import close_shared_http_session

SYMBOL, PAIR = "SOL_USDC", "SOL-USDC"


class HistoryOrderTests:
    """Mixed into one suite per server default (below)."""
    DEFAULT_SORT = "Desc"

    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()
        self.api_key, secret = generate_keypair()
        self.maker_key, _ = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, market_data=False, history_default_sort=self.DEFAULT_SORT,
                                     accounts={self.api_key: {"USDC": "100000", "SOL": "1000"},
                                               self.maker_key: {"USDC": "100000", "SOL": "1000"}})
        await self.server.start()
        env = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, env):
            self.exchange = BackpackExchange(self.api_key, secret, trading_pairs=[PAIR])
        self.exchange.HISTORY_PAGE_LIMIT = 3  # a few rows make several pages
        self.exchange._set_current_timestamp(time.time())
        await self.exchange._update_time_synchronizer()
        await self.exchange._update_trading_rules()

    async def asyncTearDown(self):
        await self.server.stop()
        await close_shared_http_session()
        await super().asyncTearDown()

    def trade(self, client_id: int, fills: int) -> str:
        """Our buy of `fills` SOL taking `fills` maker asks of 1 SOL each: one fill per maker order."""
        ex = self.server.exchange
        for _ in range(fills):
            ex.execute_order(self.maker_key, {"symbol": SYMBOL, "side": "Ask", "orderType": "Limit",
                                              "quantity": "1", "price": "180"})
        return ex.execute_order(self.api_key, {"symbol": SYMBOL, "side": "Bid", "orderType": "Limit",
                                               "quantity": str(fills), "price": "180", "clientId": client_id}).id

    def track(self, client_id: int, amount: int, exchange_order_id=None):
        self.exchange.start_tracking_order(order_id=str(client_id), exchange_order_id=exchange_order_id,
                                           trading_pair=PAIR, trade_type=TradeType.BUY, price=Decimal("180"),
                                           amount=Decimal(amount), order_type=OrderType.LIMIT)
        return self.exchange.in_flight_orders[str(client_id)]

    def sent_directions(self, path: str):
        return {r["params"].get("sortDirection") for r in self.server.request_log.entries(path=path, method="GET")}

    async def test_newest_order_without_exchange_id_is_found_in_history_and_fills(self):
        for client_id in range(1, 8):  # older orders of the account, one fill each
            self.trade(client_id, 1)
        self.trade(100, 2)  # ours, the newest, whose create got no answer (so no exchange id)
        order = self.track(100, 2)
        fills = await self.exchange._fills_for_order(order)
        self.assertEqual([Decimal("1"), Decimal("1")], [f.amount for f in fills])
        update = await self.exchange._request_order_status(order)
        self.assertEqual(OrderState.FILLED, update.new_state)
        self.assertEqual({"Desc"}, self.sent_directions("/wapi/v1/history/fills"))
        self.assertEqual({"Desc"}, self.sent_directions("/wapi/v1/history/orders"))

    async def test_every_fill_of_an_order_is_read_page_by_page(self):
        exchange_order_id = self.trade(200, 7)
        for client_id in range(1, 4):
            self.trade(client_id, 1)  # newer fills of other orders
        order = self.track(200, 7, exchange_order_id)
        fills = await self.exchange._fills_for_order(order)
        self.assertEqual(7, len({f.trade_id for f in fills}))
        self.assertEqual({"Asc"}, self.sent_directions("/wapi/v1/history/fills"))
        offsets = [r["params"]["offset"] for r in self.server.request_log.entries(path="/wapi/v1/history/fills")]
        self.assertEqual(["0", "3", "6"], offsets)


class HistoryWithDescDefaultTests(HistoryOrderTests, IsolatedAsyncioWrapperTestCase):
    DEFAULT_SORT = "Desc"


class HistoryWithAscDefaultTests(HistoryOrderTests, IsolatedAsyncioWrapperTestCase):
    DEFAULT_SORT = "Asc"
