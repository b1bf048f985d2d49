"""Each benchmark at a tiny size, so the bench code cannot rot: values are sane and counts are right.
No speed assertion here (speed targets live in bench/, never in timed tests)."""
import asyncio
import math
import unittest

from backpack_emulator.server import EmulatorServer
from bench import (
    depth_bench,
    emulator_bench,
    info_logging_bench,
    market_scale_bench,
    memory_bench,
    order_polling_bench,
    rest_usage_bench,
    round_trip_bench,
    scale_startup_bench,
    sign_bench,
    startup_bench,
)
from bench.__main__ import parse_args, results_markdown
from bench.report import Row, linear_slope, percentile, text_table


class ReportHelpersTests(unittest.TestCase):

    def test_percentile_slope_and_tables(self):
        self.assertEqual(50, percentile(list(range(1, 101)), 0.5))
        self.assertEqual(99, percentile(list(range(1, 101)), 0.99))
        self.assertAlmostEqual(2.0, linear_slope([0, 1, 2], [1, 3, 5]))
        self.assertIsNone(linear_slope([1], [1]))
        row = Row.ratio("sign", "connector / floor", 1.5, 1.3)
        self.assertEqual(("1.50x", "MISSED"), (row.value, row.verdict))
        self.assertIn("connector / floor", text_table([row]))
        self.assertIn("| cores |", results_markdown([row], [], 1.0))

    def test_cli_rejects_unknown_bench_and_bad_sizes(self):
        with self.assertRaises(SystemExit):
            parse_args(["--only", "nope"])
        with self.assertRaises(SystemExit):
            parse_args(["--orders", "0"])
        self.assertEqual(600.0, parse_args(["--soak-seconds", "600"]).soak_seconds)


