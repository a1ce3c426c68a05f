"""Running the product's processes (worker, scheduler, bot) as real subprocesses in tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Proc:
    """A child process whose combined output goes to a file, shown when a test fails."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = Path(tempfile.mkstemp(prefix=f"edubot-{name}-", suffix=".log")[1])
        self._fh = self.log.open("wb")
        self.popen = subprocess.Popen(
            list(argv), env=env, cwd=ROOT, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        self._fh.flush()
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash, not a shutdown)."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 20) -> int:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._fh.close()
        return self.popen.returncode

    def wait_for_output(self, needle: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output():
                return
            if not self.alive():
                code = self.popen.returncode
                raise AssertionError(f"{self.name} exited ({code}) before {needle!r}:\n{self.output()}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not print {needle!r} within {timeout}s:\n{self.output()[-5000:]}")


def worker_argv(*extra_modules: str, processes: int = 1, threads: int = 4) -> list[str]:
    return [
        sys.executable, "-m", "dramatiq", "workers.broker", "workers.actors", *extra_modules,
        "--processes", str(processes), "--threads", str(threads), "--skip-logging",
        "--worker-shutdown-timeout", "5000",
    ]


@contextmanager
def running(name: str, argv: Sequence[str], env: dict[str, str]) -> Iterator[Proc]:
    proc = Proc(name, argv, env)
    try:
        yield proc
    except BaseException:
        print(f"----- {name} output -----\n{proc.output()[-20000:]}")
        raise
    finally:
        proc.stop()
