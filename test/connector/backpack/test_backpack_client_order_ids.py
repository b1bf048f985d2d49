import asyncio
import unittest
from decimal import Decimal
from unittest.mock import AsyncMock

from hummingbot.connector.exchange.backpack import backpack_client_order_ids as ids
from hummingbot.connector.exchange.backpack.backpack_constants import CLIENT_ID_MAX
from hummingbot.core.data_type.common import OrderType


class FakeClock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


class ClientOrderIdTests(unittest.TestCase):

    def test_million_ids_without_collision_all_uint32(self):
        generated = [ids.next_client_order_id() for _ in range(1_000_000)]
        self.assertEqual(len(generated), len(set(generated)))
        numbers = [int(i) for i in generated]
        self.assertTrue(all(0 <= n <= CLIENT_ID_MAX for n in numbers))
        self.assertEqual(sorted(numbers), numbers)  # monotonic

    def test_ids_are_time_seeded(self):
        clock = FakeClock(ids.ID_EPOCH_S + 1000.0)
        generator = ids.ClientOrderIdGenerator(clock=clock)
        self.assertEqual(10_000, generator.next_client_id())
        self.assertEqual(10_001, generator.next_client_id())
        clock.now += 60
        self.assertEqual(10_600, generator.next_client_id())

    def test_restart_starts_above_previous_run(self):
        clock = FakeClock(ids.ID_EPOCH_S + 5000.0)
        first_run = ids.ClientOrderIdGenerator(clock=clock)
        last_of_first_run = [first_run.next_client_id() for _ in range(10)][-1]  # 10 ids within one second
        clock.now += 1.0  # the process restarts a second later
        second_run = ids.ClientOrderIdGenerator(clock=clock)
        self.assertGreater(second_run.next_client_id(), last_of_first_run)

    def test_spot_connector_and_another_connector_never_collide(self):
        async def interleave():
            from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
            spot = BackpackExchange(trading_required=False, trading_pairs=["SOL-USDC"])
            spot._create_order = AsyncMock()
            from_spot, from_other = set(), set()
            for _ in range(1000):
                from_spot.add(spot.buy("SOL-USDC", Decimal("1"), OrderType.LIMIT, Decimal("100")))
                from_other.add(ids.next_client_order_id())  # what the perp connector calls
            await asyncio.sleep(0)
            return from_spot, from_other

        from_spot, from_other = asyncio.run(interleave())
        self.assertEqual(1000, len(from_spot))
        self.assertEqual(1000, len(from_other))
        self.assertFalse(from_spot & from_other)

    def test_mapping_both_ways(self):
        self.assertEqual(123, ids.client_id_for("123"))
        self.assertEqual(CLIENT_ID_MAX, ids.client_id_for(str(CLIENT_ID_MAX)))
        self.assertIsNone(ids.client_id_for(str(CLIENT_ID_MAX + 1)))
        self.assertIsNone(ids.client_id_for("HBOT-B-SOL-1"))
        self.assertIsNone(ids.client_id_for("١٢"))  # non-ASCII digits are not ours
        self.assertEqual("123", ids.client_order_id_for(123))
        self.assertEqual("123", ids.client_order_id_for("123"))  # fill history sends a string
        self.assertIsNone(ids.client_order_id_for(None))
