"""End to end on perpetuals: the guide's commands for backpack_perpetual against the emulator subprocess."""
import re
import signal
import time

import pytest

from test.headless.support import PASSWORD, base_env, doc_popen, doc_shell, start_emulator, stop_group


@pytest.fixture(scope="module")
def perp(tmp_path_factory, mqtt_broker):
    home = tmp_path_factory.mktemp("perp") / "bot_home"
    emulator = start_emulator()
    env = base_env(home, CONFIG_PASSWORD=PASSWORD, BACKPACK_API_KEY=emulator.api_key,
                   BACKPACK_API_SECRET=emulator.api_secret, **emulator.env())
    stored = doc_shell("store_perp_keys", env)
    assert stored.returncode == 0, stored.stderr
    yield emulator, home, env
    emulator.stop()


def messages(output: str):
    return [line.split(" - ", 2)[-1] for line in output.splitlines()]


def perp_orders(emulator, method: str):
    return [e for e in emulator.admin("requests", path="/api/v1/order", method=method)
            if e["apiKey"] == emulator.api_key]


def test_perp_auth_test_places_and_cancels_a_post_only_order_and_exits_0(perp):
    emulator, home, env = perp
    assert doc_shell("perp_auth_config", env).returncode == 0
    result = doc_shell("run_perp_auth_test", env)
    lines = messages(result.stdout)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Connector backpack_perpetual is ready" in lines
    assert any(re.fullmatch(r"BackpackPerpetualDerivative - Updated balances: \d+ assets", line) for line in lines)
    assert any(re.fullmatch(r"  USDC: total=\d+\.\d{4}, available=\d+\.\d{4}", line) for line in lines)
    assert "Order book for SOL-USDC:" in lines
    assert any(re.fullmatch(r"Order \S+ is cancelled", line) for line in lines)
    assert "Exiting Hummingbot with status 0" in lines
    placed, cancelled = perp_orders(emulator, "POST"), perp_orders(emulator, "DELETE")
    assert len(placed) == 1 and placed[0]["status"] == 200
    assert placed[0]["params"]["symbol"] == "SOL_USDC_PERP" and placed[0]["params"]["postOnly"] is True
    assert len(cancelled) == 1 and cancelled[0]["status"] == 200


def test_perp_post_only_maker_quotes_both_sides_and_cancels_on_sigterm(perp):
    emulator, home, env = perp
    emulator.admin("clear_requests")
    assert doc_shell("perp_maker_config", env).returncode == 0
    process = doc_popen("run_perp_maker", env)
    seen = []
    deadline = time.monotonic() + 60
    try:
        for line in process.stdout:
            seen.append(line.rstrip("\n"))
            quoted = {side for side in ("BUY", "SELL") for text in seen if f"Placed post-only {side}" in text}
            if quoted == {"BUY", "SELL"} or time.monotonic() > deadline:
                break
        time.sleep(1)  # let the exchange acknowledge both quotes
    finally:
        status = stop_group(process, signal.SIGTERM)
    lines = messages("\n".join(seen) + "\n" + process.stdout.read())
    assert status == 0, "\n".join(lines[-40:])
    assert "SIGTERM received: stopping the bot and cancelling its orders" in lines
    placed = perp_orders(emulator, "POST")
    assert {o["params"]["side"] for o in placed} == {"Bid", "Ask"}
    assert all(o["params"]["symbol"] == "SOL_USDC_PERP" and o["params"]["postOnly"] is True for o in placed)
    account = emulator.admin("state", api_key=emulator.api_key)["accounts"][emulator.api_key]
    assert account["openOrders"] == [] and account["positions"] == []
