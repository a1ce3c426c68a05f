"""The ``@job`` decorator: a Dramatiq async actor that runs inside one database transaction.

A job that came from the outbox first claims its outbox row (``done_at`` set in the same transaction
as the job's own effects). A second delivery of the same row finds it done and does nothing, so a
job's database effects happen exactly once even when Dramatiq delivers twice. When the last retry
fails the row is marked failed with the error, and the message goes to Dramatiq's dead letters.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, cast

import dramatiq
from dramatiq.middleware import CurrentMessage
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from workers.broker import MAX_RETRIES, QUEUES
from workers.runtime import Runtime, get_runtime

log = logging.getLogger("edubot.job")
P = ParamSpec("P")


@dataclass
class JobContext:
    """What a job function receives: its transaction's session and the process runtime."""

    session: AsyncSession
    runtime: Runtime
    outbox_id: int | None
    attempt: int


_CLAIM = text(
    "UPDATE outbox SET done_at = now() WHERE id = :id AND done_at IS NULL AND failed_at IS NULL RETURNING id"
)
_FAIL = text("UPDATE outbox SET failed_at = now(), error = :error WHERE id = :id AND done_at IS NULL")


def job(
    *,
    queue: str = "default",
    max_retries: int = MAX_RETRIES,
    time_limit_ms: int | None = None,
    **options: Any,
) -> Callable[[Callable[Concatenate[JobContext, P], Awaitable[None]]], dramatiq.Actor[P, None]]:
    """Declare an idempotent async actor named after the function."""

    if queue not in QUEUES:
        raise ValueError(f"queue {queue!r} is not one of workers.broker.QUEUES")

    def decorator(fn: Callable[Concatenate[JobContext, P], Awaitable[None]]) -> dramatiq.Actor[P, None]:
        name = fn.__name__

        @functools.wraps(fn)
        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            message = CurrentMessage.get_current_message()
            opts = message.options if message is not None else {}
            outbox_id = opts.get("outbox_id")
            attempt = int(opts.get("retries", 0)) + 1
            rt = await get_runtime()
            started = time.monotonic()
            outcome = "done"
            try:
                async with rt.sessionmaker() as session:
                    if outbox_id is not None:
                        claimed = (await session.execute(_CLAIM, {"id": outbox_id})).scalar_one_or_none()
                        if claimed is None:
                            outcome = "skipped (already done)"
                            await session.rollback()
                            return
                    await fn(JobContext(session, rt, outbox_id, attempt), *args, **kwargs)
                    if session.in_transaction():
                        await session.commit()
            except Exception as exc:
                outcome = f"failed: {type(exc).__name__}"
                if outbox_id is not None and attempt > max_retries:
                    async with rt.sessionmaker() as session:
                        await session.execute(_FAIL, {"id": outbox_id, "error": f"{type(exc).__name__}: {exc}"[:2000]})
                        await session.commit()
                raise
            finally:
                log.info(
                    "job %s",
                    outcome,
                    extra={
                        "actor": name,
                        "message_id": message.message_id if message is not None else None,
                        "outbox_id": outbox_id,
                        "attempt": attempt,
                        "ms": round((time.monotonic() - started) * 1000, 1),
                    },
                )

        limits: dict[str, Any] = {"time_limit": time_limit_ms} if time_limit_ms else {}
        declare = dramatiq.actor(actor_name=name, queue_name=queue, max_retries=max_retries, **limits, **options)
        return cast("dramatiq.Actor[P, None]", declare(run))

    return decorator
