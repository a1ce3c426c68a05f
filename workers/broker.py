"""The Dramatiq broker: Redis, async actors, retries with backoff, dead letters, Prometheus.

Imported before any actor module (``workers.actors`` imports it first), so every actor is declared
on this broker. Nothing here opens a database connection; engines are created in the worker's loop.
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
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
HEARTBEAT_TIMEOUT_MS = 30_000  # an unacked message of a dead worker returns to its queue after this
MAINTENANCE_CHANCE = 10_000  # per million fetches: dead workers' messages are looked for every few seconds


def build_broker(redis_url: str, *, prometheus: bool = False) -> RedisBroker:
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
        url=redis_url, middleware=middleware, heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        maintenance_chance=MAINTENANCE_CHANCE,
    )


def _configure() -> RedisBroker:
    settings = load_settings()
    setup_logging(settings.log_level, settings.log_format)
    _db, redis_url = settings.require_services()
    # `edubot worker` sets EDUBOT_PROCESS and the dramatiq_prom_* variables for its processes
    broker = build_broker(redis_url, prometheus=os.environ.get("EDUBOT_PROCESS") == "worker")
    dramatiq.set_broker(broker)
    return broker


broker = _configure()
