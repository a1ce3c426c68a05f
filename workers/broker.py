"""The Dramatiq broker: Redis, async actors, retries with backoff, dead letters, Prometheus.

Imported before any actor module (``workers.actors`` imports it first), so every actor is declared
on this broker. Nothing here opens a database connection; engines are created in the worker's loop.
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name
from dramatiq.middleware import (
    AgeLimit,
    AsyncIO,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from domain.config import load_settings
from edubot.logs import setup_logging
from workers.runtime import RuntimeCloser

MAX_RETRIES = 8
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 5 * 60_000
#: Every queue a job may use (``workers.jobs.job`` refuses another); the scheduler looks after each.
QUEUES = ("default", "ingest", "notify")
#: Dramatiq looks for a dead worker's messages on a random 0.1 % of broker commands; the scheduler's
#: ``orphaned-jobs`` sweep does it for every queue every few seconds, so this chance is only a fallback.
MAINTENANCE_CHANCE = 1_000


def build_broker(redis_url: str, *, prometheus: bool = False, orphan_seconds: float = 30.0) -> RedisBroker:
    """The broker; an unacked message of a worker silent for ``orphan_seconds`` returns to its queue."""
    middleware: list[dramatiq.Middleware] = []
    if prometheus:
        from dramatiq.middleware.prometheus import Prometheus

        middleware.append(Prometheus())
    middleware += [
        AgeLimit(),
        TimeLimit(time_limit=30 * 60_000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=MAX_RETRIES, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS),
        AsyncIO(),
        RuntimeCloser(),
        CurrentMessage(),
    ]
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=redis_url, middleware=middleware, heartbeat_timeout=round(orphan_seconds * 1000),
        maintenance_chance=MAINTENANCE_CHANCE,
    )


def requeue_orphans(broker: RedisBroker) -> None:
    """Return the messages of dead workers (silent for the broker's heartbeat timeout) to their queues,
    on every queue and its delay queue: Dramatiq's own maintenance, run now instead of by chance."""
    chance = broker.maintenance_chance
    broker.maintenance_chance = 1_000_000  # (this broker is the sweep's own, used by no other thread)
    try:
        for queue in QUEUES:
            for name in (queue, dq_name(queue)):
                broker.do_qsize(name)
    finally:
        broker.maintenance_chance = chance


def _configure() -> RedisBroker:
    settings = load_settings()
    setup_logging(settings.log_level, settings.log_format)
    _db, redis_url = settings.require_services()
    # `edubot worker` sets EDUBOT_PROCESS and the dramatiq_prom_* variables for its processes
    broker = build_broker(redis_url, prometheus=os.environ.get("EDUBOT_PROCESS") == "worker",
                          orphan_seconds=settings.worker_orphan_seconds)
    dramatiq.set_broker(broker)
    return broker


broker = _configure()
