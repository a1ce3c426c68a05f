"""The outbox relay: committed outbox rows → Dramatiq messages, each row relayed once.

Rows are taken with ``FOR UPDATE SKIP LOCKED`` so two relays never send the same row. A row is
sent again only when its job has not finished and either the Redis it was sent to has been
replaced or flushed (the *epoch* key in Redis changed) or its lease ran out; the job's claim on
its row makes a second delivery harmless.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import redis.asyncio as aioredis
from dramatiq import Broker, Message
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger("edubot.relay")

EPOCH_KEY = "edubot:relay:epoch"

_PENDING = text(
    """
    SELECT id, queue, actor, args, kwargs FROM outbox
    WHERE done_at IS NULL AND failed_at IS NULL
      AND (not_before IS NULL OR not_before <= now())
      AND (relayed_at IS NULL
           OR relay_epoch IS DISTINCT FROM :epoch
           OR relayed_at < now() - make_interval(secs => :lease))
    ORDER BY id
    LIMIT :batch
    FOR UPDATE SKIP LOCKED
    """
)
_MARK = text(
    "UPDATE outbox SET relayed_at = now(), relay_epoch = :epoch, relay_count = relay_count + 1 "
    "WHERE id = ANY(:ids)"
)


async def current_epoch(redis: aioredis.Redis) -> str:
    """The id of the Redis data set messages go to; a new one appears when Redis loses its data."""
    epoch = await redis.get(EPOCH_KEY)
    if epoch is None:
        await redis.set(EPOCH_KEY, uuid.uuid4().hex, nx=True)
        epoch = await redis.get(EPOCH_KEY)
    return epoch.decode() if isinstance(epoch, bytes) else str(epoch)


def _send_all(broker: Broker, rows: list[Any]) -> None:
    for row in rows:
        broker.enqueue(
            Message(
                queue_name=row.queue,
                actor_name=row.actor,
                args=tuple(row.args),
                kwargs=dict(row.kwargs),
                options={"outbox_id": row.id},
            )
        )


async def relay_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    broker: Broker,
    redis: aioredis.Redis,
    *,
    lease_seconds: float,
    batch: int = 500,
) -> int:
    """Relay one batch; returns how many rows were sent."""
    epoch = await current_epoch(redis)
    async with sessionmaker() as session:
        rows = (
            await session.execute(_PENDING, {"epoch": epoch, "lease": lease_seconds, "batch": batch})
        ).all()
        if not rows:
            await session.rollback()
            return 0
        await asyncio.to_thread(_send_all, broker, list(rows))
        await session.execute(_MARK, {"epoch": epoch, "ids": [r.id for r in rows]})
        await session.commit()
    log.info("relayed", extra={"rows": len(rows), "first_id": rows[0].id, "last_id": rows[-1].id})
    return len(rows)


async def relay_all(
    sessionmaker: async_sessionmaker[AsyncSession],
    broker: Broker,
    redis: aioredis.Redis,
    *,
    lease_seconds: float,
) -> int:
    total = 0
    while sent := await relay_once(sessionmaker, broker, redis, lease_seconds=lease_seconds):
        total += sent
    return total
