"""`edubot run`: bot, worker and scheduler as child processes of one parent.

A child that dies is restarted with backoff; one Ctrl-C (or SIGTERM) stops every child cleanly,
then the parent releases the embedded services.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from edubot.procutil import die_with_parent

log = logging.getLogger("edubot.run")


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            self.argv, env=os.environ.copy(), preexec_fn=die_with_parent()
        )
        self.started_at = time.monotonic()
        log.info("started", extra={"child": self.name, "pid": self.process.pid})


def edubot_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "edubot", *args]


class Supervisor:
    def __init__(self, children: list[Child], *, stop_timeout: float = 30.0) -> None:
        self.children = children
        self.stop_timeout = stop_timeout
        self._stopping = False

    def _on_signal(self, signum: int, _frame: object) -> None:
        if not self._stopping:
            log.info("stopping", extra={"signal": signal.Signals(signum).name})
        self._stopping = True

    def run(self) -> int:
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children:
                child.start()
            while not self._stopping:
                self._watch()
                time.sleep(0.2)
            return self._stop_all()
        finally:
            for s, h in previous.items():
                signal.signal(s, h)

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            proc = child.process
            if proc is None:
                if now >= child.next_start:
                    child.start()
                continue
            code = proc.poll()
            if code is None:
                if now - child.started_at > 60:
                    child.restarts = 0  # it ran long enough: forget earlier failures
                continue
            child.restarts += 1
            delay = min(30.0, 2.0 ** min(child.restarts - 1, 5))
            log.error("child exited; restarting", extra={"child": child.name, "code": code, "in_seconds": delay})
            child.process = None
            child.next_start = now + delay

    def _stop_all(self) -> int:
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        worst = 0
        for child in self.children:
            if child.process is None:
                continue
            try:
                code = child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("child did not stop in time; killing it", extra={"child": child.name})
                child.process.kill()
                code = child.process.wait()
            log.info("stopped", extra={"child": child.name, "code": code})
            if code not in (0, -signal.SIGTERM, -signal.SIGINT):
                worst = 1
        return worst
