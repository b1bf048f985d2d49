import asyncio
import os
import time
import unittest
from unittest.mock import patch

from aioresponses import aioresponses

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.connector.exchange.backpack.backpack_rate_limits import RateLimitBackoff, shared_request_pool
from hummingbot.core.api_throttler.async_throttler import AsyncThrottler
from test.connector.backpack.helpers import API_KEY, API_SECRET, ClosesSharedHttpSession


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class RateLimitDefinitionTests(unittest.TestCase):

    def test_limits(self):
        limits = {limit.limit_id: limit for limit in CONSTANTS.RATE_LIMITS}
        self.assertEqual((2000, 60.0), (limits[CONSTANTS.GLOBAL_LIMIT_ID].limit,
                                        limits[CONSTANTS.GLOBAL_LIMIT_ID].time_interval))
        self.assertEqual((30, 60.0), (limits[CONSTANTS.HISTORICAL_LIMIT_ID].limit,
                                      limits[CONSTANTS.HISTORICAL_LIMIT_ID].time_interval))
        klines_pools = {pair.limit_id for pair in limits[CONSTANTS.KLINES_PATH_URL].linked_limits}
        self.assertEqual({CONSTANTS.GLOBAL_LIMIT_ID, CONSTANTS.HISTORICAL_LIMIT_ID}, klines_pools)
        order_pools = {pair.limit_id for pair in limits[CONSTANTS.ORDER_PATH_URL].linked_limits}
        self.assertEqual({CONSTANTS.GLOBAL_LIMIT_ID}, order_pools)

    def test_historical_budget_is_30_per_minute(self):
        async def count_within(throttler, limit_id, attempts, seconds):
            done = 0

            async def one():
                nonlocal done
                async with throttler.execute_task(limit_id):
                    done += 1
            tasks = [asyncio.ensure_future(one()) for _ in range(attempts)]
            await asyncio.sleep(seconds)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return done

        async def scenario():
            throttler = AsyncThrottler(CONSTANTS.RATE_LIMITS)
            historical = await count_within(throttler, CONSTANTS.KLINES_PATH_URL, 40, 0.3)
            standard = await count_within(throttler, CONSTANTS.DEPTH_PATH_URL, 100, 0.3)
            return historical, standard

        historical, standard = asyncio.run(scenario())
        self.assertEqual(30, historical)
        self.assertEqual(100, standard)


class SharedPoolTests(ClosesSharedHttpSession, unittest.IsolatedAsyncioTestCase):

    async def test_connectors_of_one_account_share_one_throttler(self):
        first = BackpackExchange(API_KEY, API_SECRET, trading_pairs=[])
        second = BackpackExchange(API_KEY, API_SECRET, trading_pairs=["SOL-USDC"])
        public = BackpackExchange(trading_required=False, trading_pairs=[])
        self.assertIs(first._throttler, second._throttler)
        self.assertIs(first._web_assistants_factory.throttler, second._web_assistants_factory.throttler)
        self.assertIsNot(first._throttler, public._throttler)
        self.assertIs(shared_request_pool(API_KEY).throttler, first._throttler)


class BackoffTests(ClosesSharedHttpSession, unittest.IsolatedAsyncioTestCase):

    def test_pause_doubles_and_resets(self):
        clock = FakeClock()
        backoff = RateLimitBackoff(clock=clock, initial_s=1.0, max_s=4.0)
        self.assertEqual(0.0, backoff.remaining_pause())
        self.assertEqual([1.0, 2.0, 4.0, 4.0], [backoff.on_rate_limited() for _ in range(4)])
        self.assertAlmostEqual(4.0, backoff.remaining_pause())
        clock.now += 10
        self.assertEqual(0.0, backoff.remaining_pause())
        backoff.on_success()
        self.assertEqual(1.0, backoff.on_rate_limited())
        self.assertEqual(0.5, backoff.on_rate_limited(retry_after_s=0.5))

    async def test_429_pauses_the_next_request_instead_of_hammering(self):
        exchange = BackpackExchange("backoff-test-key", API_SECRET, trading_pairs=[])
        exchange._time_synchronizer.add_time_offset_ms_sample(0)
        url = web_utils.rest_url(CONSTANTS.CAPITAL_PATH_URL, exchange.rest_base_url)
        with aioresponses() as mock_api:
            mock_api.get(url, status=429, headers={"Retry-After": "0.4"},
                         body='{"code":"TOO_MANY_REQUESTS","message":"Too many requests"}')
            mock_api.get(url, body="{}")
            with self.assertRaises(IOError) as context:
                await exchange._api_get(path_url=CONSTANTS.CAPITAL_PATH_URL, is_auth_required=True)
            self.assertIn("429", str(context.exception))
            started = time.monotonic()
            await exchange._api_get(path_url=CONSTANTS.CAPITAL_PATH_URL, is_auth_required=True)
            self.assertGreaterEqual(time.monotonic() - started, 0.35)
            self.assertEqual(2, sum(len(calls) for calls in mock_api.requests.values()))


class UrlTests(ClosesSharedHttpSession, unittest.IsolatedAsyncioTestCase):

    async def test_env_urls_are_read_when_the_connector_is_created(self):
        env = {"BACKPACK_REST_URL": "http://127.0.0.1:8123", "BACKPACK_WS_URL": "ws://127.0.0.1:8123/ws"}
        with patch.dict(os.environ, env):
            pointed = BackpackExchange(trading_required=False, trading_pairs=[])
        self.assertEqual("http://127.0.0.1:8123/", pointed.rest_base_url)
        self.assertEqual("ws://127.0.0.1:8123/ws", pointed.ws_base_url)
        self.assertEqual("http://127.0.0.1:8123/api/v1/order", await pointed._api_request_url(CONSTANTS.ORDER_PATH_URL))
        self.assertEqual("ws://127.0.0.1:8123/ws", pointed._orderbook_ds._ws_url)
        with patch.dict(os.environ, {}):
            os.environ.pop("BACKPACK_REST_URL", None)
            os.environ.pop("BACKPACK_WS_URL", None)
            default = BackpackExchange(trading_required=False, trading_pairs=[])
        self.assertEqual("https://api.backpack.exchange/", default.rest_base_url)
        self.assertEqual("wss://ws.backpack.exchange/", default.ws_base_url)
        self.assertEqual("http://127.0.0.1:8123/", pointed.rest_base_url)  # unchanged by later env changes

    async def test_server_time_is_read_from_text_plain(self):
        with aioresponses() as mock_api:
            mock_api.get("http://127.0.0.1:9/api/v1/time", body="1753131712992", content_type="text/plain")
            server_time = await web_utils.get_current_server_time(base_url="http://127.0.0.1:9/")
        self.assertEqual(1753131712992.0, server_time)
