"""Builds the Bot and Dispatcher from configuration and runs them: long polling, or a webhook.

Wiring happens here and only here: the engine, Redis, FSM storage, middlewares and routers are
created inside the running loop and passed in (Dispatcher data and constructor arguments).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from aiogram import Dispatcher
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from redis.exceptions import LockError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import errors
from bot.client import build_bot
from bot.commands import set_default_menus
from bot.i18n import get_i18n
from bot.lane import EdubotDispatcher, build_lane
from bot.middlewares.dedupe import UpdateDedupeMiddleware
from bot.middlewares.i18n import ActorI18nMiddleware
from bot.middlewares.observe import ObserveMiddleware
from bot.middlewares.uow import UnitOfWorkMiddleware
from bot.middlewares.user import UserMiddleware
from bot.routers import build_routers
from bot.web import WEBHOOK_PATH, build_web_app, serve, shutdown
from domain.config import Settings
from domain.db import Driver, make_engine, make_sessionmaker

log = logging.getLogger("edubot.bot")


class RandomTokenIsolation(RedisEventIsolation):
    """aiogram's per-chat Redis lock, whose token is random bytes: redis-py's default token, ``uuid1()``,
    costs more CPU than the lock's round trips (3.5 % of a busy bot's time, measured)."""

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        held = self.redis.lock(name=self.key_builder.build(key, "lock"), **self.lock_kwargs)
        if not await held.acquire(token=secrets.token_hex(16)):
            raise LockError("Unable to acquire lock within the time specified")
        try:
            yield None
        finally:
            await held.release()


class RedisAttemptCounter:
    """Counts attempts per key in a fixed window (INCR + EXPIRE)."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def hit(self, key: str, window_seconds: int) -> int:
        full = f"edubot:attempts:{key}"
        count = int(await self.redis.incr(full))
        if count == 1:
            await self.redis.expire(full, window_seconds)
        return count


def build_dispatcher(
    engine: AsyncEngine, redis: aioredis.Redis, settings: Settings
) -> Dispatcher:
    # how many updates use the database at once, exam presses and the rest together
    slots = asyncio.Semaphore(settings.bot_db_connections)
    storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(with_bot_id=True))
    dp = EdubotDispatcher(
        lane=build_lane(Driver(engine, slots)),
        storage=storage,
        events_isolation=RandomTokenIsolation(redis),
        settings=settings,
        attempts=RedisAttemptCounter(redis),
        redis=redis,
    )
    # Outer middlewares on every update, in this order.
    dp.update.outer_middleware(ObserveMiddleware())
    dp.update.outer_middleware(UnitOfWorkMiddleware(make_sessionmaker(engine), slots))
    dp.update.outer_middleware(UpdateDedupeMiddleware())
    dp.update.outer_middleware(UserMiddleware())
    dp.update.outer_middleware(ActorI18nMiddleware(get_i18n()))
    dp.include_router(errors.build_router())
    for router in build_routers():
        dp.include_router(router)
    return dp


REDIS_CONNECTIONS = 64


async def run_bot(settings: Settings, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set."""
    db_url, redis_url = settings.require_services()
    # no test of each connection before use: the update's first statement retries on a dead one (dedupe)
    engine = make_engine(db_url, pool_size=settings.bot_db_connections, max_overflow=0, application_name="edubot-bot",
                         pre_ping=False)
    # a burst of updates waits for a connection rather than failing with "Too many connections"
    redis = aioredis.Redis(connection_pool=aioredis.BlockingConnectionPool.from_url(
        redis_url, max_connections=REDIS_CONNECTIONS, timeout=30))
    bot = build_bot(settings)
    dp = build_dispatcher(engine, redis, settings)
    app = build_web_app(engine, redis)
    allowed = dp.resolve_used_update_types()
    # What start-up built (aiogram's and pydantic's types, routers, translations) lives as long as the
    # process: out of the garbage collector's sight, a collection under load does not walk it again. An
    # update allocates thousands of short-lived objects; at Python's default threshold (700) the collector
    # ran many times per press: with it off, the bot took 8 % more presses a second (`edubot bench answers`),
    # and with cycles collected every 50,000 allocations instead it keeps nearly all of that.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    dp.shutdown.register(_finish_in_flight)
    dp.shutdown.handlers.insert(0, dp.shutdown.handlers.pop())  # before aiogram's own (the FSM's close)
    webhook = settings.webhook_url
    if webhook:
        assert settings.webhook_secret is not None
        SimpleRequestHandler(
            dispatcher=dp,
            bot=bot,
            secret_token=settings.webhook_secret.get_secret_value(),
            handle_in_background=False,
        ).register(app, path=WEBHOOK_PATH)
    runner = await serve(app, settings.http_host, settings.http_port)
    try:
        me = await bot.get_me()
        log.info("bot started", extra={"username": me.username, "mode": "webhook" if webhook else "polling"})
        await set_default_menus(bot)
        if webhook:
            await bot.set_webhook(
                url=webhook + WEBHOOK_PATH,
                secret_token=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
                allowed_updates=allowed,
            )
            await stop.wait()
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            polling = asyncio.create_task(
                dp.start_polling(bot, handle_signals=False, close_bot_session=False, allowed_updates=allowed)
            )
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if polling not in done:
                with contextlib.suppress(RuntimeError):
                    await dp.stop_polling()
                await polling
            stopper.cancel()
            if polling in done and polling.exception() is not None:
                raise polling.exception()  # type: ignore[misc]
    finally:
        await shutdown(runner)
        await dp.storage.close()
        await bot.session.close()
        await redis.aclose()
        await engine.dispose()
        log.info("bot stopped")


async def _finish_in_flight(dispatcher: Dispatcher) -> None:
    """Let updates being handled finish before anything closes: on shutdown aiogram closes the FSM's
    Redis connections, which updates still being handled need (and their answers still go out).

    Polling hands each update to a task of its own; aiogram keeps them in a set it does not expose."""
    tasks = set(getattr(dispatcher, "_handle_update_tasks", ()))
    if tasks:
        await asyncio.wait(tasks, timeout=15.0)

