"""The bot's database session per update over the real PostgreSQL: a pooled connection that died while
idle (the server restarted) costs the update nothing — its first statement runs again on a fresh one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiogram.types import Update
from sqlalchemy import func, select, text

from bot.middlewares.dedupe import UpdateDedupeMiddleware
from domain.db import make_engine, make_sessionmaker
from domain.model.ops import ProcessedUpdate
from tests.support.db import kill_pooled_connection


async def test_an_update_survives_a_connection_killed_while_idle(fresh_db: str) -> None:
    engine = make_engine(fresh_db, pool_size=1, application_name="edubot-test-idle", pre_ping=False)
    sessions = make_sessionmaker(engine)
    handled: list[int] = []

    async def handler(event: Any, data: dict[str, Any]) -> str:
        handled.append(event.update_id)
        return "handled"

    try:
        async with sessions() as s:  # the pool now holds one connection
            backend = await s.scalar(text("SELECT pg_backend_pid()"))
            await s.commit()
        await kill_pooled_connection(fresh_db, sessions)
        middleware = UpdateDedupeMiddleware()
        async with sessions() as s:
            data: dict[str, Any] = {"session": s, "bot": SimpleNamespace(id=42)}
            assert await middleware(handler, Update(update_id=7), data) == "handled"
            await s.commit()
        async with sessions() as s:
            assert await s.scalar(text("SELECT pg_backend_pid()")) != backend
            assert await s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1
            data = {"session": s, "bot": SimpleNamespace(id=42)}
            assert await middleware(handler, Update(update_id=7), data) is None  # the same update: skipped
        assert handled == [7]
    finally:
        await engine.dispose()


async def test_one_chats_updates_are_handled_one_at_a_time(redis: Any) -> None:
    """The per-chat lock (random tokens) over the real Redis: a second update of the chat waits for the first."""
    import asyncio

    from aiogram.fsm.storage.base import StorageKey

    from bot.app import RandomTokenIsolation

    isolation = RandomTokenIsolation(redis)
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    seen: list[str] = []

    async def update(name: str, hold: float) -> None:
        async with isolation.lock(key):
            seen.append(f"{name} in")
            await asyncio.sleep(hold)
            seen.append(f"{name} out")

    first = asyncio.create_task(update("a", 0.3))
    await asyncio.sleep(0.05)
    await asyncio.gather(first, update("b", 0))
    assert seen == ["a in", "a out", "b in", "b out"]
    assert await redis.keys("*lock*") == []  # released
