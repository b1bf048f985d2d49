"""info_logging: buy -> OPEN with Hummingbot's default logging (INFO and up written to a log file), the
connector's tracker against the same tracker with Hummingbot's order-event triggers put back (each INFO line
formatted and written before its event). Orders alternate between the two, one by one, on one connector and
emulator, 20 ms apart (a strategy's order comes after an idle wait, not in a tight loop)."""
import asyncio
import logging
import os
import tempfile
from dataclasses import dataclass
from typing import Dict, List

from bench import round_trip_bench as rt
from bench.emulator_env import BIG_BALANCES, OrderWaiter, create_connector, running_connector, spawn_emulator, \
    wait_for
from bench.report import Row, percentile
from backpack_emulator.keys import generate_keypair
from hummingbot.connector.client_order_tracker import ClientOrderTracker
from hummingbot.connector.exchange.backpack.backpack_order_tracker import BackpackOrderTracker

TRIGGERS = ("_trigger_order_creation", "_trigger_order_fills", "_trigger_order_completion")
PAUSE_S = 0.02
LOG_FORMAT = "%(asctime)s - %(process)d - %(name)s - %(levelname)s - %(message)s"  # Hummingbot's file format


@dataclass(frozen=True)
class InfoLoggingResult:
    ours_ms: List[float]
    hummingbots_ms: List[float]
    lines_logged: int

    def rows(self) -> List[Row]:
        ours, theirs = (percentile(self.ours_ms, 0.5), percentile(self.hummingbots_ms, 0.5))
        return [Row("info logging", f"buy -> OPEN, INFO to a log file: Hummingbot's trigger order "
                                    f"({len(self.hummingbots_ms)} orders)", f"p50 {theirs:.2f} ms"),
                Row("info logging", "buy -> OPEN, INFO to a log file: ours (event before its line)",
                    f"p50 {ours:.2f} ms"),
                Row("info logging", "ours / Hummingbot's trigger order, p50", f"{ours / theirs:.2f}x"),
                Row("info logging", "INFO lines written (both arms)", f"{self.lines_logged:,}")]


class _HummingbotTriggers:
    """Puts Hummingbot's trigger methods on the tracker while entered."""

    def __init__(self):
        self._ours: Dict[str, object] = {name: BackpackOrderTracker.__dict__[name] for name in TRIGGERS}

    def __enter__(self):
        for name in TRIGGERS:
            setattr(BackpackOrderTracker, name, getattr(ClientOrderTracker, name))

    def __exit__(self, *exc_info):
        for name, method in self._ours.items():
            setattr(BackpackOrderTracker, name, method)


async def run(orders: int = 400, warmup: int = 30) -> InfoLoggingResult:
    api_key, api_secret = generate_keypair()
    logger = logging.getLogger("hummingbot")
    with tempfile.TemporaryDirectory() as folder:
        log_path = os.path.join(folder, "logs_bench.log")
        handler = logging.FileHandler(log_path)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        level = logger.level
        samples: Dict[bool, List[float]] = {True: [], False: []}
        async with spawn_emulator({api_key: BIG_BALANCES}) as (rest_url, ws_url, _):
            connector = create_connector(rest_url, ws_url, api_key, api_secret, [rt.PAIR])
            async with running_connector(connector):
                await wait_for(lambda: connector.get_price(rt.PAIR, False) > 0, "a book", 30)
                waiter, hummingbots = OrderWaiter(connector), _HummingbotTriggers()
                logger.addHandler(handler)
                logger.setLevel(logging.INFO)
                try:
                    for index in range(warmup + 2 * orders):
                        with_hummingbots = index % 2 == 0
                        if with_hummingbots:
                            with hummingbots:
                                _, opened, _ = await rt._open_cancel_once(connector, waiter)
                        else:
                            _, opened, _ = await rt._open_cancel_once(connector, waiter)
                        if index >= warmup:
                            samples[with_hummingbots].append(opened * 1e3)
                        await asyncio.sleep(PAUSE_S)
                finally:
                    logger.removeHandler(handler)
                    logger.setLevel(level)
                    handler.close()
        with open(log_path) as log:
            lines = sum(1 for _ in log)
    return InfoLoggingResult(ours_ms=samples[False], hummingbots_ms=samples[True], lines_logged=lines)

