"""The whole product as real processes pointed at a Bot API server: used by `edubot demo`,
`edubot sandbox`, the end-to-end tests and the benchmarks.

Each part (`edubot bot`, `edubot worker`, `edubot scheduler`) is a child process with its output
in a log file; parts can be killed (SIGKILL, as a crash), stopped and restarted independently.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from edubot.procutil import die_with_parent

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from sandbox import Limits, Sandbox
    from sandbox.client import SandboxUser
    from sandbox.emulator import BotHandle

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("bot", "worker", "scheduler")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process in its own process group, its output kept in a log file.

    It is killed if the thread that started it ends (``PR_SET_PDEATHSIG``): start it from the main
    thread (the event loop), never from a short-lived worker thread.
    """

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
            self.argv, env=dict(env), cwd=ROOT, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGKILL),
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        if not self._fh.closed:
            self._fh.flush()
        return self.log.read_text(errors="replace")

    def tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.popen.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL the process and every descendant: a crash, not a shutdown."""
        for p in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        self.popen.wait(timeout=10)
        if not self._fh.closed:
            self._fh.close()

    def terminate(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM the process (it stops its own children) and wait; SIGKILL the tree if it hangs."""
        if self.alive():
            self.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
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
        chosen = [self.procs[p] for p in parts or tuple(self.procs) if p in self.procs]
        for proc in chosen:
            proc.terminate()
        for proc in chosen:
            proc.stop()

    def restart(self, part: str) -> None:
        if part in self.procs:
            self.procs[part].stop()
        self.start(part)

    def logs(self) -> dict[str, str]:
        return {name: p.output() for name, p in self.procs.items()}

    def dead(self) -> list[str]:
        return [name for name, p in self.procs.items() if not p.alive()]


class Deployment:
    """The sandbox as Telegram, plus the product's processes pointed at it and at given services.

    ``await start()`` returns when the bot is polling (or its webhook is set), a worker is ready and
    the scheduler is active. Python code can seed data through ``sessionmaker`` and play people
    through ``person(...)``.
    """

    BOT_TOKEN = "7000000042:AAEdubotSandboxTokenNotSecret0000000"  # noqa: S105 - the sandbox's own bot

    def __init__(
        self,
        database_url: str,
        redis_url: str,
        data_dir: Path,
        *,
        limits: Limits | None = None,
        webhook: bool = False,
        parts: Sequence[str] = PARTS,
        worker_processes: int = 1,
        worker_threads: int = 8,
        extra_env: Mapping[str, str] | None = None,
        sandbox_port: int = 0,
        sandbox_host: str = "127.0.0.1",
    ) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.data_dir = data_dir
        self.limits = limits
        self.webhook = webhook
        self.parts = tuple(parts)
        self.worker_processes = worker_processes
        self.worker_threads = worker_threads
        self.extra_env = dict(extra_env or {})
        self.sandbox_port = sandbox_port
        self.sandbox_host = sandbox_host
        self.sandbox: Sandbox | None = None
        self.bot: BotHandle | None = None
        self.procs: ProductProcesses | None = None
        self.engine: AsyncEngine | None = None
        self.sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self.http_port = 0

    @property
    def env(self) -> dict[str, str]:
        assert self.procs is not None
        return self.procs.env

    async def start(self, timeout: float = 60.0) -> None:
        from domain.db import make_engine, make_sessionmaker
        from sandbox import Limits as SbLimits
        from sandbox import Sandbox as Sb

        self.sandbox = Sb(limits=self.limits or SbLimits.off())
        await self.sandbox.start(host=self.sandbox_host, port=self.sandbox_port)
        self.bot = self.sandbox.add_bot(token=self.BOT_TOKEN, username="edubot_bot", first_name="edubot")
        self.http_port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDUBOT_")}
        env.update(
            EDUBOT_BOT_TOKEN=self.bot.token,
            EDUBOT_TELEGRAM_API_URL=self.sandbox.api_url,
            EDUBOT_DATABASE_URL=self.database_url,
            EDUBOT_REDIS_URL=self.redis_url,
            EDUBOT_DATA_DIR=str(self.data_dir),
            EDUBOT_HTTP_HOST="127.0.0.1",
            EDUBOT_HTTP_PORT=str(self.http_port),
            EDUBOT_WORKER_METRICS_PORT=str(free_port()),
            EDUBOT_LOG_LEVEL="INFO",
            EDUBOT_ENV_FILE="",  # an operator's .env (a real token, a webhook URL) must not leak in
        )
        if self.webhook:
            env.update(EDUBOT_WEBHOOK_URL=f"http://127.0.0.1:{self.http_port}",
                       EDUBOT_WEBHOOK_SECRET="sandbox-webhook-secret-" + os.urandom(6).hex())
        env.update(self.extra_env)
        self.engine = make_engine(self.database_url, pool_size=4, application_name="edubot-stack")
        self.sessionmaker = make_sessionmaker(self.engine)
        shutil.rmtree(self.data_dir / "logs", ignore_errors=True)  # logs of an earlier run would mislead
        self.procs = ProductProcesses(env, self.data_dir / "logs", worker_processes=self.worker_processes,
                                      worker_threads=self.worker_threads)
        self.procs.start(*self.parts)
        try:
            await self.wait_ready(timeout)
        except BaseException:
            await self.stop()
            raise

    async def wait_ready(self, timeout: float = 60.0, parts: Sequence[str] | None = None) -> None:
        """Until every started part is working, judged by what it does (whatever the log level): the bot
        polls (or set its webhook), every worker process fetches from Redis, the scheduler holds its lock."""
        assert self.procs is not None and self.sandbox is not None
        since = time.time()
        deadline = time.monotonic() + timeout
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.redis_url)
        try:
            for part in parts or self.parts:
                proc = self.procs.procs[part]
                while not await self._working(part, client, since):
                    if not proc.alive():
                        raise RuntimeError(f"{part} exited ({proc.popen.returncode}):\n{proc.output()[-5000:]}")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{part} not ready within {timeout:.0f} s:\n{proc.output()[-5000:]}")
                    await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def _working(self, part: str, client: object, since: float) -> bool:
        assert self.sandbox is not None
        if part == "bot":
            method = "setWebhook" if self.webhook else "getUpdates"
            return any(c.token == self.BOT_TOKEN and c.wall >= since - 1 for c in self.sandbox.calls_of(method))
        if part == "worker":
            beats = await client.zrangebyscore("dramatiq:__heartbeats__", int(since * 1000) - 1000, "+inf")  # type: ignore[attr-defined]
            return len(beats) >= self.worker_processes
        beat = self.data_dir / "scheduler.heartbeat"
        try:
            return beat.stat().st_mtime >= since - 1 and beat.read_text().startswith("active")
        except OSError:
            return False

    def person(self, first_name: str, last_name: str | None = None, *, language_code: str = "en") -> SandboxUser:
        assert self.sandbox is not None
        return self.sandbox.add_user(first_name, last_name, language_code=language_code)

    def logs(self) -> dict[str, str]:
        return self.procs.logs() if self.procs else {}

    async def stop(self) -> None:
        if self.procs is not None:
            await asyncio.to_thread(self.procs.stop)
        if self.engine is not None:
            await self.engine.dispose()
        if self.sandbox is not None:
            await self.sandbox.stop()
