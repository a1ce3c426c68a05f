"""Outbox → relay → Dramatiq → worker: nothing enqueued before commit, nothing committed lost,
each row relayed once by racing relays, each job's effect exactly once, failures recorded."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from domain.model import OutboxJob
from domain.outbox import enqueue
from tests.conftest import ServiceUrls
from tests.support.processes import running, worker_argv
from workers.broker import build_broker
from workers.relay import EPOCH_KEY, relay_all

LEASE = 600.0


@pytest.fixture
async def db(fresh_db: str) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    engine = create_async_engine(fresh_db, pool_size=5)
    yield engine, async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def _queued_outbox_ids(r: aioredis.Redis, queue: str = "default") -> list[int]:
    raw = await r.hvals(f"dramatiq:{queue}.msgs")
    return sorted(json.loads(m)["options"]["outbox_id"] for m in raw)


async def _pings(sm: async_sessionmaker[AsyncSession], prefix: str) -> list[str]:
    async with sm() as s:
        rows = await s.execute(
            text("SELECT data->>'label' FROM audit_log WHERE action='system.ping' AND data->>'label' LIKE :p"),
            {"p": prefix + "%"},
        )
        return sorted(r[0] for r in rows)


async def _wait(predicate, timeout: float = 30.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_enqueue_belongs_to_the_transaction(session: AsyncSession) -> None:
    before = await session.scalar(select(func.count()).select_from(OutboxJob))
    async with session.begin_nested() as sp:
        await enqueue(session, "system_ping", "rolled-back")
        await sp.rollback()
    assert await session.scalar(select(func.count()).select_from(OutboxJob)) == before
    job_id = await enqueue(session, "system_ping", "kept", dedupe_key="k1")
    assert job_id is not None
    assert await enqueue(session, "system_ping", "again", dedupe_key="k1") is None  # at most once per key


async def test_two_racing_relays_send_every_row_exactly_once(db, redis: aioredis.Redis, services: ServiceUrls) -> None:
    engine, sm = db
    async with sm() as s:
        for i in range(1500):
            await enqueue(s, "system_ping", f"race-{i}")
        await s.commit()
    other_engine = create_async_engine(engine.url, pool_size=2)
    other_sm = async_sessionmaker(other_engine, expire_on_commit=False)
    broker_a, broker_b = build_broker(services.redis_url), build_broker(services.redis_url)
    try:
        sent_a, sent_b = await asyncio.gather(
            relay_all(sm, broker_a, redis, lease_seconds=LEASE),
            relay_all(other_sm, broker_b, redis, lease_seconds=LEASE),
        )
    finally:
        await other_engine.dispose()
    assert sent_a + sent_b == 1500
    assert sent_a > 0 and sent_b > 0, "one relay did everything: the race was not exercised"
    ids = await _queued_outbox_ids(redis)
    assert len(ids) == 1500 and len(set(ids)) == 1500
    assert await relay_all(sm, broker_a, redis, lease_seconds=LEASE) == 0  # nothing left to send


async def test_redis_flushed_before_and_after_relay_loses_nothing(db, redis, services, env_for) -> None:
    engine, sm = db
    broker = build_broker(services.redis_url)
    async with sm() as s:
        for i in range(20):
            await enqueue(s, "system_ping", f"flush-{i:02d}")
        await s.commit()
    await redis.flushdb()  # between commit and relay
    assert await relay_all(sm, broker, redis, lease_seconds=LEASE) == 20
    await redis.flushdb()  # after relay, before any worker ran: the queued messages are gone
    assert await _queued_outbox_ids(redis) == []
    assert await redis.get(EPOCH_KEY) is None
    assert await relay_all(sm, broker, redis, lease_seconds=LEASE) == 20  # a new epoch: sent again
    assert await relay_all(sm, broker, redis, lease_seconds=LEASE) == 0
    env = {**env_for, "EDUBOT_DATABASE_URL": str(engine.url.render_as_string(hide_password=False))}
    with running("worker", worker_argv(), env):

        async def all_done() -> bool:
            return len(await _pings(sm, "flush-")) == 20

        await _wait(all_done, what="20 pings")
    assert await _pings(sm, "flush-") == [f"flush-{i:02d}" for i in range(20)]
    async with sm() as s:
        undone = await s.scalar(text("SELECT count(*) FROM outbox WHERE done_at IS NULL"))
    assert undone == 0


async def test_duplicate_delivery_has_one_effect(db, redis, services, env_for) -> None:
    engine, sm = db
    broker = build_broker(services.redis_url)
    async with sm() as s:
        for i in range(30):
            await enqueue(s, "system_ping", f"dup-{i:02d}")
        await s.commit()
    assert await relay_all(sm, broker, redis, lease_seconds=LEASE) == 30
    async with sm() as s:  # force every row to be relayed a second time (as after a lease ran out)
        await s.execute(text("UPDATE outbox SET relayed_at = now() - interval '1 hour'"))
        await s.commit()
    assert await relay_all(sm, broker, redis, lease_seconds=1) == 30
    assert len(await _queued_outbox_ids(redis)) == 60
    env = {**env_for, "EDUBOT_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    with running("worker", worker_argv(threads=8), env) as proc:

        async def drained() -> bool:
            return await redis.hlen("dramatiq:default.msgs") == 0

        await _wait(drained, what="the queue to drain")
        await asyncio.sleep(0.5)
        log = proc.output()
    assert await _pings(sm, "dup-") == [f"dup-{i:02d}" for i in range(30)]  # each once
    assert log.count("skipped (already done)") == 30


async def test_final_failure_is_recorded_and_dead_lettered(db, redis, services, env_for) -> None:
    engine, sm = db
    broker = build_broker(services.redis_url)
    async with sm() as s:
        job_id = await enqueue(s, "test_always_fails", "boom")
        await s.commit()
    await relay_all(sm, broker, redis, lease_seconds=LEASE)
    env = {**env_for, "EDUBOT_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    with running("worker", worker_argv("tests.support.actors"), env):

        async def failed() -> bool:
            async with sm() as s:
                return bool(await s.scalar(text("SELECT failed_at IS NOT NULL FROM outbox WHERE id=:i"), {"i": job_id}))

        await _wait(failed, what="the job to be marked failed")
    async with sm() as s:
        row = (await s.execute(text("SELECT error, done_at FROM outbox WHERE id=:i"), {"i": job_id})).one()
        attempts = await s.scalar(text("SELECT count(*) FROM audit_log WHERE action='test.fail-attempt'"))
    assert "deliberate failure boom" in row.error and row.done_at is None
    assert attempts == 0  # each attempt's effects were rolled back with it
    await _wait(lambda: _xq_size(redis), what="the dead-letter queue")
    assert await relay_all(sm, broker, redis, lease_seconds=0.001) == 0  # failed rows are not sent again


async def _xq_size(r: aioredis.Redis) -> bool:
    return bool(await r.hlen("dramatiq:default.XQ.msgs"))
