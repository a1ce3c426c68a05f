"""Engines and sessions. Each process creates its engine inside its running event loop, never at import.

Hot paths (an exam press) send their statements on the driver's own connection (asyncpg), taken from
the same pool as every session's: :class:`Driver` lends one for a piece of work, :func:`driver` gives
the one under a session's transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger("edubot.db")
T = TypeVar("T")



def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int | None = None, application_name: str = "edubot",
    pre_ping: bool = True
) -> AsyncEngine:
    """``pre_ping`` tests each connection before use (one round trip); hot paths whose failures are
    retried anyway (workers) can skip it. ``max_overflow``: connections beyond ``pool_size`` made for a burst
    (as many again unless given)."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def driver(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under ``session``, inside the session's transaction (begun here if it was not
    yet): statements sent on it are part of the session's unit of work."""
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    if not raw.is_in_transaction():  # SQLAlchemy sends BEGIN with the session's first statement
        await conn.execute(text("SELECT 1"))
    return raw


class Driver:
    """Lends a pooled connection's asyncpg driver to one piece of work (its statements run in autocommit unless
    the work opens a transaction).

    ``slots`` bounds how many updates use the database at once (shared with the bot's sessions). The pool
    does not test a connection before lending it: a connection that died while idle fails the work's
    first statement, before anything was stored, and the work runs once more on a fresh connection."""

    def __init__(self, engine: AsyncEngine, slots: asyncio.Semaphore) -> None:
        self.engine = engine
        self.slots = slots

    async def run(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        async with self.slots:
            for tries_left in (1, 0):
                async with self.engine.connect() as conn:
                    raw = (await conn.get_raw_connection()).driver_connection
                    assert raw is not None
                    try:
                        return await work(raw)
                    except Exception:
                        if not tries_left or not raw.is_closed():
                            raise
                        log.warning("database connection lost while idle; once more on a fresh one")
                        await conn.invalidate()
        raise AssertionError("unreachable")
