"""`connect backpack` through Hummingbot's own console command handler when the exchange refuses the keys.

(The accepted case is typed into the real console in test_console.py; drive_connect.py feeds the same
command its answers without a terminal, which makes the refusal quick to check.)
"""
from test.headless.support import PASSWORD, PY, base_env, new_keypair, run


def test_connect_with_keys_the_exchange_does_not_know_reports_the_error(home, emulator):
    stranger_key, stranger_secret = new_keypair()
    env = base_env(home, CONFIG_PASSWORD=PASSWORD, **emulator.env())
    result = run([PY, "test/headless/drive_connect.py", "backpack"], env,
                 stdin=f"{stranger_key}\n{stranger_secret}\n", timeout=90)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "UI: Enter your Backpack API key" in result.stdout
    assert "UI: Error:" in result.stdout
    assert stranger_secret not in result.stdout + result.stderr
    refused = [entry for entry in emulator.admin("requests", path="/api/v1/capital")
               if entry["apiKey"] == stranger_key]
    assert refused and all(entry["status"] >= 400 for entry in refused)
