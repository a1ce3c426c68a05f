"""Database faults for tests."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from domain.db import make_engine


async def kill_pooled_connection(url: str, sessions: async_sessionmaker) -> None:  # type: ignore[type-arg]
    """Terminate the server side of the connection ``sessions``' pool holds (as a PostgreSQL restart does),
    leaving it idle in the pool."""
    async with sessions() as s:
        backend = await s.scalar(text("SELECT pg_backend_pid()"))
        await s.commit()
    admin = make_engine(url, pool_size=1)
    try:
        async with admin.connect() as c:
            assert await c.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    finally:
        await admin.dispose()
