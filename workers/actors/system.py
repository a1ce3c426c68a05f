"""Operational actors: a ping that proves the outbox → relay → worker → database path end to end."""

from __future__ import annotations

from domain import audit
from workers.jobs import JobContext, job


@job(queue="default")
async def system_ping(ctx: JobContext, label: str) -> None:
    """Record that a ping went all the way through (``edubot check`` waits for this row)."""
    await audit.record(ctx.session, "system.ping", org_id=None, actor_user_id=None, entity="outbox",
                       entity_id=ctx.outbox_id, label=label, attempt=ctx.attempt)
