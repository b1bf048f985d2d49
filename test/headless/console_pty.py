"""Drives Hummingbot's full-screen console (bin/hummingbot.py) in a pseudo-terminal, like a user typing.

The screen is read as text with terminal escapes and all whitespace removed (the UI redraws and wraps
freely), so `wait_for` matches phrases without their spaces.
"""
import os
import pty
import re
import select
import signal
import time
from typing import Dict, Optional

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")


class ConsoleSession:
    def __init__(self, argv, cwd: str, env: Dict[str, str]):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: the console
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        self._screen = ""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        self._screen += re.sub(r"\s+", "", ESCAPES.sub("", data.decode(errors="replace"))).lower()
        return bool(data)

    def wait_for(self, *phrases: str, timeout: float = 30.0) -> Optional[str]:
        """The first of `phrases` to appear since the previous match (the screen is consumed up to it),
        or None after `timeout`."""
        wanted = {re.sub(r"\s+", "", phrase).lower(): phrase for phrase in phrases}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [(self._screen.index(w), w) for w in wanted if w in self._screen]
            if found:
                position, match = min(found)
                self._screen = self._screen[position + len(match):]
                return wanted[match]
            if not self._read(0.2):
                return None
        return None

    def screen_tail(self, chars: int = 1500) -> str:
        """What the screen showed since the last match (whitespace removed), for failure messages."""
        return self._screen[-chars:]

    def forget_screen(self) -> None:
        self._screen = ""

    def shows_after(self, seconds: float, phrase: str) -> bool:
        """Read the screen for up to `seconds`; whether `phrase` appeared (it stays unconsumed)."""
        wanted = re.sub(r"\s+", "", phrase).lower()
        deadline = time.monotonic() + seconds
        while wanted not in self._screen and time.monotonic() < deadline and self._read(0.1):
            pass
        return wanted in self._screen

    def type(self, text: str, pause: float = 0.3) -> None:
        time.sleep(pause)
        os.write(self.fd, text.encode())

    def answer_dialog(self, text: str) -> None:
        """Fill a prompt_toolkit input dialog: the text, Tab to its OK button, Enter."""
        self.type(text)
        self.type("\t")
        self.type("\r")

    def wait_exit(self, timeout: float = 30.0) -> Optional[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            self._read(0.1)
        return None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)