class BenchSmokeTests(unittest.TestCase):

    def run_async(self, coroutine, timeout: float = 30.0):
        return asyncio.run(asyncio.wait_for(coroutine, timeout))

    def assert_positive_ratio(self, result):
        self.assertTrue(result.ratio > 0 and math.isfinite(result.ratio), result.ratio)

    def test_depth(self):
        data = depth_bench.generate(50)
        self.assertEqual(50, len(data.frames))
        result = self.run_async(depth_bench.run(diffs=200, rounds=1))  # also checks both books end equal
        self.assertEqual(200, result.count)
        self.assert_positive_ratio(result)
        self.assertEqual(5, len(result.rows()))
        self.assertGreater(min(result.parse_floor_s, result.json_decode_s, result.connector_decode_s), 0)

    def test_sign(self):
        result = self.run_async(sign_bench.run(count=50, rounds=1))
        self.assertEqual(50, result.count)
        self.assert_positive_ratio(result)

    def test_round_trip(self):
        result = self.run_async(round_trip_bench.run(orders=3, warmup=1, accounts=2))  # pooled: 2 x 3 orders
        for latencies in (result.open, result.cancel, result.fill):
            self.assertEqual((6, 6), (len(latencies.totals_ms), len(latencies.floor_ms)))
            self.assertTrue(all(0 < own <= total for own, total in zip(latencies.connector_ms, latencies.totals_ms)))
            self.assertTrue(all(floor > 0 for floor in latencies.floor_ms))
        self.assertEqual((6, 0, 6), (len(result.open.connector_ms), len(result.cancel.connector_ms),
                                     len(result.fill.connector_ms)))
        self.assertGreater(result.emulator_processing_ms_p50, 0)
        self.assertEqual(6, len([row for row in result.rows() if "connector / floor" in row.measure]))
        self.assertTrue(all("bootstrap interval" in row.value for row in result.rows() if "/ floor" in row.measure))
        self.assertEqual((6, 6), (len(result.fill.connector_cpu_ms), len(result.fill.floor_cpu_ms)))
        self.assertTrue(all(cpu > 0 for cpu in result.fill.connector_cpu_ms + result.fill.floor_cpu_ms))
        self.assertEqual(1, len([row for row in result.rows() if "CPU in the client's process" in row.measure]))

    def test_round_trip_ratio_interval(self):
        floor = [1.0 + (i % 97) / 50 for i in range(2000)]
        self.assertEqual((1.2, 1.2), tuple(round(x, 6) for x in round_trip_bench.ratio_interval(
            [1.2 * f for f in floor], floor, 0.99)))
        noisy = [f * (1.1 + (i * 7919 % 13) / 40) for i, f in enumerate(floor)]
        low, high = round_trip_bench.ratio_interval(noisy, floor, 0.99)
        point = percentile(noisy, 0.99) / percentile(floor, 0.99)
        self.assertLess(low, high)
        self.assertTrue(low <= point <= high)

    def test_info_logging(self):
        from hummingbot.connector.exchange.backpack.backpack_order_tracker import BackpackOrderTracker
        ours = BackpackOrderTracker._trigger_order_creation
        result = self.run_async(info_logging_bench.run(orders=3, warmup=1))
        self.assertEqual((3, 3), (len(result.ours_ms), len(result.hummingbots_ms)))
        self.assertTrue(all(ms > 0 for ms in result.ours_ms + result.hummingbots_ms))
        # created + cancelled lines of each order (the warm-up's too), both arms: INFO really was written
        self.assertGreaterEqual(result.lines_logged, 2 * 7)
        self.assertIs(ours, BackpackOrderTracker._trigger_order_creation)  # the tracker's own methods are back
        self.assertEqual(4, len(result.rows()))

    def test_the_floor_builds_its_order_inside_the_timed_window(self):
        """The connector's `buy()` turns the price into the order's fields inside its window; so does the floor."""
        import time
        from decimal import Decimal
        from unittest.mock import MagicMock, patch

        class Client:
            cpu_seen = {}

            async def open(self, order):
                return time.perf_counter()

            async def cancel(self, symbol, client_id):
                return time.perf_counter()

            async def fill(self, order):
                self.cpu_seen[("orderFill", str(order["clientId"]))] = time.process_time()
                return time.perf_counter()

        floor = round_trip_bench._FloorOrders(Client())
        build = floor._order
        slow_build = lambda price: (time.sleep(0.02), build(price))[1]  # noqa: E731
        with patch.object(floor, "_order", side_effect=slow_build), \
                patch.object(round_trip_bench, "_price", return_value=Decimal("100")):
            opened, _ = self.run_async(floor.open_cancel_once(MagicMock()))
            filled, _ = self.run_async(floor.fill_once(MagicMock()))
        self.assertGreaterEqual(opened, 0.02)
        self.assertGreaterEqual(filled, 0.02)

    def test_emulator_ws_throughput_subscribes_without_refusals(self):
        async def bench_ws():
            server = EmulatorServer(port=0, seed=1, market_data=True, market_data_interval_s=3600)
            await server.start()
            try:
                return await emulator_bench.bench_ws(server, seconds=0.3, clients=2), server.refusals()
            finally:
                await server.stop()
        (published, received, elapsed), refusals = self.run_async(bench_ws())
        self.assertEqual([], refusals)
        self.assertTrue(published > 0 and received > 0 and elapsed >= 0.3, (published, received, elapsed))

    def test_startup_at_scale_takes_one_snapshot_per_book(self):
        result = self.run_async(scale_startup_bench.run(pairs=4, settle_s=0.5), timeout=60)
        self.assertEqual(({"spot": 4, "perp": 4}, 0), (result.snapshots, result.gap_warnings))
        self.assertLess(0, result.requests)
        self.assertEqual(4, len(result.rows()))

    def test_startup_uses_one_connection_and_one_subscribe(self):
        result = self.run_async(startup_bench.run(pair_counts=(1, 3)))
        self.assertEqual([1, 3], [s.pairs for s in result.samples])
        self.assertEqual([(1, 1, 2), (1, 1, 6)], [(s.public_connections, s.public_subscribes, s.public_streams)
                                                  for s in result.samples])
        self.assertTrue(all(s.seconds > 0 and s.quiet_seconds > 0 and s.floor_seconds > 0 for s in result.samples))
        self.assertEqual(2 + 2 + 1, len(result.rows()))  # per count: ready, ready / floor; the growth

    def test_rest_usage(self):
        result = self.run_async(rest_usage_bench.run(seconds=1.0, pair_counts=(1,)))
        [usage] = result.usages
        self.assertEqual((1, 1.0), (usage.pairs, usage.seconds))
        self.assertGreaterEqual(usage.per_minute, 0)
        self.assertEqual(2, len(result.rows()))

    def test_memory(self):
        result = self.run_async(memory_bench.run(seconds=1.0, sample_every_s=0.2))
        self.assertGreaterEqual(len(result.samples), 2)
        self.assertTrue(all(rss > 0 for _, rss in result.samples))
        self.assertGreater(result.diffs_per_second, 0)

    def test_order_polling_counts_requests_per_poll(self):
        result = self.run_async(order_polling_bench.run(seconds=1.0, orders=4, pairs=2), timeout=60)
        self.assertEqual((4, 2, 1.0), (result.orders, result.pairs, result.seconds))
        self.assertGreaterEqual(result.per_poll, 0)
        self.assertEqual(4, len(result.rows()))

    def test_memory_and_cpu_per_market(self):
        result = self.run_async(market_scale_bench.run((1, 2), seconds=1.0, soak_seconds=2.0), timeout=120)
        self.assertEqual([1, 2], [s.markets for s in result.sizes])
        self.assertTrue(all(s.rss_mb > 0 and s.cpu_percent >= 0 and s.samples for s in result.sizes))
        self.assertEqual(3, len(result.rows()))
