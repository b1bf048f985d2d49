import asyncio
import subprocess
import sys
import tempfile
import unittest
from decimal import Decimal
from unittest.mock import AsyncMock, patch

from hummingbot.connector.exchange.backpack import backpack_client_order_ids as ids
from hummingbot.connector.exchange.backpack.backpack_constants import CLIENT_ID_MAX
from hummingbot.core.data_type.common import OrderType, TradeType


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
        self.assertEqual(1, len({n >> ids.COUNTER_BITS for n in numbers}))  # one slot per process

    def test_ids_are_slot_and_time_seeded_counter(self):
        clock = FakeClock(ids.ID_EPOCH_S + 1000.0)
        generator = ids.ClientOrderIdGenerator(clock=clock, slot=5)
        base = 5 << ids.COUNTER_BITS
        self.assertEqual(base + 4_000, generator.next_client_id())
        self.assertEqual(base + 4_001, generator.next_client_id())
        clock.now += 60
        self.assertEqual(base + 4_240, generator.next_client_id())
        clock.now += ids.COUNTER_SPACE / ids.TICKS_PER_SECOND  # the counter wraps, the slot stays
        self.assertEqual(base + 4_240, generator.next_client_id())
        top = ids.ClientOrderIdGenerator(clock=clock, slot=ids.SLOTS - 1)
        self.assertLessEqual(top.next_client_id(), CLIENT_ID_MAX)

    def test_restart_starts_above_previous_run(self):
        clock = FakeClock(ids.ID_EPOCH_S + 5000.0)
        first_run = ids.ClientOrderIdGenerator(clock=clock, slot=3)
        last_of_first_run = [first_run.next_client_id() for _ in range(4)][-1]  # 4 ids within one second
        clock.now += 1.0  # the process restarts a second later (and gets the same slot)
        second_run = ids.ClientOrderIdGenerator(clock=clock, slot=3)
        self.assertGreater(second_run.next_client_id(), last_of_first_run)

    def test_slots_are_held_by_one_process_at_a_time(self):
        with tempfile.TemporaryDirectory() as directory:
            script = ("import sys, time; from hummingbot.connector.exchange.backpack.backpack_client_order_ids "
                      "import SlotLock; lock = SlotLock(sys.argv[1], start=0); print(lock.slot, flush=True); "
                      "time.sleep(30)")
            holders = [subprocess.Popen([sys.executable, "-c", script, directory], stdout=subprocess.PIPE, text=True)
                       for _ in range(2)]
            try:
                slots = {int(holder.stdout.readline()) for holder in holders}
                self.assertEqual({0, 1}, slots)  # both asked for slot 0 first: the second got the next one
                mine = ids.SlotLock(directory, start=0)
                self.assertEqual(2, mine.slot)
                mine.release()
                holders[0].kill()
                holders[0].wait(10)
                again = ids.SlotLock(directory, start=0)
                self.assertIn(again.slot, slots)  # a slot is free again once its process has ended
                again.release()
            finally:
                for holder in holders:
                    holder.kill()
                    holder.wait(10)

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


class RestoredIdsTests(unittest.TestCase):
    """Issue 22, item 10 (a): a run that issued more than 4 ids/s on average is ahead of the clock; restarted with
    the same slot, the process issued the ids of its previous run's orders again, and Hummingbot's tracker
    replaced the restored (live) order by the new one."""

    def previous_run(self, clock: FakeClock, count: int) -> list:
        run = ids.ClientOrderIdGenerator(clock=clock, slot=7)
        return [run.next_client_id() for _ in range(count)]

    def test_counter_continues_above_restored_ids_of_its_slot(self):
        clock = FakeClock(ids.ID_EPOCH_S + 7000.0)
        issued = self.previous_run(clock, 400)  # 400 ids in the same second: 100 s ahead of the clock
        clock.now += 10.0  # restarted 10 s later, same slot
        restarted = ids.ClientOrderIdGenerator(clock=clock, slot=7)
        restarted.note_in_use(issued[-1])
        restarted.note_in_use((8 << ids.COUNTER_BITS) | 12345)  # another slot's id changes nothing
        self.assertEqual(issued[-1] + 1, restarted.next_client_id())

    def test_restored_ids_near_the_counter_wrap(self):
        clock = FakeClock(ids.ID_EPOCH_S + (ids.COUNTER_SPACE - 2) / ids.TICKS_PER_SECOND)
        issued = self.previous_run(clock, 20)  # wraps past the top of the counter
        restarted = ids.ClientOrderIdGenerator(clock=clock, slot=7)
        for client_id in issued:
            restarted.note_in_use(client_id)
        fresh = restarted.next_client_id()
        self.assertNotIn(fresh, issued)
        self.assertEqual(issued[-1] + 1, fresh)

    def test_a_restored_order_is_never_replaced_by_a_new_one(self):
        async def restart_and_place():
            from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
            clock = FakeClock(ids.ID_EPOCH_S + 9000.0)
            restored = [str(i) for i in self.previous_run(clock, 300)][40:42]  # two of its orders are still open
            clock.now += 10.0  # the restart: 40 ticks later, where the previous run's ids went on
            saved_exchange = BackpackExchange(trading_required=False, trading_pairs=["SOL-USDC"])
            for order_id in restored:
                saved_exchange.start_tracking_order(order_id=order_id, exchange_order_id=f"x{order_id}",
                                                    trading_pair="SOL-USDC", trade_type=TradeType.BUY,
                                                    price=Decimal("100"), amount=Decimal("1"),
                                                    order_type=OrderType.LIMIT)
            saved = saved_exchange.tracking_states
            with patch.object(ids, "_GENERATOR", ids.ClientOrderIdGenerator(clock=clock, slot=7)):
                exchange = BackpackExchange(trading_required=False, trading_pairs=["SOL-USDC"])
                exchange._create_order = AsyncMock()
                exchange.restore_tracking_states(saved)
                new_ids = [exchange.buy("SOL-USDC", Decimal("1"), OrderType.LIMIT, Decimal("99")) for _ in range(3)]
            await asyncio.sleep(0)
            return restored, new_ids, exchange

        restored, new_ids, exchange = asyncio.run(restart_and_place())
        self.assertFalse(set(restored) & set(new_ids))
        self.assertEqual({f"x{i}" for i in restored},
                         {exchange.in_flight_orders[i].exchange_order_id for i in restored})

    def test_an_id_still_tracked_is_skipped(self):
        with patch.object(ids, "_GENERATOR", ids.ClientOrderIdGenerator(clock=FakeClock(ids.ID_EPOCH_S), slot=1)):
            taken = {str(1 << ids.COUNTER_BITS), str((1 << ids.COUNTER_BITS) + 1)}
            self.assertEqual(str((1 << ids.COUNTER_BITS) + 2), ids.next_free_client_order_id(taken.__contains__))
