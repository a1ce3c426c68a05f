"""The scheduler: one active instance (PostgreSQL advisory lock) relaying the outbox and running sweeps.

A second copy waits on the lock and takes over within a tick when the first dies: the lock is held
by a dedicated connection, so it is released the moment that process or its connection goes away.
Sweeps re-derive what is due from PostgreSQL, so a lost queue or a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis
from dramatiq import Broker
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import notify
from domain.config import Settings
from domain.db import make_engine, make_sessionmaker
from domain.outbox import NOTIFY_CHANNEL, enqueue
from domain.services import attempts, evaluations, exams
from workers.broker import build_broker, requeue_orphans
from workers.relay import relay_all

log = logging.getLogger("edubot.scheduler")

LOCK_KEY = 0x6564_7562_6F74  # "edubot"


@dataclass
class SweepContext:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: aioredis.Redis
    broker: Broker


SweepFn = Callable[[SweepContext], Awaitable[int | None]]


@dataclass
class Sweep:
    name: str
    every_seconds: float
    fn: SweepFn


SWEEPS: dict[str, Sweep] = {}


def sweep(name: str, *, every_seconds: float) -> Callable[[SweepFn], SweepFn]:
    """Register a periodic sweep; it runs only in the active scheduler."""

    def decorator(fn: SweepFn) -> SweepFn:
        SWEEPS[name] = Sweep(name, every_seconds, fn)
        return fn

    return decorator


@sweep("processed-updates-cleanup", every_seconds=3600)
async def _cleanup_updates(ctx: SweepContext) -> int:
    async with ctx.sessionmaker() as s:
        res = await s.execute(text("DELETE FROM processed_updates WHERE processed_at < now() - interval '2 days'"))
        await s.commit()
        return int(getattr(res, "rowcount", 0) or 0)


@sweep("notifications-due", every_seconds=10)
async def _notifications_due(ctx: SweepContext) -> int:
    """Quiet hours that ended, retries whose time came, claims of dead workers: deliver them now."""
    async with ctx.sessionmaker() as s:
        return await notify.schedule_due(s)


@sweep("attempts-due", every_seconds=2)
async def _attempts_due(ctx: SweepContext) -> int:
    """Attempts whose time and grace are over are submitted (and scored) whether the student is online or not."""
    async with ctx.sessionmaker() as s:
        return await attempts.submit_due(s)


@sweep("evaluations-sla", every_seconds=1)
async def _evaluations_sla(ctx: SweepContext) -> int:
    """Reminders to the evaluating teacher and breaches to the admins, as their moments come (each once)."""
    async with ctx.sessionmaker() as s:
        return await evaluations.sla_sweep(s)


@sweep("exams-opening", every_seconds=5)
async def _exams_opening(ctx: SweepContext) -> int:
    """Students are told when an exam's window opens."""
    async with ctx.sessionmaker() as s:
        return await exams.announce_due(s)


@sweep("exams-closing", every_seconds=10)
async def _exams_closing(ctx: SweepContext) -> int:
    """An exam whose window ended is closed: reviews kept until then go out, teachers get the summary."""
    async with ctx.sessionmaker() as s:
        closed = await exams.close_due(s)
        for exam_id in closed:
            await enqueue(s, "exam_closed", exam_id, dedupe_key=f"exam-closed:{exam_id}")
        await exams.summary_changed(s, closed)
        await s.commit()
        return len(closed)


@sweep("outbox-cleanup", every_seconds=3600)
async def _cleanup_outbox(ctx: SweepContext) -> int:
    async with ctx.sessionmaker() as s:
        res = await s.execute(text("DELETE FROM outbox WHERE done_at < now() - interval '7 days'"))
        await s.commit()
        return int(getattr(res, "rowcount", 0) or 0)


@sweep("orphaned-jobs", every_seconds=5)
async def _orphaned_jobs(ctx: SweepContext) -> None:
    """Jobs a dead worker had taken go back to their queues once its heartbeat is older than
    ``EDUBOT_WORKER_ORPHAN_SECONDS`` (each job's outbox claim keeps a second run from doing anything twice)."""
    _db, redis_url = ctx.settings.require_services()
    await asyncio.to_thread(requeue_orphans, _sweep_broker(redis_url, ctx.settings.worker_orphan_seconds))


