"""The whole product as real processes pointed at a Bot API server: used by `edubot demo`,
`edubot sandbox`, the end-to-end tests and the benchmarks.

Each part (`edubot bot`, `edubot worker`, `edubot scheduler`) is a child process with its output
in a log file; parts can be killed (SIGKILL, as a crash), stopped and restarted independently.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("bot", "worker", "scheduler")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process in its own process group, its output kept in a log file."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log_dir: Path | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        if log_dir is None:
            fd, path = tempfile.mkstemp(prefix=f"edubot-{name}-", suffix=".log")
            os.close(fd)
            self.log = Path(path)
        else:
            log_dir.mkdir(parents=True, exist_ok=True)
            self.log = log_dir / f"{name}.log"
        self._fh = self.log.open("ab")
        self.popen = subprocess.Popen(  # noqa: S603
            self.argv, env=dict(env), cwd=ROOT, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        self._fh.flush()
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, not a shutdown."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._fh.close()

    def stop(self, timeout: float = 20.0) -> int:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        if not self._fh.closed:
            self._fh.close()
        return int(self.popen.returncode)

    def wait_for_output(self, needle: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output():
                return
            if not self.alive():
                code = self.popen.returncode
                tail = self.output()[-5000:]
                raise AssertionError(f"{self.name} exited ({code}) before printing {needle!r}:\n{tail}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not print {needle!r} within {timeout:.0f} s:\n{self.output()[-5000:]}")


def part_argv(part: str, *, worker_processes: int = 1, worker_threads: int = 8) -> list[str]:
    if part == "worker":
        return [sys.executable, "-m", "edubot", "worker", "--processes", str(worker_processes),
                "--threads", str(worker_threads)]
    return [sys.executable, "-m", "edubot", part]


class ProductProcesses:
    """Bot, worker and scheduler of one deployment, started with a given environment."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, *, worker_processes: int = 1,
                 worker_threads: int = 8) -> None:
        self.env = dict(env)
        self.log_dir = log_dir
        self.worker_processes = worker_processes
        self.worker_threads = worker_threads
        self.procs: dict[str, Proc] = {}

    def start(self, *parts: str) -> None:
        for part in parts or PARTS:
            if part in self.procs and self.procs[part].alive():
                continue
            argv = part_argv(part, worker_processes=self.worker_processes, worker_threads=self.worker_threads)
            self.procs[part] = Proc(part, argv, self.env, self.log_dir)

    def kill(self, part: str) -> None:
        self.procs[part].kill()

    def stop(self, *parts: str) -> None:
        for part in parts or tuple(self.procs):
            if part in self.procs:
                self.procs[part].stop()

    def restart(self, part: str) -> None:
        if part in self.procs:
            self.procs[part].stop()
        self.start(part)

    def logs(self) -> dict[str, str]:
        return {name: p.output() for name, p in self.procs.items()}

    def dead(self) -> list[str]:
        return [name for name, p in self.procs.items() if not p.alive()]
