"""Running product processes (a bare Dramatiq worker) as real subprocesses in tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from edubot.stack import Proc


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
