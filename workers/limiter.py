"""The Telegram rate limiter shared by every worker process on every machine (one Redis script).

Telegram allows a bot about 30 messages a second overall, 1 a second per chat and 20 a minute per
group. Each limit is a GCRA rule (generic cell rate algorithm, "virtual scheduling"): a key holds
the *theoretical arrival time* (TAT) of the next message; a message may go at ``TAT - tolerance``
and then moves the TAT one interval on. The tolerance is the burst a rule allows: none per chat,
one interval overall (so a sender waking a millisecond late does not lose its slot).

One Lua script checks every rule of a message at once and either takes a slot in all of them or
takes none and says how long to wait, so concurrent coroutines and processes never overshoot. The
clock is Redis's ``TIME``: the machines' own clocks do not matter.

The overall rule works as a queue: ``acquire`` may *reserve* a slot up to ``horizon`` seconds ahead
and sleep until it, so hundreds of waiting senders cost one script call each instead of waking
together and retrying. Per-chat rules never delay a reservation (a message whose chat is not ready
takes no slot and retries when the chat is), so one busy chat cannot hold back the others.

A 429 from Telegram sets a *pause* key (``pause``) that every sender respects, so one 429 slows
every sender of the bot, not only the one that got it. Keys live under ``edubot:tg:{<bot id>}:``
(one hash slot, as Redis Cluster needs for a multi-key script) and expire on their own.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import redis.asyncio as aioredis

MICROS = 1_000_000

#: Telegram's documented limits for one bot.
DEFAULT_RATE = 30.0
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20.0


@dataclass(frozen=True, slots=True)
class Rule:
    """One GCRA limit: a message every ``interval_us``; up to ``tolerance_us`` early is allowed."""

    interval_us: int
    tolerance_us: int = 0

    @classmethod
    def per_second(cls, rate: float, burst: int = 1) -> Rule:
        """``rate`` messages a second with bursts of ``burst`` messages."""
        interval = max(1, round(MICROS / rate))
        return cls(interval, interval * (max(1, burst) - 1))


class Verdict(NamedTuple):
    """A decision of the script as the limiter reports it: the wait in seconds."""

    granted: bool
    wait: float
    queue_full: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """What the script decides for one message.

    ``granted``: slots were taken in every rule and the message may go in ``delay_us``
    (0 = now). Otherwise nothing was taken and the caller should ask again in ``delay_us``;
    ``queue_full`` then says the overall queue reaches beyond the horizon (rather than the chat
    or group not being ready). ``tats`` are the rules' TATs after the decision (unchanged when
    not granted).
    """

    granted: bool
    delay_us: int
    tats: tuple[int, ...]
    queue_full: bool = False


def decide(now_us: int, tats: Sequence[int | None], rules: Sequence[Rule], horizon_us: int) -> Decision:
    """The limiter's arithmetic; the Lua script below is a line-by-line copy of it.

    ``rules[0]`` is the pacing rule (overall rate): a slot up to ``horizon_us`` ahead may be
    reserved in it. The other rules (chat, group) must not be what delays the message: if one of
    them is not ready before the pacing slot, nothing is taken and the wait is until it is.
    ``horizon_us = 0`` is plain GCRA: granted only for now.
    """
    if len(tats) != len(rules) or not rules:
        raise ValueError("one TAT (or None) per rule, at least one rule")
    current = [max(now_us, tat or 0) for tat in tats]
    allowed = [max(now_us, tat - rule.tolerance_us) for tat, rule in zip(current, rules, strict=True)]
    pacing = allowed[0]
    others = max(allowed[1:], default=now_us)
    if others > pacing:
        return Decision(False, others - now_us, tuple(current))
    if pacing - now_us > horizon_us:
        return Decision(False, pacing - now_us - horizon_us, tuple(current), queue_full=True)
    new = tuple(max(tat, pacing) + rule.interval_us for tat, rule in zip(current, rules, strict=True))
    return Decision(True, pacing - now_us, new)


# KEYS[1] = pause key, KEYS[2..] = one TAT key per rule (the pacing rule first).
# ARGV[1] = horizon (µs), ARGV[2] = "now" in µs (0: Redis TIME; tests pass a value),
# ARGV[3..] = interval, tolerance (µs) per rule.
# Returns {status, delay µs}: 1 granted, 0 not ready (pause, chat, group), 2 queue beyond the horizon.
_ACQUIRE = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local horizon = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
if now <= 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local pause = redis.call('PTTL', KEYS[1])
if pause > 0 then
  return {0, pause * 1000}
end
local n = #KEYS - 1
local current = {}
local intervals = {}
local pacing = now
local others = now
for i = 1, n do
  local interval = tonumber(ARGV[1 + 2 * i])
  local tolerance = tonumber(ARGV[2 + 2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i + 1]) or '0') or 0
  if tat < now then tat = now end
  current[i] = tat
  intervals[i] = interval
  local allowed = tat - tolerance
  if allowed < now then allowed = now end
  if i == 1 then
    pacing = allowed
  elseif allowed > others then
    others = allowed
  end
end
if others > pacing then
  return {0, others - now}
end
if pacing - now > horizon then
  return {2, pacing - now - horizon}
end
for i = 1, n do
  local tat = current[i]
  if tat < pacing then tat = pacing end
  local new = tat + intervals[i]
  local ttl = math.ceil((new - now) / 1000) + 1000
  redis.call('SET', KEYS[i + 1], string.format('%.0f', new), 'PX', ttl)
end
return {1, pacing - now}
"""

# KEYS[1] = pause key; ARGV[1] = pause in ms. Extends the pause, never shortens it.
# Returns the pause in force (ms).
_PAUSE = """
local ms = tonumber(ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < ms then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ms)
  return ms
end
return ttl
"""


