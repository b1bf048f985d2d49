"""End to end on perpetuals: the guide's commands for backpack_perpetual against the emulator subprocess."""
import re
import signal

from test.headless.support import doc_shell, messages, run_doc_until


def perp_orders(emulator, method: str):
    return [e for e in emulator.admin("requests", path="/api/v1/order", method=method)
            if e["apiKey"] == emulator.api_key]


def test_perp_auth_test_places_and_cancels_a_post_only_order_and_exits_0(perp):
    emulator, home, env = perp
    assert doc_shell("script_conf_dir", env).returncode == 0
    assert doc_shell("perp_auth_config", env).returncode == 0
    result = doc_shell("run_perp_auth_test", env)
    lines = messages(result.stdout)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Connector backpack_perpetual is ready" in lines
    assert any(re.fullmatch(r"BackpackPerpetualDerivative - Updated balances: \d+ assets", line) for line in lines)
    # Alone in the bot, the perp shows the account (USDC 10000, SOL 100 on the emulator) plus its PnL (none).
    assert any(re.fullmatch(r"  USDC: total=10000\.0000, available=\d+\.\d{4}", line) for line in lines)
    assert "  SOL: total=100.0000, available=100.0000" in lines
    assert "Order book for SOL-USDC:" in lines
    assert any(re.fullmatch(r"Order \S+ is cancelled", line) for line in lines)
    assert "Exiting Hummingbot with status 0" in lines
    placed, cancelled = perp_orders(emulator, "POST"), perp_orders(emulator, "DELETE")
    assert len(placed) == 1 and placed[0]["status"] == 200
    assert placed[0]["params"]["symbol"] == "SOL_USDC_PERP" and placed[0]["params"]["postOnly"] is True
    assert len(cancelled) == 1 and cancelled[0]["status"] == 200


def quoted_both_sides(seen):
    return all(any(f"Placed post-only {side}" in line for line in seen) for side in ("BUY", "SELL"))


def test_perp_post_only_maker_quotes_both_sides_and_cancels_on_sigterm(perp):
    emulator, home, env = perp
    emulator.admin("clear_requests")
    assert doc_shell("perp_maker_config", env).returncode == 0
    lines, status = run_doc_until("run_perp_maker", env, quoted_both_sides, signal.SIGTERM, settle_s=1.0)
    assert status == 0, "\n".join(lines[-40:])
    assert "SIGTERM received: stopping the bot and cancelling its orders" in lines
    placed = perp_orders(emulator, "POST")
    assert {o["params"]["side"] for o in placed} == {"Bid", "Ask"}
    assert all(o["params"]["symbol"] == "SOL_USDC_PERP" and o["params"]["postOnly"] is True for o in placed)
    account = emulator.admin("state", api_key=emulator.api_key)["accounts"][emulator.api_key]
    assert account["openOrders"] == [] and account["positions"] == []
