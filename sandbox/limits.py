"""Telegram's sending limits as token buckets, switchable at run time (off by default).

``Limits.telegram()`` is ~30 messages a second per bot, 1 a second per chat with bursts of 3, and
20 a minute per group.  Only methods that send messages are limited; a refused call gets
``429 Too Many Requests: retry after N`` where N is the whole seconds until a token is free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sandbox.errors import too_many_requests

#: Methods that count against the limits (``sendChatAction`` sends no message and is not counted).
LIMITED_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendmediagroup",
        "sendpoll",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendvoice",
        "sendvideonote",
        "sendsticker",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "senddice",
        "sendinvoice",
        "sendgame",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    }
)


@dataclass(frozen=True)
class Limits:
    """Rate limits; ``None`` switches a limit off."""

    global_per_second: float | None = None
    per_chat_per_second: float | None = None
    per_chat_burst: int = 3
    per_group_per_minute: float | None = None

    @classmethod
    def telegram(cls) -> Limits:
        """Telegram's published limits for a bot."""
        return cls(global_per_second=30, per_chat_per_second=1, per_chat_burst=3, per_group_per_minute=20)

    @classmethod
    def off(cls) -> Limits:
        """No limits at all (the default)."""
        return cls()

    @property
    def enabled(self) -> bool:
        """True when at least one limit applies."""
        return any(v is not None for v in (self.global_per_second, self.per_chat_per_second, self.per_group_per_minute))

    def as_dict(self) -> dict[str, float | int | None]:
        """JSON form, used by the control endpoints."""
        return {
            "global_per_second": self.global_per_second,
            "per_chat_per_second": self.per_chat_per_second,
            "per_chat_burst": self.per_chat_burst,
            "per_group_per_minute": self.per_group_per_minute,
        }


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self, cost: float) -> float:
        """Seconds until ``cost`` tokens are available (0 if they are now)."""
        if self.tokens >= cost:
            return 0.0
        return (cost - self.tokens) / self.rate


class RateLimiter:
    """Per-bot, per-chat and per-group token buckets."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._buckets: dict[tuple[object, ...], _Bucket] = {}

    def configure(self, limits: Limits) -> None:
        """Switch to other limits; every bucket starts full again."""
        self.limits = limits
        self._buckets.clear()

    def _bucket(self, key: tuple[object, ...], capacity: float, rate: float, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.capacity != capacity or bucket.rate != rate:
            bucket = self._buckets[key] = _Bucket(capacity, rate, now)
        bucket.refill(now)
        return bucket

    def acquire(self, bot_id: int, chat_id: int, is_group: bool, now: float, cost: int = 1) -> None:
        """Take ``cost`` tokens or raise the 429 Telegram would answer (taking none)."""
        limits = self.limits
        if not limits.enabled:
            return
        buckets: list[_Bucket] = []
        if limits.global_per_second is not None:
            rate = float(limits.global_per_second)
            buckets.append(self._bucket(("global", bot_id), max(rate, cost), rate, now))
        if limits.per_chat_per_second is not None:
            rate = float(limits.per_chat_per_second)
            buckets.append(self._bucket(("chat", bot_id, chat_id), max(limits.per_chat_burst, cost), rate, now))
        if is_group and limits.per_group_per_minute is not None:
            per_minute = float(limits.per_group_per_minute)
            buckets.append(self._bucket(("group", bot_id, chat_id), max(per_minute, cost), per_minute / 60.0, now))
        wait = max((b.wait(cost) for b in buckets), default=0.0)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= cost
