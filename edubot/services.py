"""Resolving PostgreSQL and Redis for a command: the configured URLs, or the embedded servers.

When a URL is missing the embedded server is started (or joined) and its URL is put into the
environment, so child processes started from here use the same servers without starting their own.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from domain.config import Settings, load_settings
from edubot.embedded import EmbeddedServices


@contextlib.contextmanager
def resolved(settings: Settings) -> Iterator[Settings]:
    need_pg = not settings.database_url
    need_redis = not settings.redis_url
    if not (need_pg or need_redis):
        yield settings
        return
    embedded = EmbeddedServices(settings.data_path)
    urls = embedded.acquire(postgres=need_pg, redis=need_redis)
    saved = {k: os.environ.get(k) for k in ("EDUBOT_DATABASE_URL", "EDUBOT_REDIS_URL")}
    if need_pg:
        os.environ["EDUBOT_DATABASE_URL"] = urls.database_url
    if need_redis:
        os.environ["EDUBOT_REDIS_URL"] = urls.redis_url
    try:
        yield load_settings()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        embedded.release()


def with_database(url: str, database: str) -> str:
    """The same PostgreSQL server, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def with_redis_db(url: str, db: int) -> str:
    """The same Redis server, another logical database."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"] + [("db", str(db))]
        return f"unix://{parts.netloc}{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


async def recreate_database(server_url: str, name: str) -> str:
    """Drop and create ``name`` on the server of ``server_url``; returns its URL (not yet migrated)."""
    import asyncpg

    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name {name!r}")
    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_url, name)


def scratch(settings: Settings, database: str, redis_db: int) -> tuple[str, str]:
    """A clean, migrated database and an emptied Redis database on the servers of ``settings``.

    Used by `edubot demo` and `edubot sandbox`, so trying the product never touches real data.
    """
    import asyncio

    import redis

    from edubot.migrate import upgrade

    db_url, redis_url = settings.require_services()
    url = asyncio.run(recreate_database(db_url, database))
    upgrade(url)
    scratch_redis = with_redis_db(redis_url, redis_db)
    client = redis.Redis.from_url(scratch_redis)
    try:
        client.flushdb()
    finally:
        client.close()
    return url, scratch_redis
