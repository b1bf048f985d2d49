"""`make setup` and `make demo`, the README's first commands, end to end."""
import os

from test.headless.support import doc_shell


def test_make_setup_then_make_demo_runs_the_auth_test_against_the_emulator_and_exits_0():
    env = dict(os.environ)
    setup = doc_shell("setup", env, timeout=600)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "[setup] ready" in setup.stdout

    demo = doc_shell("demo", env, timeout=300)
    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output[-3000:]
    for expected in ("[demo] emulator at http://127.0.0.1:", "Stored the encrypted keys for backpack",
                     "  BackpackExchange - Updated balances: 2 assets", "  Balances: 2 assets",
                     "    USDC: total=10000.0000, available=10000.0000", "  Order book for SOL-USDC:",
                     "is open on the exchange", "is cancelled", "  Auth test passed",
                     "[demo] Hummingbot exited with status 0", "[demo] emulator stopped"):
        assert expected in output, expected
    assert "BACKPACK_API_SECRET" not in output
