"""Two bots on one account: two connectors in two processes against one emulator account, creating orders in
the same milliseconds, never issue the same clientId; a clientId the exchange refuses as a duplicate fails our
order clearly and is never taken for the other bot's order."""
import asyncio
import json
import os
import sys
import tempfile
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
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import close_shared_http_session

ORDERS_PER_BOT = 20
BOT = r"""
import asyncio, json, sys, time
from decimal import Decimal
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType

async def main(api_key, secret, count):
    bot = BackpackExchange(api_key, secret, trading_pairs=["SOL-USDC"])
    await bot._update_time_synchronizer()
    await bot._update_trading_rules()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go": both bots at once
    bot._set_current_timestamp(time.time())
    issued_at = time.time()
    order_ids = [bot.buy("SOL-USDC", Decimal("0.1"), OrderType.LIMIT, Decimal("100")) for _ in range(count)]
    deadline = time.time() + 20
    def settled(i):
        order = bot._order_tracker.fetch_order(i)
        return order is not None and (order.is_done or order.exchange_order_id is not None)
    await asyncio.sleep(0)
    while time.time() < deadline and not all(settled(i) for i in order_ids):
        await asyncio.sleep(0.05)
    orders = {i: [bot._order_tracker.fetch_order(i).exchange_order_id, bot._order_tracker.fetch_order(i).current_state.name]
              for i in order_ids}
    print(json.dumps({"issued_at": issued_at, "orders": orders}), flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


class TwoBotsOneAccountTests(IsolatedAsyncioWrapperTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        await close_shared_http_session()
        self.api_key, self.secret = generate_keypair()
        self.server = EmulatorServer(host="127.0.0.1", port=0, market_data=False,
                                     accounts={self.api_key: {"USDC": "100000", "SOL": "1000"}})
        await self.server.start()

    async def asyncTearDown(self):
        await self.server.stop()
        await close_shared_http_session()
        await super().asyncTearDown()

    async def test_two_processes_creating_orders_in_the_same_milliseconds_never_collide(self):
        with tempfile.TemporaryDirectory() as lock_dir:
            env = {**os.environ, CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url,
                   CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url, "BACKPACK_CLIENT_ID_LOCK_DIR": lock_dir,
                   "PYTHONPATH": os.getcwd()}
            bots = [await asyncio.create_subprocess_exec(
                sys.executable, "-c", BOT, self.api_key, self.secret, str(ORDERS_PER_BOT), env=env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
                for _ in range(2)]
            for bot in bots:  # both connected and ready
                self.assertEqual(b"ready", (await asyncio.wait_for(bot.stdout.readline(), 60)).strip())
            for bot in bots:
                bot.stdin.write(b"go\n")
            await asyncio.gather(*[bot.stdin.drain() for bot in bots])
            outputs = await asyncio.wait_for(asyncio.gather(*[bot.communicate() for bot in bots]), 60)
        results = []
        for bot, (stdout, stderr) in zip(bots, outputs):
            self.assertEqual(0, bot.returncode, stderr.decode()[-2000:])
            results.append(json.loads(stdout.decode().strip().splitlines()[-1]))
        self.assertLess(abs(results[0]["issued_at"] - results[1]["issued_at"]), 0.05)  # the same milliseconds
        mine, theirs = (set(r["orders"]) for r in results)
        self.assertEqual((ORDERS_PER_BOT, ORDERS_PER_BOT, set()), (len(mine), len(theirs), mine & theirs))
        resting = {str(o.client_id): o.id for o in self.server.exchange.open_orders.values()}
        self.assertEqual(mine | theirs, set(resting))  # every order of both bots was accepted
        for result in results:  # and each bot tracks exactly its own orders, with their exchange ids
            self.assertEqual({i: [resting[i], "OPEN"] for i in result["orders"]}, result["orders"])
        duplicates = [r for r in self.server.request_log.entries(path="/api/v1/order", method="POST")
                      if r["status"] != 200]
        self.assertEqual([], duplicates)

    async def test_a_refused_duplicate_client_id_is_never_taken_for_the_other_bots_order(self):
        env = {CONSTANTS.REST_URL_ENV_VAR: self.server.rest_url, CONSTANTS.WS_URL_ENV_VAR: self.server.ws_url}
        with patch.dict(os.environ, env):
            bot = BackpackExchange(self.api_key, self.secret, trading_pairs=["SOL-USDC"])
        await bot._update_time_synchronizer()
        await bot._update_trading_rules()
        bot._set_current_timestamp(time.time())
        failures = EventLogger()
        bot.add_listener(MarketEvent.OrderFailure, failures)
        other = self.server.exchange.execute_order(self.api_key, {  # the other bot's open order, same clientId
            "symbol": "SOL_USDC", "side": "Ask", "orderType": "Limit", "quantity": "2", "price": "300",
            "clientId": 4242})
        await bot._create_order(TradeType.BUY, "4242", "SOL-USDC", Decimal("1"), OrderType.LIMIT, Decimal("100"))
        await asyncio.sleep(0.05)
        order = bot._order_tracker.fetch_order("4242")
        self.assertEqual((OrderState.FAILED, None), (order.current_state, order.exchange_order_id))
        self.assertIn("already exists", failures.event_log[0].error_message)
        self.assertEqual([], self.server.request_log.entries(path="/api/v1/order", method="GET"))  # not looked up
        self.assertTrue(other.is_open)
        # a status poll or the stream reporting the other bot's order under that clientId never touches ours
        await bot._update_order_status()
        event = other.ws_event("orderFill", 0, 0, {"t": 1, "l": "1", "L": "300", "m": True, "n": "0", "N": "USDC"})
        await bot._process_order_event(event)
        self.assertEqual((OrderState.FAILED, Decimal("0")), (order.current_state, order.executed_amount_base))