class TelegramLimiter:
    """Telegram's limits for one bot, shared through Redis by every sender of that bot.

    ``rate`` is messages a second overall (``EDUBOT_TELEGRAM_RATE``); every chat gets one a
    ``chat_interval`` seconds; group chats (negative ids) ``group_per_minute`` a minute on top.
    ``horizon`` is how far ahead ``acquire`` may reserve an overall slot. At most
    ``redis_concurrency`` Redis calls of this limiter run at once (each takes well under a
    millisecond), so hundreds of waiting coroutines never exhaust a shared client's pool.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        bot_id: int,
        *,
        rate: float = DEFAULT_RATE,
        chat_interval: float = CHAT_INTERVAL,
        group_per_minute: float = GROUP_PER_MINUTE,
        global_burst: int = 2,
        group_burst: int = 1,
        horizon: float = 60.0,
        prefix: str = "edubot:tg",
        redis_concurrency: int = 16,
    ) -> None:
        if rate <= 0 or chat_interval <= 0 or group_per_minute <= 0 or horizon < 0:
            raise ValueError("rates and intervals must be positive")
        self.redis = redis
        self.bot_id = bot_id
        self.rate = rate
        self.horizon = horizon
        self.global_rule = Rule.per_second(rate, global_burst)
        self.chat_rule = Rule.per_second(1.0 / chat_interval)
        self.group_rule = Rule.per_second(group_per_minute / 60.0, group_burst)
        base = self._base = f"{prefix}:{{{bot_id}}}"
        self.pause_key = f"{base}:pause"
        self.global_key = f"{base}:global"
        self._chat_prefix = f"{base}:chat:"
        self._group_prefix = f"{base}:group:"
        self._gate = asyncio.Semaphore(redis_concurrency)
        self._acquire = redis.register_script(_ACQUIRE)
        self._pause = redis.register_script(_PAUSE)

    # -- what applies to a message ---------------------------------------------------------------

    def keys_and_rules(self, chat_id: int | None) -> tuple[list[str], list[Rule]]:
        """The TAT keys and rules of a message to ``chat_id`` (``None``: the overall rate only)."""
        keys, rules = [self.global_key], [self.global_rule]
        if chat_id is not None:
            keys.append(f"{self._chat_prefix}{chat_id}")
            rules.append(self.chat_rule)
            if chat_id < 0:
                keys.append(f"{self._group_prefix}{chat_id}")
                rules.append(self.group_rule)
        return keys, rules

    async def decide(self, chat_id: int | None, *, horizon: float = 0.0, now_us: int = 0) -> Verdict:
        """Run the script once; see :class:`Decision` (``Verdict`` is the same in seconds, without TATs).

        ``now_us`` replaces Redis's clock (for tests of the arithmetic); 0 uses ``TIME``.
        """
        keys, rules = self.keys_and_rules(chat_id)
        args: list[int] = [max(0, round(horizon * MICROS)), now_us]
        for rule in rules:
            args += [rule.interval_us, rule.tolerance_us]
        async with self._gate:
            raw: Any = await self._acquire(keys=[self.pause_key, *keys], args=args)
        status, delay_us = int(raw[0]), int(raw[1])
        return Verdict(status == 1, delay_us / MICROS, queue_full=status == 2)

    # -- taking slots ----------------------------------------------------------------------------

    async def try_acquire(self, chat_id: int | None = None) -> float:
        """Take a slot for a message now and return 0.0, or take nothing and return the wait (s)."""
        verdict = await self.decide(chat_id)
        return 0.0 if verdict.granted else max(verdict.wait, 1e-6)

    async def acquire(self, chat_id: int | None = None) -> float:
        """Wait until a message to ``chat_id`` may go and take its slot; returns the seconds waited.

        Respects the pause: a reservation that falls inside a pause set meanwhile is given up and
        asked for again after the pause.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            granted, wait, queue_full = await self.decide(chat_id, horizon=self.horizon)
            if not granted:
                # Senders told "the queue is full" would all come back at the same moment and
                # again find one slot among them: spread them over half the horizon instead.
                spread = random.uniform(0, self.horizon / 2) if queue_full else 0.0
                await asyncio.sleep(wait + spread)
                continue
            if wait <= 0:
                return loop.time() - started
            await asyncio.sleep(wait)
            paused = await self.paused_for()
            if paused <= 0:
                return loop.time() - started
            await asyncio.sleep(paused)

    # -- the shared pause ------------------------------------------------------------------------

    async def pause(self, seconds: float) -> float:
        """Stop every sender of this bot for ``seconds`` (a pause already longer is kept).

        Returns the pause now in force, in seconds.
        """
        ms = max(1, math.ceil(seconds * 1000))
        async with self._gate:
            raw: Any = await self._pause(keys=[self.pause_key], args=[ms])
        return int(raw) / 1000

    async def paused_for(self) -> float:
        """Seconds left of the pause (0.0 when there is none)."""
        async with self._gate:
            ttl = int(await self.redis.pttl(self.pause_key))
        return ttl / 1000 if ttl > 0 else 0.0

    async def wait_unpaused(self) -> float:
        """Sleep until no pause is in force (for calls that are not rate-counted, such as edits)."""
        waited = 0.0
        while (left := await self.paused_for()) > 0:
            await asyncio.sleep(left)
            waited += left
        return waited

    async def reset(self) -> None:
        """Forget every slot and the pause of this bot (tests, or after changing the rate)."""
        keys = [key async for key in self.redis.scan_iter(match=f"{self._base}:*")]
        if keys:
            await self.redis.delete(*keys)

    def close(self) -> None:
        """Nothing to release: the Redis client belongs to whoever passed it in."""
