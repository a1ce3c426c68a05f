"""Actors used only by tests (loaded into a test worker as an extra module)."""

from __future__ import annotations

from domain import audit
from workers.jobs import JobContext, job


@job(queue="default", max_retries=1, min_backoff=100, max_backoff=200)
async def test_always_fails(ctx: JobContext, label: str) -> None:
    await audit.record(ctx.session, "test.fail-attempt", org_id=None, actor_user_id=None, label=label)
    raise RuntimeError(f"deliberate failure {label}")


@job(queue="default")
async def test_slow_ping(ctx: JobContext, label: str, seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
    await audit.record(ctx.session, "system.ping", org_id=None, actor_user_id=None, label=label)
