"""Test services: a real PostgreSQL and a real Redis for the whole session.

``EDUBOT_TEST_DATABASE_URL`` / ``EDUBOT_TEST_REDIS_URL`` are used when set; otherwise the embedded
servers start under ``.edubot/test``. A service that cannot be reached fails the run (never a skip).

Before collection a test database is created and migrated with ``alembic upgrade head``, and its
URL is put into ``EDUBOT_DATABASE_URL`` (so modules that read the configuration at import see it).
A migrated *template* database is kept untouched so tests that need committed data (subprocesses,
two connections racing) get a fresh copy in milliseconds with ``CREATE DATABASE … TEMPLATE``.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class ServiceUrls:
    server_url: str  # postgresql+asyncpg URL of the maintenance database on the server
    redis_url: str
    database_url: str  # the migrated test database
    template: str  # name of the migrated template database
    embedded: object | None = None

    def url_for(self, database: str) -> str:
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path="/" + database))


_SERVICES: ServiceUrls | None = None


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin(server_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(server_url), timeout=10)
    try:
        for st in statements:
            await conn.execute(st)
    finally:
        await conn.close()


def _normalise_pg(url: str) -> str:
    _scheme, rest = url.split("://", 1)
    return "postgresql+asyncpg://" + rest


def _redis_db_for_worker(url: str) -> str:
    """Under pytest-xdist each worker process gets a Redis database of its own (the URL's number plus
    the worker's), so one worker's FLUSHDB or queues never touch another's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    offset = int(worker[2:])
    if re.search(r"[?&]db=\d+", url):  # unix:///…/redis.sock?db=1 (urlunsplit would drop its empty host)
        return re.sub(r"([?&]db=)(\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) + offset}", url)
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + offset}"))


def pytest_configure(config: pytest.Config) -> None:
    global _SERVICES
    if getattr(config.option, "numprocesses", None) and "PYTEST_XDIST_WORKER" not in os.environ:
        return  # the pytest-xdist controller runs no test; each worker sets up its own
    from edubot.migrate import upgrade

    db_env = os.environ.get("EDUBOT_TEST_DATABASE_URL")
    redis_env = os.environ.get("EDUBOT_TEST_REDIS_URL")
    embedded = None
    if not (db_env and redis_env):
        from edubot.embedded import EmbeddedServices

        embedded = EmbeddedServices(ROOT / ".edubot" / "test")
        urls = embedded.acquire(postgres=not db_env, redis=not redis_env)
        db_env = db_env or urls.database_url
        redis_env = redis_env or urls.redis_url.replace("db=0", "db=1")
    redis_env = _redis_db_for_worker(redis_env)
    server_url = _normalise_pg(db_env)
    suffix = uuid.uuid4().hex[:8]
    template = f"edubot_tpl_{suffix}"
    name = f"edubot_test_{suffix}"
    parts = urlsplit(server_url)
    try:
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{template}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        where = parts.hostname or parts.query
        raise pytest.UsageError(f"the test PostgreSQL at {where} cannot be used: {exc}") from exc
    template_url = urlunsplit(parts._replace(path="/" + template))
    upgrade(template_url)
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    database_url = urlunsplit(parts._replace(path="/" + name))
    _SERVICES = ServiceUrls(server_url, redis_env, database_url, template, embedded)
    os.environ["EDUBOT_DATABASE_URL"] = database_url
    os.environ["EDUBOT_REDIS_URL"] = redis_env
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    os.environ.setdefault("EDUBOT_DATA_DIR", str(ROOT / ".edubot" / f"test-data{'-' + worker if worker else ''}"))
    os.environ.setdefault("EDUBOT_LOG_LEVEL", "WARNING")
    os.environ["EDUBOT_ENV_FILE"] = ""  # a developer's .env must not change what the tests see


def pytest_unconfigure(config: pytest.Config) -> None:
    global _SERVICES
    if _SERVICES is None:
        return
    svc, _SERVICES = _SERVICES, None
    try:
        asyncio.run(
            _admin(
                svc.server_url,
                f"DROP DATABASE IF EXISTS \"{urlsplit(svc.database_url).path.lstrip('/')}\" WITH (FORCE)",
                f'DROP DATABASE IF EXISTS "{svc.template}" WITH (FORCE)',
            )
        )
    finally:
        if svc.embedded is not None:
            svc.embedded.release()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def services() -> ServiceUrls:
    assert _SERVICES is not None
    return _SERVICES


@pytest.fixture(scope="session")
async def engine(services: ServiceUrls) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(services.database_url, pool_size=5)
    yield eng
    await eng.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test (services may commit freely)."""
    conn: AsyncConnection = await engine.connect()
    outer = await conn.begin()
    s = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        await s.close()
        await outer.rollback()
        await conn.close()


async def _fresh_database(services: ServiceUrls) -> AsyncIterator[str]:
    name = f"edubot_t_{uuid.uuid4().hex[:10]}"
    await _admin(services.server_url, f'CREATE DATABASE "{name}" TEMPLATE "{services.template}"')
    try:
        yield services.url_for(name)
    finally:
        await _admin(services.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def fresh_db(services: ServiceUrls) -> AsyncIterator[str]:
    """URL of a new, migrated, empty database (committed data visible to every connection)."""
    async for url in _fresh_database(services):
        yield url


@pytest.fixture(scope="module")
async def module_db(services: ServiceUrls) -> AsyncIterator[str]:
    """Like ``fresh_db``, shared by the tests of one module."""
    async for url in _fresh_database(services):
        yield url


@pytest.fixture
async def redis(services: ServiceUrls) -> AsyncIterator[aioredis.Redis]:
    """The test Redis, emptied before the test."""
    client = aioredis.Redis.from_url(services.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def env_for(services: ServiceUrls, tmp_path: Path) -> dict[str, str]:
    """Environment for a child process of the product pointed at the test services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUBOT_")}
    env.update(
        EDUBOT_DATABASE_URL=services.database_url,
        EDUBOT_REDIS_URL=services.redis_url,
        EDUBOT_DATA_DIR=str(tmp_path / "data"),
        EDUBOT_LOG_LEVEL="INFO",
        EDUBOT_ENV_FILE="",
    )
    return env
