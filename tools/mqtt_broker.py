"""The local MQTT broker that Hummingbot's headless mode needs (it forces the MQTT bridge on).

Without a broker the bridge retries and stalls the event loop for ~25 s per attempt, so our demo and
tests start one on 127.0.0.1 when none is listening, and stop only the one they started.

    python tools/mqtt_broker.py start   # no-op when a broker already listens (pid in logs/mqtt_broker.pid)
    python tools/mqtt_broker.py stop    # stops it only if `start` started it
    python tools/mqtt_broker.py serve                                  # foreground, until SIGTERM/SIGINT

The broker is amqtt (pure Python, installed into .venv by tools/setup.sh) bound to 127.0.0.1 only,
with anonymous access: it is a loopback-only helper, never exposed to the network.
"""
import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 1883
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
SHUTDOWN_GRACE_S = 1.0
SERVE_MARKER = "mqtt_broker.py"
DEFAULT_PIDFILE = Path(__file__).resolve().parents[1] / "logs" / "mqtt_broker.pid"


def is_listening(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def broker_config(host: str, port: int) -> dict:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        # Only anonymous auth: the default plugin set also logs every packet, which is noise here.
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


async def serve(host: str, port: int) -> None:
    from amqtt.broker import Broker

    broker = Broker(broker_config(host, port))
    await broker.start()
    print(f"MQTT_BROKER={host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    try:  # amqtt's shutdown can wait a long time on idle sessions; nothing here needs more than a moment
        await asyncio.wait_for(broker.shutdown(), SHUTDOWN_GRACE_S)
    except asyncio.TimeoutError:
        pass


def start(host: str, port: int, pidfile: Path) -> int:
    """Start a detached broker unless one already listens; record its pid so `stop` ends only ours."""
    if is_listening(host, port):
        print(f"[mqtt] a broker already listens on {host}:{port}; using it")
        return 0
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    log_path = pidfile.with_suffix(".log")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "serve", "--host", host, "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(f"[mqtt] error: the broker exited with status {proc.returncode}; see {log_path}", file=sys.stderr)
            return 1
        if is_listening(host, port):
            pidfile.write_text(str(proc.pid))
            print(f"[mqtt] started a broker on {host}:{port} (pid {proc.pid})")
            return 0
        time.sleep(0.1)
    proc.terminate()
    print(f"[mqtt] error: no broker listening on {host}:{port} after {START_TIMEOUT_S:.0f} s; see {log_path}",
          file=sys.stderr)
    return 1


def _our_broker_pid(pidfile: Path) -> Optional[int]:
    """The pid recorded by `start`, if that process still runs and still is our broker."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return None
    return pid if SERVE_MARKER in cmdline and "serve" in cmdline else None


def stop(pidfile: Path) -> int:
    pid = _our_broker_pid(pidfile)
    pidfile.unlink(missing_ok=True)
    if pid is None:
        print("[mqtt] no broker of ours to stop")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and _is_running(pid):
        time.sleep(0.1)
    if _is_running(pid):
        os.kill(pid, signal.SIGKILL)
    print(f"[mqtt] stopped the broker (pid {pid})")
    return 0


def _is_running(pid: int) -> bool:
    """True while the process runs; an exited one may linger as a zombie (state Z) until reaped."""
    try:
        os.waitpid(pid, os.WNOHANG)  # reaps it when this process is its parent
    except ChildProcessError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Local MQTT broker for Hummingbot's headless mode")
    parser.add_argument("action", choices=("start", "stop", "serve"))
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--pidfile", type=Path, default=DEFAULT_PIDFILE,
                        help=f"where `start` records the broker it started (default {DEFAULT_PIDFILE})")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost"):
        parser.error("the broker binds to loopback only (127.0.0.1)")
    if args.action == "serve":
        asyncio.run(serve(args.host, args.port))
        return 0
    if args.action == "start":
        return start(args.host, args.port, args.pidfile)
    return stop(args.pidfile)


if __name__ == "__main__":
    sys.exit(main())
