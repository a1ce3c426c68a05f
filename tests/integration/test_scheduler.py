"""The scheduler: one active copy by advisory lock, take-over when it dies, relay woken by NOTIFY."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from domain.config import load_settings
from domain.outbox import enqueue
from workers.broker import build_broker
from workers.scheduler import Scheduler


def _settings(db_url: str, redis_url: str, **extra: object):  # type: ignore[no-untyped-def]
    return load_settings(database_url=db_url, redis_url=redis_url, scheduler_tick_seconds=0.2, **extra)


async def _until(pred, timeout: float = 10.0) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pred():
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture
async def pair(fresh_db, services, redis):  # type: ignore[no-untyped-def]
    settings = _settings(fresh_db, services.redis_url)
    a, b = Scheduler(settings, build_broker(services.redis_url), name="a"), Scheduler(
        settings, build_broker(services.redis_url), name="b"
    )
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    ta, tb = asyncio.create_task(a.run(stop_a)), asyncio.create_task(b.run(stop_b))
    yield a, b, stop_a, stop_b
    stop_a.set()
    stop_b.set()
    await asyncio.gather(ta, tb, return_exceptions=True)


async def test_only_one_is_active_and_the_other_takes_over(pair) -> None:  # type: ignore[no-untyped-def]
    a, b, stop_a, stop_b = pair
    await _until(lambda: a.is_leader or b.is_leader)
    for _ in range(15):  # over several ticks, never both
        assert a.is_leader != b.is_leader
        await asyncio.sleep(0.1)
    leader, stop, other = (a, stop_a, b) if a.is_leader else (b, stop_b, a)
    stop.set()
    took = await _until(lambda: other.is_leader, timeout=5)
    assert not leader.is_leader
    assert took < 2.0


async def test_lost_lock_connection_hands_over(pair, fresh_db) -> None:  # type: ignore[no-untyped-def]
    a, b, _stop_a, _stop_b = pair
    await _until(lambda: a.is_leader or b.is_leader)
    other = b if a.is_leader else a
    conn = await asyncpg.connect(fresh_db.replace("postgresql+asyncpg://", "postgresql://"))
    try:  # the database drops the active scheduler's lock connection (as when its host dies)
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'edubot-lock' AND datname = current_database() "
            "AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)"
        )
    finally:
        await conn.close()
    assert killed == 1
    await _until(lambda: other.is_leader, timeout=10)
    assert other.is_leader
    await asyncio.sleep(0.5)
    assert not (a.is_leader and b.is_leader)


async def test_relay_is_woken_by_notify(fresh_db, services, redis: aioredis.Redis) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(fresh_db, services.redis_url, relay_interval_seconds=60)
    sched = Scheduler(settings, build_broker(services.redis_url))
    stop = asyncio.Event()
    task = asyncio.create_task(sched.run(stop))
    engine = create_async_engine(fresh_db)
    try:
        await asyncio.wait_for(sched.became_leader.wait(), 10)
        await asyncio.sleep(0.3)  # the relay's first pass is done; next poll is a minute away
        async with async_sessionmaker(engine)() as s:
            await enqueue(s, "system_ping", "notify")
            await s.commit()
        started = time.monotonic()
        while await redis.hlen("dramatiq:default.msgs") == 0:
            assert time.monotonic() - started < 3, "the relay did not wake on NOTIFY"
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task
        await engine.dispose()


def test_a_dead_workers_message_goes_back_to_its_queue(services, redis) -> None:  # type: ignore[no-untyped-def]
    """A message a worker fetched and never acked (the worker died) is queued again once the worker's
    heartbeat is older than the orphan timeout; a live worker's message stays with it."""
    from dramatiq import Message

    from workers.broker import requeue_orphans

    dead, alive = build_broker(services.redis_url), build_broker(services.redis_url)
    sweeper = build_broker(services.redis_url, orphan_seconds=2)
    for b in (dead, alive, sweeper):
        b.declare_queue("ingest")
    for n in (1, 2):
        dead.enqueue(Message(queue_name="ingest", actor_name="nobody", args=(n,), kwargs={}, options={}))
    taken = [dead.consume("ingest", prefetch=1, timeout=100), alive.consume("ingest", prefetch=1, timeout=100)]
    assert [next(c) is not None for c in taken] == [True, True]  # one unacked message each
    waiting = lambda: sweeper.client.llen("dramatiq:ingest")  # noqa: E731 - messages in the queue, not taken
    assert waiting() == 0
    time.sleep(2.2)
    alive.do_qsize("ingest")  # (any command is the live worker's heartbeat)
    requeue_orphans(sweeper)
    assert waiting() == 1  # the dead one's message only
    for c in taken:
        c.close()
