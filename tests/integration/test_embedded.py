"""Embedded PostgreSQL and Redis: start, share between processes, stop with the last holder, keep data."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import asyncpg
import redis

from edubot.embedded import EmbeddedServices, _pid_alive


def _pg_pid(data: Path) -> int:
    return int((data / "postgres" / "postmaster.pid").read_text().splitlines()[0])


async def _query(url: str, sql: str) -> object:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        if ";" in sql:
            await conn.execute(sql)
            return None
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def test_start_stop_restart_keeps_data(tmp_path: Path) -> None:
    data = tmp_path / "d"
    svc = EmbeddedServices(data)
    urls = svc.acquire()
    asyncio.run(_query(urls.database_url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('hello')"))
    redis.Redis.from_url(urls.redis_url).set("kept", "world")
    pg_pid = _pg_pid(data)
    svc.release()
    assert not _pid_alive(pg_pid), "PostgreSQL still running after the last holder left"
    assert not (data / "redis" / "redis.pid").exists() or not _pid_alive(
        int((data / "redis" / "redis.pid").read_text())
    )

    again = EmbeddedServices(data)
    urls2 = again.acquire()
    try:
        assert asyncio.run(_query(urls2.database_url, "SELECT v FROM kept")) == "hello"
        assert redis.Redis.from_url(urls2.redis_url).get("kept") == b"world"
    finally:
        again.release()


def test_shared_by_processes_and_stopped_by_the_last(tmp_path: Path) -> None:
    data = tmp_path / "d"
    mine = EmbeddedServices(data)
    mine.acquire()
    # another process joins, then exits without releasing (as if killed): its lease is pruned
    code = (
        "from pathlib import Path; from edubot.embedded import EmbeddedServices;"
        f"EmbeddedServices(Path({str(data)!r})).acquire()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    leases = json.loads((data / "leases.json").read_text())
    assert len(leases) == 2
    pg_pid = _pg_pid(data)
    mine.release()
    assert not _pid_alive(pg_pid), "the dead process's lease kept the servers running"