@functools.cache
def _sweep_broker(redis_url: str, orphan_seconds: float) -> RedisBroker:
    return build_broker(redis_url, orphan_seconds=orphan_seconds)


def _raw_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


class Scheduler:
    """Runs until ``stop`` is set. ``is_leader`` tells whether this copy holds the lock."""

    def __init__(self, settings: Settings, broker: Broker, *, name: str = "scheduler") -> None:
        self.settings = settings
        self.broker = broker
        self.name = name
        self.is_leader = False
        self.became_leader = asyncio.Event()
        self._wake = asyncio.Event()
        self._last_run: dict[str, float] = {}

    async def run(self, stop: asyncio.Event) -> None:
        db_url, redis_url = self.settings.require_services()
        engine = make_engine(db_url, pool_size=4, application_name=f"edubot-{self.name}")
        redis = aioredis.Redis.from_url(redis_url)
        ctx = SweepContext(self.settings, make_sessionmaker(engine), redis, self.broker)
        try:
            while not stop.is_set():
                self._heartbeat("standby")
                conn = await self._try_lock(db_url)
                if conn is None:
                    await _wait(stop, self.settings.scheduler_tick_seconds)
                    continue
                try:
                    await self._lead(conn, ctx, stop)
                finally:
                    self.is_leader = False
                    self.became_leader.clear()
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
        finally:
            await redis.aclose()
            await engine.dispose()

    def _heartbeat(self, role: str) -> None:
        """Touch ``<data dir>/scheduler.heartbeat`` each tick (container health checks read its age)."""
        path = self.settings.data_path / "scheduler.heartbeat"
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{role} {time.time():.0f}\n")

    async def _try_lock(self, db_url: str) -> asyncpg.Connection | None:
        try:
            conn = await asyncpg.connect(_raw_dsn(db_url), server_settings={"application_name": "edubot-lock"})
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("scheduler cannot reach PostgreSQL", extra={"error": str(exc)})
            return None
        got = await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        if not got:
            await conn.close()
            return None
        return conn

    async def _lead(self, conn: asyncpg.Connection, ctx: SweepContext, stop: asyncio.Event) -> None:
        self.is_leader = True
        self.became_leader.set()
        log.info("scheduler is active", extra={"scheduler": self.name})

        def _notified(*_: object) -> None:
            self._wake.set()

        await conn.add_listener(NOTIFY_CHANNEL, _notified)
        relay = asyncio.create_task(self._relay_loop(ctx, stop))
        try:
            while not stop.is_set() and not relay.done():
                try:
                    await conn.fetchval("SELECT 1", timeout=5)
                except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                    log.warning("scheduler lost its lock connection", extra={"error": str(exc)})
                    return
                await self._run_due_sweeps(ctx)
                self._heartbeat("active")
                await _wait(stop, self.settings.scheduler_tick_seconds)
        finally:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await relay
            log.info("scheduler is no longer active", extra={"scheduler": self.name})

    async def _relay_loop(self, ctx: SweepContext, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                await relay_all(
                    ctx.sessionmaker, ctx.broker, ctx.redis, lease_seconds=self.settings.outbox_lease_seconds
                )
            except Exception:
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.relay_interval_seconds)

    async def _run_due_sweeps(self, ctx: SweepContext) -> None:
        now = time.monotonic()
        for sw in list(SWEEPS.values()):
            if now - self._last_run.get(sw.name, -1e18) < sw.every_seconds:
                continue
            self._last_run[sw.name] = now
            started = time.monotonic()
            try:
                count = await sw.fn(ctx)
            except Exception:
                log.exception("sweep failed", extra={"sweep": sw.name})
                continue
            ms = round((time.monotonic() - started) * 1000, 1)
            if count or ms > 1000:
                log.info("sweep", extra={"sweep": sw.name, "count": count, "ms": ms})


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
