"""Strategy V2 headless against the emulator subprocess: scripts/backpack_v2_controllers.py loads our controllers
(controllers/) from configs in the bot home's conf/controllers/, through Hummingbot's own V2 framework
(StrategyV2Base, controllers, ExecutorOrchestrator, PositionExecutor, MarketsRecorder). Bounded in time."""
import json
import re
import sqlite3
import time
from decimal import Decimal
from pathlib import Path
from typing import Dict, List

import pytest

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_derivative import HEDGE_REFUSED
from test.headless.support import doc_shell, messages, write_script_config

START = {"USDC": Decimal("10000"), "SOL": Decimal("100")}  # the guide's emulator account


def write_controller_config(home: Path, name: str, values: Dict[str, object]) -> str:
    path = home / "conf" / "controllers" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))  # JSON is YAML
    return name


def run_v2_spot(env, timeout: float = 120):
    """The guide's V2 command (its conf/scripts/backpack_v2_spot.yml, which the test rewrote in the bot home)."""
    started = time.monotonic()
    result = doc_shell("run_v2_spot", env, timeout=timeout)
    return result, messages(result.stdout), time.monotonic() - started


def db_rows(home: Path, db: str, query: str) -> List[sqlite3.Row]:
    connection = sqlite3.connect(home / "data" / f"{db}.sqlite")
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def ledger_from_fills(fills: List[sqlite3.Row]) -> Dict[str, Decimal]:
    """The spot balances the bot's own trade records imply, from the account's starting balances."""
    balances = dict(START)
    for fill in fills:
        # Hummingbot stores these as integers scaled by 10**6 (SqliteDecimal(6)); fees are exact in the JSON.
        amount, price = Decimal(fill["amount"]).scaleb(-6), Decimal(fill["price"]).scaleb(-6)
        sign = 1 if fill["trade_type"] == "BUY" else -1
        balances["SOL"] += sign * amount
        balances["USDC"] -= sign * amount * price
        for fee in json.loads(fill["trade_fee"])["flat_fees"]:
            balances[fee["token"]] -= Decimal(fee["amount"])
    return balances


@pytest.mark.timeout(300)  # a 30 s run, plus the module's emulator and keys, on a loaded 2-core machine
def test_spot_market_maker_and_a_default_perp_controller_run_headless_and_stop_clean(spot):
    """(a) the spot market-making controller for 30 s: executors created, filled, refreshed; the stop leaves no
    open order; the bot's trade records give the emulator's balances exactly. (e) next to it, a perp controller
    config that leaves `position_mode` at Hummingbot's default (the string "HEDGE"): one clear line, the
    connector stays ONEWAY, the bot runs (before the fix, start() raised and the clock never ran); its 100+
    candles are there at once (kline history)."""
    emulator, home, env = spot
    emulator.admin("clear_requests")
    assert doc_shell("store_perp_keys", env).returncode == 0
    perp = write_controller_config(home, "v2_test_perp_default_mode.yml", {
        "id": "perp_trend", "controller_name": "backpack_trend_follower", "controller_type": "directional_trading",
        "connector_name": "backpack_perpetual", "trading_pair": "SOL-USDC", "slow_period": 120,
        "threshold_bps": 10000})  # never signals: the spot ledger below stays the spot trades' alone
    controller = write_controller_config(home, "v2_test_spot_mm.yml", {
        "id": "spot_mm", "controller_name": "backpack_market_maker", "controller_type": "market_making",
        "connector_name": "backpack", "trading_pair": "SOL-USDC", "total_amount_quote": 40,
        "buy_spreads": [0.00005], "sell_spreads": [0.00005], "executor_refresh_time": 6, "cooldown_time": 1,
        "stop_loss": 0.01, "take_profit": 0.0002, "time_limit": 10, "take_profit_order_type": "LIMIT"})
    write_script_config(home, "backpack_v2_spot.yml", "backpack_v2_controllers.py", {
        "controllers_config": f"[{controller}, {perp}]",
        "run_duration_s": 30})
    result, lines, elapsed = run_v2_spot(env)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Run duration of 30 s reached: stopping" in lines
    summary = next(line for line in lines if line.startswith("V2 summary spot_mm:"))
    refused = [line for line in lines if "only support the ONEWAY position mode" in line]
    assert refused == [HEDGE_REFUSED.format(mode="HEDGE")], refused
    ready = next(line for line in lines if line.startswith("Candles ready: "))
    match = re.fullmatch(r"Candles ready: (\d+) 1m candles of backpack_perpetual SOL-USDC, ([\d.]+) s after start", ready)
    assert match and int(match.group(1)) >= 120 and float(match.group(2)) < 15, ready
    assert "V2 summary perp_trend: 0 executors, 0 filled, close types {}, net PnL 0.000000 quote" in lines

    executors = db_rows(home, "backpack_v2_spot", "SELECT * FROM Executors WHERE controller_id = 'spot_mm'")
    fills = db_rows(home, "backpack_v2_spot", "SELECT * FROM TradeFill")
    assert len(executors) >= 4, summary  # both sides, then refreshed at least once
    assert any(row["filled_amount_quote"] > 0 for row in executors), summary
    assert all(not row["is_active"] for row in executors)  # the stop ended every executor
    assert len(fills) >= 1

    placed = [e for e in emulator.admin("requests", path="/api/v1/order", method="POST")
              if e["apiKey"] == emulator.api_key]
    cancels = [e for e in emulator.admin("requests", path="/api/v1/order", method="DELETE")
               if e["apiKey"] == emulator.api_key]
    assert any(o["params"].get("postOnly") is True for o in placed)  # the quotes are post-only
    assert len(cancels) >= 1  # refreshed quotes were cancelled
    account = emulator.admin("state", api_key=emulator.api_key)["accounts"][emulator.api_key]
    assert account["openOrders"] == [] and account["positions"] == []
    ledger = {asset: Decimal(b["available"]) + Decimal(b["locked"]) for asset, b in account["balances"].items()}
    assert ledger_from_fills(fills) == {asset: ledger.get(asset, Decimal(0)) for asset in START}
    print(f"\n[v2 spot+perp] {elapsed:.1f} s, {ready}; {len(executors)} executors, {len(fills)} fills, {len(placed)} orders "
          f"placed, {len(cancels)} cancelled; {summary}")
