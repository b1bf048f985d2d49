"""The README's candles snippet, pasted into a plain interactive interpreter of the venv (outside the repo, so the
installed plugin and nothing else registers the feeds), against an emulator subprocess; and every client config
key the README tells users to set exists in Hummingbot's ClientConfigMap."""
import re
import subprocess
import sys
from pathlib import Path

from hummingbot.client.config.client_config_map import ClientConfigMap
from hummingbot.client.config.config_helpers import ClientConfigAdapter

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable


def candles_snippet() -> str:
    section = README[README.index("## Candles and rate oracle"):]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


def start_emulator():
    process = subprocess.Popen([PY, "-m", "backpack_emulator", "--host", "127.0.0.1", "--port", "0", "--seed", "2"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    urls = {}
    for line in process.stdout:
        name, _, value = line.strip().partition("=")
        if name in ("REST_URL", "WS_URL"):
            urls[name] = value
        if len(urls) == 2:
            return process, urls
    process.kill()
    raise AssertionError("the emulator printed no URLs")


def test_the_candles_snippet_runs_pasted_into_an_interpreter(tmp_path):
    process, urls = start_emulator()
    try:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BACKPACK_REST_URL": urls["REST_URL"],
               "BACKPACK_WS_URL": urls["WS_URL"]}
        # `-i` reads stdin line by line like a terminal paste (a blank line ends an indented block).
        result = subprocess.run([PY, "-i", "-q"], input=candles_snippet() + "\n", cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "UnsupportedConnectorException" not in result.stderr
    assert "timestamp" in result.stdout and "[5 rows x 10 columns]" in result.stdout, result.stdout
    rows = [line for line in result.stdout.splitlines() if re.match(r"^9[5-9]\s+\S", line)]
    assert len(rows) >= 5, result.stdout  # .tail() of the 100-candle frame: rows 95..99 (wide frames wrap)


def test_config_keys_named_in_the_readme_exist():
    configurable = {item.config_path for item in ClientConfigAdapter(ClientConfigMap()).traverse()
                    if item.client_field_data is not None and item.client_field_data.prompt is not None}
    named = set(re.findall(r"`config\s+([a-z_.]+)`", README))
    assert {"rate_oracle_source", "global_token.global_token_name"} <= named
    assert named - configurable == set()
    paths = set(ClientConfigAdapter(ClientConfigMap()).config_paths())
    for key in re.findall(r"`((?:global_token|paper_trade|rate_oracle_source)\.[a-z_]+)`", README):
        assert key in paths, key
