"""Subprocess helpers for the headless tests: emulator, MQTT broker, bot homes and Hummingbot launches.

Every process listens on or talks to 127.0.0.1 only, runs under a deadline and is stopped by the test
that started it. Each bot gets its own HUMMINGBOT_HOME (see path_util.py), so these tests never read
or write the repository's conf/ and can run next to a real bot.
"""
import asyncio
import importlib.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LINE = "20251103"


def _hummingbot_line() -> str:
    from importlib.metadata import version

    return version("hummingbot").split(".dev")[0]


# The Hummingbot line under test is the one of the venv running the tests (`make test HB_LINE=...`).
LINE = _hummingbot_line()
VENV = ".venv" if LINE == DEFAULT_LINE else f".venv-{LINE}"
# From 20260302 on Hummingbot has no ScriptStrategyBase and its quickstart starts scripts with --v2 CONFIG
# (as 20260922: CURRENT_LINE_COMMANDS); before, with -f SCRIPT [-c CONFIG] (as 20251103).
V2_ONLY = importlib.util.find_spec("hummingbot.strategy.script_strategy_base") is None
PY = str(ROOT / VENV / "bin" / "python") if (ROOT / VENV / "bin" / "python").exists() else sys.executable
PASSWORD = "headless-test-password"
HUMMINGBOT_RUN_TIMEOUT_S = 60.0


