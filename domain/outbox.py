"""Enqueue background work inside the caller's transaction.

A service calls :func:`enqueue` with the session of its use case; the row commits (or rolls back)
with everything else. The scheduler's relay sends committed rows to Dramatiq after commit, and the
worker marks a row done in the same transaction as the job's own effects. A ``NOTIFY`` wakes the
relay at commit, so the work starts within milliseconds without anyone polling hard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model.ops import OutboxJob

NOTIFY_CHANNEL = "edubot_outbox"

JsonValue = None | bool | int | float | str | Sequence[Any] | Mapping[str, Any]


async def enqueue(
    session: AsyncSession,
    actor: str,
    *args: JsonValue,
    queue: str = "default",
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
    **kwargs: JsonValue,
) -> int | None:
    """Record a job for ``actor`` (a Dramatiq actor name) with JSON arguments.

    Returns the outbox id, or None when a job with the same ``dedupe_key`` already exists
    (so callers can enqueue "at most once per key" without checking first).
    """
    stmt = (
        insert(OutboxJob)
        .values(queue=queue, actor=actor, args=list(args), kwargs=dict(kwargs), dedupe_key=dedupe_key,
                not_before=not_before)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxJob.id)
    )
    job_id = (await session.execute(stmt)).scalar_one_or_none()
    if job_id is not None:
        await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return job_id
