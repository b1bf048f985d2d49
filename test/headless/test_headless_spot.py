"""End to end on spot: the guide's commands run Hummingbot headless against the emulator subprocess."""
import os
import re
import signal
import time
from decimal import Decimal

from test.headless.support import (
    PY,
    ROOT,
    doc_shell,
    messages,
    quickstart_args,
    run,
    run_doc_until,
    write_script_config,
)


def test_auth_test_places_and_cancels_a_post_only_order_and_exits_0(spot):
    emulator, home, env = spot
    emulator.admin("clear_requests")
    started = time.monotonic()
    result = doc_shell("run_auth_test", env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    lines = messages(output)
    assert "BackpackExchange - Updated balances: 2 assets" in lines
    assert "Balances: 2 assets" in lines
    assert "  SOL: total=100.0000, available=100.0000" in lines
    assert "  USDC: total=10000.0000, available=10000.0000" in lines
    assert "Order book for SOL-USDC:" in lines
    book = next(line for line in lines if line.startswith("  Bid: "))
    bid, ask, mid = (Decimal(v) for v in re.fullmatch(r"  Bid: (\S+), Ask: (\S+), Mid: (\S+)", book).groups())
    assert Decimal(100) < bid < ask < Decimal(300) and mid == ((bid + ask) / 2).quantize(Decimal("0.0001"))
    assert any(line.startswith("Placing a post-only BUY order") for line in lines)
    assert any(re.fullmatch(r"Order \S+ is open on the exchange \(exchange order id \d+\)", line) for line in lines)
    assert any(re.fullmatch(r"Order \S+ is cancelled", line) for line in lines)
    assert "Exiting Hummingbot with status 0" in lines

    placed = [e for e in emulator.admin("requests", path="/api/v1/order", method="POST")
              if e["apiKey"] == emulator.api_key]
    cancelled = [e for e in emulator.admin("requests", path="/api/v1/order", method="DELETE")
                 if e["apiKey"] == emulator.api_key]
    assert len(placed) == 1 and placed[0]["status"] == 200 and placed[0]["instruction"] == "orderExecute"
    assert placed[0]["params"]["postOnly"] is True and placed[0]["params"]["side"] == "Bid"
    assert Decimal(placed[0]["params"]["price"]) < bid
    assert len(cancelled) == 1 and cancelled[0]["status"] == 200
    account = emulator.admin("state", api_key=emulator.api_key)["accounts"][emulator.api_key]
    assert account["openOrders"] == []
    print(f"auth test run: {time.monotonic() - started:.1f} s")


def test_guide_example_in_the_foreground_logs_balances_and_book_until_ctrl_c(spot):
    emulator, home, env = spot
    lines, status = run_doc_until("run_foreground", env, lambda seen: "  Bid: " in seen[-1], signal.SIGINT)
    assert "Balances: 2 assets" in lines and "Order book for SOL-USDC:" in lines
    assert any(line.startswith("  Bid: ") for line in lines)
    assert "SIGINT received: stopping the bot and cancelling its orders" in lines
    assert status == 0


def test_guide_example_in_the_background_with_a_log_stops_on_kill(spot):
    emulator, home, env = spot
    # The output and pid files go to the bot's home: a user's own logs/headless.* are never touched.
    repo_files = [ROOT / "logs" / "headless.out", ROOT / "logs" / "headless.pid"]
    repo_before = [(path.exists(), path.stat().st_mtime_ns if path.exists() else None) for path in repo_files]
    out, pidfile = home / "logs" / "headless.out", home / "logs" / "headless.pid"
    assert doc_shell("run_background", env, timeout=10).returncode == 0
    pid = int(pidfile.read_text())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "  Bid: " not in (out.read_text() if out.exists() else ""):
            time.sleep(0.5)
        assert doc_shell("stop_background", env, timeout=10).returncode == 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        assert not _alive(pid)
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        pidfile.unlink(missing_ok=True)
    lines = messages(out.read_text())
    assert "Order book for SOL-USDC:" in lines
    assert "SIGTERM received: stopping the bot and cancelling its orders" in lines
    assert "Exiting Hummingbot with status 0" in lines
    assert [(path.exists(), path.stat().st_mtime_ns if path.exists() else None) for path in repo_files] == repo_before


def _alive(pid: int) -> bool:
    from pathlib import Path
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_post_only_maker_on_spot_refreshes_quotes_within_its_inventory_limit_then_stops(spot):
    emulator, home, env = spot
    emulator.admin("clear_requests")
    config = write_script_config(home, "maker_spot_test.yml", "backpack_post_only_maker.py", {
        "order_refresh_s": 2, "run_duration_s": 5, "max_inventory": 50, "min_inventory": 0})
    result = run([PY, "bin/hummingbot_quickstart.py", *quickstart_args("backpack_post_only_maker.py", config),
                  "--headless"], env, timeout=60)
    lines = messages(result.stdout)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Inventory 100 >= max_inventory 50: not bidding" in lines
    asks = [line for line in lines if line.startswith("Placed post-only SELL 0.10 SOL-USDC")]
    assert len(asks) >= 2 and not any(line.startswith("Placed post-only BUY") for line in lines)
    assert any(line.startswith("Refreshing quotes: cancelling") for line in lines)
    assert "Run duration of 5 s reached: stopping" in lines

    orders = [e for e in emulator.admin("requests", path="/api/v1/order", method="POST")
              if e["apiKey"] == emulator.api_key]
    assert len(orders) >= 2
    assert all(o["params"]["side"] == "Ask" and o["params"]["postOnly"] is True and o["status"] == 200
               for o in orders)
    account = emulator.admin("state", api_key=emulator.api_key)["accounts"][emulator.api_key]
    assert account["openOrders"] == []
