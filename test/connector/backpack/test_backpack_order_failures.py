"""A create the exchange refused says why (issue 22, item 10 d): the user saw Hummingbot's "Failed to submit BUY
order to Backpack. Check API key and network connection." after a post-only order the exchange refused.
Hummingbot only shows that warning outside tests (`is_testing_mode`): these tests run as the application does."""
import json
from unittest.mock import MagicMock, patch

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_order_failures import refusal_reason
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.event.events import MarketEvent
from hummingbot.logger.logger import HummingbotLogger
from test.connector.backpack.order_test_case import BackpackOrderTestCase

CHECK_KEY = "Check API key and network connection"


class OrderFailureMessageTests(BackpackOrderTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.app = MagicMock()
        for patcher in (patch.object(HummingbotLogger, "is_testing_mode", return_value=False),
                        patch("hummingbot.client.hummingbot_application.HummingbotApplication.main_application",
                              return_value=self.app)):
            patcher.start()
            self.addCleanup(patcher.stop)

    async def create_and_read_warnings(self, **kwargs) -> list:
        with self.assertLogs(self.exchange.logger(), level="WARNING") as logs:
            await self.create(**kwargs)
        return logs.output + [str(c.args[0].warning_msg) for c in self.app.add_application_warning.call_args_list]

    async def test_post_only_refusal_says_why(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=json.dumps(
            {"code": "INVALID_ORDER", "message": "Order would immediately match and take liquidity"}))
        warnings = await self.create_and_read_warnings(order_type=OrderType.LIMIT_MAKER)
        self.assertEqual([], [w for w in warnings if CHECK_KEY in w])
        self.assertTrue(any("Backpack refused the buy LIMIT_MAKER order 700 (1.00 SOL-USDC at 180.00): Post-only "
                            "order 700 rejected by backpack: at 180.00 it would have taken liquidity." in w
                            for w in warnings),
                        warnings)
        self.assertEqual(["700"], [e.order_id for e in self.events[MarketEvent.OrderFailure].event_log])

    async def test_any_refusal_with_a_reason_says_it(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=json.dumps(
            {"code": "INSUFFICIENT_FUNDS", "message": "Insufficient funds"}))
        warnings = await self.create_and_read_warnings()
        self.assertEqual([], [w for w in warnings if CHECK_KEY in w])
        self.assertTrue(any("Insufficient funds (INSUFFICIENT_FUNDS, HTTP 400)" in w for w in warnings), warnings)
        self.assertIn("Insufficient funds", self.failure_messages()[0])

    async def test_no_refusal_keeps_hummingbots_advice(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=429, body=json.dumps(
            {"code": "TOO_MANY_REQUESTS", "message": "Too many requests"}))
        warnings = await self.create_and_read_warnings()
        self.assertTrue(any(CHECK_KEY in w for w in warnings), warnings)
        self.assertEqual(1, len(self.events[MarketEvent.OrderFailure].event_log))

    def test_refusal_reason(self):
        http = 'Error executing request POST http://x/api/v1/order. HTTP status is {}. Error: {}'
        self.assertEqual("Invalid quantity (INVALID_ORDER, HTTP 400)", refusal_reason(IOError(http.format(
            400, '{"code":"INVALID_ORDER","message":"Invalid quantity"}'))))
        self.assertEqual("Bad Request parse error (HTTP 400)", refusal_reason(IOError(http.format(
            400, 'Bad Request parse error'))))
        for no_answer in (IOError(http.format(503, '{"code":"SERVICE_UNAVAILABLE","message":"x"}')),
                          IOError(http.format(429, '{}')), TimeoutError(), IOError("Connection reset")):
            self.assertIsNone(refusal_reason(no_answer))