def base_env(home: Path, **extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKPACK_", "CONFIG_PASSWORD", "HUMMINGBOT_HOME", "PYTEST_"))}
    env.update({"HUMMINGBOT_HOME": str(home), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def run(cmd: List[str], env: Dict[str, str], timeout: float = 60.0, stdin: Optional[str] = None,
        shell: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(cmd if not shell else cmd[0], cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout, shell=shell, executable="/bin/bash" if shell else None)


@dataclass
class Emulator:
    process: subprocess.Popen
    rest_url: str
    ws_url: str
    api_key: str
    api_secret: str

    def env(self) -> Dict[str, str]:
        return {"BACKPACK_REST_URL": self.rest_url, "BACKPACK_WS_URL": self.ws_url}

    def admin(self, call: str, *args, **kwargs):
        """Run one AdminClient call (state, requests, ...) against this emulator."""
        from backpack_emulator.admin_client import AdminClient

        async def go():
            async with AdminClient(self.rest_url) as client:
                return await getattr(client, call)(*args, **kwargs)
        return asyncio.run(go())

    def stop(self) -> None:
        stop_group(self.process, timeout=10)


def new_keypair():
    from backpack_emulator.keys import generate_keypair
    return generate_keypair()


def keypair_from_the_guide() -> Tuple[str, str]:
    """The guide's `export $(... backpack_emulator.keys)`, then the two variables it exported."""
    script = DOC_COMMANDS["emulator_keys"] + '\nprintf "%s\\n%s\\n" "$BACKPACK_API_KEY" "$BACKPACK_API_SECRET"'
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    api_key, api_secret = result.stdout.split()
    return api_key, api_secret


def start_emulator() -> Emulator:
    """The emulator started with the guide's command (USDC=10000, SOL=100) for a fresh key pair."""
    api_key, api_secret = keypair_from_the_guide()
    process = doc_popen("emulator_start", dict(os.environ, BACKPACK_API_KEY=api_key))
    urls: Dict[str, str] = {}
    deadline = time.monotonic() + 20
    while len(urls) < 2 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        name, _, value = line.strip().partition("=")
        if name in ("REST_URL", "WS_URL"):
            urls[name] = value
    if len(urls) < 2:
        stop_group(process)
        raise RuntimeError("the emulator did not print its URLs")
    # Keep draining its output so that it never blocks on a full pipe.
    subprocess_drain(process)
    return Emulator(process, urls["REST_URL"], urls["WS_URL"], api_key, api_secret)


def stop_checked(emulator: Emulator) -> None:
    """Stops the emulator after checking it refused none of the bot's requests (strict decoder)."""
    try:
        refusals = emulator.admin("refusals")
    finally:
        emulator.stop()
    assert refusals == [], f"requests the emulator's strict decoder refused: {refusals}"


def subprocess_drain(process: subprocess.Popen) -> None:
    import threading
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()


# The fields of conf/connectors/backpack.yml, whichever way it was written (console `connect` or store_keys.py).
BACKPACK_KEY_FILE_FIELDS = {"connector", "backpack_api_key", "backpack_api_secret", "backpack_self_trade_prevention",
                            "backpack_cancel_all_scope"}


def bot_env(home: Path, emulator: Emulator) -> Dict[str, str]:
    """What a user has exported for the guide: password, key pair and the emulator's URLs."""
    return base_env(home, CONFIG_PASSWORD=PASSWORD, BACKPACK_API_KEY=emulator.api_key,
                    BACKPACK_API_SECRET=emulator.api_secret, **emulator.env())


def messages(output: str) -> List[str]:
    """Log lines without the `time - logger - ` prefix of Hummingbot's console format."""
    return [line.split(" - ", 2)[-1] for line in output.splitlines()]


def write_script_config(home: Path, name: str, script: str, values: Dict[str, object]) -> str:
    """conf/scripts/`name` for `script` (20260922 finds the script through `script_file_name`)."""
    path = home / "conf" / "scripts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {"script_file_name": script, **values}
    path.write_text("".join(f"{key}: {value}\n" for key, value in values.items()))
    return name


# Every shell command of BACKPACK_HEADLESS.md, verbatim; test_doc_commands.py checks the guide against
# these tables and the tests run the strings of their line with bash from the repository root.
DEFAULT_LINE_COMMANDS = {
    "setup": "make setup",
    "demo": "make demo",
    "console": ".venv/bin/python bin/hummingbot.py",
    "store_keys_env": ".venv/bin/python tools/store_keys.py backpack --check",
    "store_keys_stdin": ("printf '%s\\n%s\\n' \"$BACKPACK_API_KEY\" \"$BACKPACK_API_SECRET\" | "
                         ".venv/bin/python tools/store_keys.py backpack --stdin"),
    "store_perp_keys": ".venv/bin/python tools/store_keys.py backpack_perpetual --check",
    "broker_start": ".venv/bin/python tools/mqtt_broker.py start",
    "broker_stop": ".venv/bin/python tools/mqtt_broker.py stop",
    "run_foreground": (".venv/bin/python bin/hummingbot_quickstart.py -p \"$CONFIG_PASSWORD\" "
                       "-f my_backpack_strategy.py --headless"),
    "run_auth_test": ".venv/bin/python bin/hummingbot_quickstart.py -f backpack_auth_test.py --headless",
    "run_background": ("nohup .venv/bin/python bin/hummingbot_quickstart.py -f my_backpack_strategy.py --headless "
                       "> \"${HUMMINGBOT_HOME:-.}/logs/headless.out\" 2>&1 & "
                       "echo $! > \"${HUMMINGBOT_HOME:-.}/logs/headless.pid\""),
    "stop_background": "kill \"$(cat \"${HUMMINGBOT_HOME:-.}/logs/headless.pid\")\"",
    "script_conf_dir": "mkdir -p \"${HUMMINGBOT_HOME:-.}/conf/scripts\"",
    "perp_auth_config": ("printf 'script_file_name: backpack_auth_test.py\\nexchange: backpack_perpetual\\n' > "
                         "\"${HUMMINGBOT_HOME:-.}/conf/scripts/backpack_auth_test_perp.yml\""),
    "run_perp_auth_test": (".venv/bin/python bin/hummingbot_quickstart.py -f backpack_auth_test.py "
                           "-c backpack_auth_test_perp.yml --headless"),
    "perp_maker_config": ("printf 'script_file_name: backpack_post_only_maker.py\\nexchange: backpack_perpetual\\n"
                          "max_inventory: 2\\nmin_inventory: -2\\nrun_duration_s: 3600\\n' > "
                          "\"${HUMMINGBOT_HOME:-.}/conf/scripts/backpack_maker_perp.yml\""),
    "run_perp_maker": (".venv/bin/python bin/hummingbot_quickstart.py -f backpack_post_only_maker.py "
                       "-c backpack_maker_perp.yml --headless"),
    "run_v2_spot": ".venv/bin/python bin/hummingbot_quickstart.py -f backpack_v2_controllers.py -c backpack_v2_spot.yml --headless",
    "emulator_keys": "export $(.venv/bin/python -m backpack_emulator.keys)",
    "emulator_start": (".venv/bin/python -m backpack_emulator --host 127.0.0.1 --port 0 "
                       "--account \"$BACKPACK_API_KEY:USDC=10000,SOL=100\""),
}
CURRENT_LINE = "20260922"
# Hummingbot 20260922: the guide says every `.venv/` above is `.venv-20260922/` there; these differ more.
# Its quickstart starts a script from a config file in conf/scripts/ that names the script (--v2).
CURRENT_LINE_COMMANDS = {
    "setup": "make setup HB_LINE=20260922",
    "demo": "make demo HB_LINE=20260922",
    "auth_test_config": ("printf 'script_file_name: backpack_auth_test.py\\n' > "
                         "\"${HUMMINGBOT_HOME:-.}/conf/scripts/backpack_auth_test.yml\""),
    "strategy_config": ("printf 'script_file_name: my_backpack_strategy.py\\n' > "
                        "\"${HUMMINGBOT_HOME:-.}/conf/scripts/my_backpack_strategy.yml\""),
    "run_foreground": (".venv-20260922/bin/python bin/hummingbot_quickstart.py -p \"$CONFIG_PASSWORD\" "
                       "--v2 my_backpack_strategy.yml --headless"),
    "run_auth_test": ".venv-20260922/bin/python bin/hummingbot_quickstart.py --v2 backpack_auth_test.yml --headless",
    "run_background": ("nohup .venv-20260922/bin/python bin/hummingbot_quickstart.py --v2 my_backpack_strategy.yml "
                       "--headless > \"${HUMMINGBOT_HOME:-.}/logs/headless.out\" 2>&1 & "
                       "echo $! > \"${HUMMINGBOT_HOME:-.}/logs/headless.pid\""),
    "run_perp_auth_test": ".venv-20260922/bin/python bin/hummingbot_quickstart.py --v2 backpack_auth_test_perp.yml --headless",
    "run_perp_maker": ".venv-20260922/bin/python bin/hummingbot_quickstart.py --v2 backpack_maker_perp.yml --headless",
    "run_v2_spot": ".venv-20260922/bin/python bin/hummingbot_quickstart.py --v2 backpack_v2_spot.yml --headless",
}
# Run before a line's launches in a fresh bot home (the configs its --v2 commands name).
SCRIPT_CONFIG_COMMANDS = {False: ("script_conf_dir",),
                          True: ("script_conf_dir", "auth_test_config", "strategy_config")}


def commands_for(line: str, v2_only: bool) -> Dict[str, str]:
    """The guide's commands on `line` (another release than the two of the guide runs them in `.venv-LINE/`)."""
    if line == DEFAULT_LINE:
        return dict(DEFAULT_LINE_COMMANDS)
    commands = {name: command.replace(".venv/bin/", f".venv-{line}/bin/")
                for name, command in DEFAULT_LINE_COMMANDS.items()}
    if v2_only:
        commands.update({name: command.replace(f".venv-{CURRENT_LINE}/", f".venv-{line}/")
                         for name, command in CURRENT_LINE_COMMANDS.items()})
    return commands


DOC_COMMANDS = commands_for(LINE, V2_ONLY)


def quickstart_args(script: str, config: Optional[str] = None) -> List[str]:
    """The quickstart's arguments that start `script` (with conf/scripts/`config`) on the line under test."""
    if not V2_ONLY:
        return ["-f", script] + (["-c", config] if config else [])
    return ["--v2", config or script.replace(".py", ".yml")]


def console_start_command(script: str, config: Optional[str] = None) -> str:
    """The console's `start` for `script` on the line under test (the guide, section 4)."""
    if not V2_ONLY:
        return f"start --script {script}" + (f" --conf {config}" if config else "")
    return f"start --v2 {config or script.replace('.py', '.yml')}"


def write_script_configs(home: Path, env: Dict[str, str]) -> None:
    """The guide's config-file commands of this line, in `home` (the launches of this line name them)."""
    for name in SCRIPT_CONFIG_COMMANDS[V2_ONLY]:
        result = doc_shell(name, env, timeout=10)
        assert result.returncode == 0, result.stderr


def doc_shell(name: str, env: Dict[str, str], timeout: float = HUMMINGBOT_RUN_TIMEOUT_S,
              stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run one command of the guide, verbatim, with bash from the repository root."""
    return run([DOC_COMMANDS[name]], env, timeout=timeout, stdin=stdin, shell=True)


def doc_popen(name: str, env: Dict[str, str]) -> subprocess.Popen:
    """Start a long-running command of the guide in its own process group (stopped with stop_group)."""
    return subprocess.Popen(["bash", "-c", DOC_COMMANDS[name]], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout=5)


def run_doc_until(name: str, env: Dict[str, str], done: Callable[[List[str]], bool], sig: int,
                  timeout: float = HUMMINGBOT_RUN_TIMEOUT_S, settle_s: float = 0.0) -> Tuple[List[str], int]:
    """Start a long-running command of the guide, read its log until `done(lines so far)`, wait
    `settle_s`, then send `sig` (Ctrl+C or kill). Returns every log message and the exit status."""
    process = doc_popen(name, env)
    seen: List[str] = []
    deadline = time.monotonic() + timeout
    try:
        for line in process.stdout:
            seen.append(line.rstrip("\n"))
            if done(seen) or time.monotonic() > deadline:
                break
        time.sleep(settle_s)
    finally:
        status = stop_group(process, sig)
    return messages("\n".join(seen) + "\n" + process.stdout.read()), status
