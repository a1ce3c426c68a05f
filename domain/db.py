"""Engines and sessions. Each process creates its engine inside its running event loop, never at import."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(
    url: str, *, pool_size: int = 10, application_name: str = "edubot", pre_ping: bool = True
) -> AsyncEngine:
    """``pre_ping`` tests each connection before use (one round trip); hot paths whose failures are
    retried anyway (workers) can skip it."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
