"""One log line and Prometheus metrics per update: type, user, outcome, duration."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from prometheus_client import Counter, Histogram

log = logging.getLogger("edubot.update")

UPDATES = Counter("edubot_updates_total", "Telegram updates received", ["type", "outcome"])
LATENCY = Histogram(
    "edubot_update_seconds",
    "Time to handle one update",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter("edubot_update_errors_total", "Updates whose handler raised", ["type", "error"])


class ObserveMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        kind = event.event_type
        user = data.get("event_from_user")
        started = time.monotonic()
        outcome = "handled"
        try:
            result = await handler(event, data)
            if result is UNHANDLED:
                outcome = "unhandled"
            elif data.get("duplicate_update"):
                outcome = "duplicate"
            return result
        except Exception as exc:
            outcome = "error"
            ERRORS.labels(kind, type(exc).__name__).inc()
            raise
        finally:
            elapsed = time.monotonic() - started
            UPDATES.labels(kind, outcome).inc()
            LATENCY.labels(kind).observe(elapsed)
            log.info(
                "update",
                extra={
                    "update_id": event.update_id,
                    "type": kind,
                    "user": user.id if user else None,
                    "outcome": outcome,
                    "ms": round(elapsed * 1000, 1),
                },
            )
