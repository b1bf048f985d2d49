"""`set_position_mode` as Strategy V2 calls it: V2 controller configs default `position_mode` to the plain
string "HEDGE" (an unvalidated pydantic default), so the connector receives a `str`, not a PositionMode."""
import asyncio
import logging
import unittest

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import (
    HEDGE_REFUSED,
    BackpackPerpetualDerivative,
    position_mode_from,
)
from hummingbot.core.data_type.common import PositionMode
from hummingbot.core.event.event_logger import EventLogger
from hummingbot.core.event.events import AccountEvent
from test.connector.backpack.helpers import API_KEY, API_SECRET


class PositionModeFromV2ConfigTests(unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        self.connector = BackpackPerpetualDerivative(backpack_perpetual_api_key=API_KEY,
                                                     backpack_perpetual_api_secret=API_SECRET,
                                                     trading_pairs=["SOL-USDC"])
        self.failed = EventLogger()
        self.succeeded = EventLogger()
        self.connector.add_listener(AccountEvent.PositionModeChangeFailed, self.failed)
        self.connector.add_listener(AccountEvent.PositionModeChangeSucceeded, self.succeeded)

    async def settle(self):
        for _ in range(5):
            await asyncio.sleep(0)

    def test_names_and_enums_are_parsed(self):
        self.assertEqual(PositionMode.HEDGE, position_mode_from("HEDGE"))
        self.assertEqual(PositionMode.ONEWAY, position_mode_from("oneway"))
        self.assertEqual(PositionMode.ONEWAY, position_mode_from("PositionMode.ONEWAY"))
        self.assertEqual(PositionMode.HEDGE, position_mode_from(PositionMode.HEDGE))
        self.assertIsNone(position_mode_from("NETTING"))
        self.assertIsNone(position_mode_from(None))

    async def test_hedge_as_plain_string_is_refused_with_one_clear_line_and_stays_oneway(self):
        logger = logging.getLogger(BackpackPerpetualDerivative.__module__)
        with self.assertLogs(logger, level="INFO") as logs:
            self.connector.set_position_mode("HEDGE")  # raised AttributeError ('str' has no 'name') before
            await self.settle()
        self.assertEqual(PositionMode.ONEWAY, self.connector.position_mode)
        self.assertEqual([("ERROR", HEDGE_REFUSED.format(mode="HEDGE"))],
                         [(record.levelname, record.getMessage()) for record in logs.records])
        self.assertEqual([PositionMode.HEDGE], [event.position_mode for event in self.failed.event_log])
        self.assertEqual([], self.succeeded.event_log)

    async def test_oneway_as_plain_string_succeeds(self):
        self.connector.set_position_mode("ONEWAY")
        await self.settle()
        self.assertEqual(PositionMode.ONEWAY, self.connector.position_mode)
        self.assertEqual([PositionMode.ONEWAY], [event.position_mode for event in self.succeeded.event_log])
        self.assertEqual([], self.failed.event_log)

    async def test_unknown_name_is_refused_and_nothing_changes(self):
        logger = logging.getLogger(BackpackPerpetualDerivative.__module__)
        with self.assertLogs(logger, level="INFO") as logs:
            self.connector.set_position_mode("NETTING")
            await self.settle()
        self.assertEqual(1, len(logs.output))
        self.assertIn("Unknown position mode 'NETTING'", logs.output[0])
        self.assertEqual(PositionMode.ONEWAY, self.connector.position_mode)
        self.assertEqual(([], []), (self.failed.event_log, self.succeeded.event_log))
