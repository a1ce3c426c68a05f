"""Per-process resources of a worker, created lazily inside the worker's event loop.

Dramatiq runs every async actor on one event-loop thread per worker process; the engine, Redis
client and Telegram session live on that loop and are closed when the worker shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from dramatiq import Middleware
from dramatiq.asyncio import get_event_loop_thread
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.config import Settings, load_settings
from domain.db import make_engine, make_sessionmaker


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: aioredis.Redis
    loop: asyncio.AbstractEventLoop
    extras: dict[str, object] = field(default_factory=dict)

    async def close(self) -> None:
        for extra in self.extras.values():
            closer = getattr(extra, "close", None)
            if closer is not None:
                res = closer()
                if asyncio.iscoroutine(res):
                    await res
        await self.redis.aclose()
        await self.engine.dispose()


_runtime: Runtime | None = None


async def get_runtime() -> Runtime:
    """The runtime of the current event loop, created on first use."""
    global _runtime
    loop = asyncio.get_running_loop()
    if _runtime is not None and _runtime.loop is loop:
        return _runtime
    settings = load_settings()
    db_url, redis_url = settings.require_services()
    # no pre-ping: a job that meets a dropped connection fails and is retried (Dramatiq's retries)
    engine = make_engine(db_url, pool_size=settings.db_pool_size, application_name="edubot-worker", pre_ping=False)
    _runtime = Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        redis=aioredis.Redis.from_url(redis_url),
        loop=loop,
    )
    return _runtime


async def close_runtime() -> None:
    global _runtime
    if _runtime is not None:
        rt, _runtime = _runtime, None
        await rt.close()


class RuntimeCloser(Middleware):
    """Closes the loop's runtime (engine, Redis, Telegram session) when a worker shuts down."""

    def before_worker_shutdown(self, broker: object, worker: object) -> None:
        thread = get_event_loop_thread()
        if thread is not None and _runtime is not None:
            with contextlib.suppress(Exception):
                thread.run_coroutine(close_runtime())
