"""Update delivery: the per-bot queue, long polling (``getUpdates``) and real webhook delivery.

Updates are queued per bot in ``update_id`` order.  ``getUpdates`` hands them out and forgets those
below ``offset``; with a webhook set, :class:`WebhookDeliverer` POSTs them to the URL, keeping each
chat's updates in order: one that is refused (non-2xx or connection error) is retried with backoff
and the chat's later updates wait behind it, while other chats go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from email.parser import BytesParser
from typing import Any

import aiohttp

from sandbox.errors import POLLING_CONFLICT, WEBHOOK_CONFLICT, ApiError
from sandbox.params import Params, Upload
from sandbox.state import DEFAULT_UPDATE_TYPES, JSON, BotState, QueuedUpdate

ReplyHandler = Callable[[BotState, str, Params], Awaitable[None]]


def enqueue(bot: BotState, kind: str, payload: JSON, order_key: tuple[object, ...], *, copies: int = 1) -> int | None:
    """Queue an update for a bot unless its ``allowed_updates`` exclude the type; its ``update_id``."""
    if kind not in bot.allowed_updates:
        return None
    update_id = bot.next_update_id
    bot.next_update_id += 1
    queued = QueuedUpdate(update_id, kind, payload, order_key)
    for _ in range(copies):
        bot.updates.append(queued)
    bot.notify()
    return update_id


def set_allowed_updates(bot: BotState, allowed: Any) -> None:
    """Apply an ``allowed_updates`` parameter (an empty list means Telegram's default set)."""
    if allowed is None:
        return
    if not isinstance(allowed, list):
        raise ApiError(400, "Bad Request: can't parse allowed updates JSON object")
    bot.allowed_updates = frozenset(str(a) for a in allowed) if allowed else DEFAULT_UPDATE_TYPES


def confirm(bot: BotState, offset: int | None) -> None:
    """Forget updates below ``offset`` (a negative offset keeps only that many latest updates)."""
    if not offset:
        return
    queue = bot.updates
    if offset > 0:
        while queue and queue[0].update_id < offset:
            queue.popleft()
    else:
        while len(queue) > -offset:
            queue.popleft()


def end_long_polls(bot: BotState, reason: str) -> None:
    """Make a waiting ``getUpdates`` end with 409 and ``reason``."""
    bot.poll_generation += 1
    bot.poll_stop_reason = reason
    bot.notify()


async def get_updates(bot: BotState, offset: int | None, limit: int, timeout: float, allowed: Any) -> list[JSON]:
    """``getUpdates``: wait up to ``timeout`` seconds for updates at or above ``offset``."""
    if bot.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    set_allowed_updates(bot, allowed)
    confirm(bot, offset)
    # A newer request ends the one still waiting, as on Telegram.
    end_long_polls(bot, POLLING_CONFLICT)
    generation = bot.poll_generation
    limit = min(max(limit, 1), 100)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(timeout, 0.0)
    while True:
        if bot.updates:
            return [bot.updates[i].update for i in range(min(limit, len(bot.updates)))]
        remaining = deadline - loop.time()
        if bot.closed:
            return []
        if remaining <= 0:
            return []
        event = bot.new_update_event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), remaining)
        if bot.poll_generation != generation:
            raise ApiError(409, bot.poll_stop_reason or POLLING_CONFLICT)


class WebhookDeliverer:
    """Posts one bot's queued updates to its webhook until the webhook is removed."""

    def __init__(
        self,
        bot: BotState,
        session: aiohttp.ClientSession,
        on_reply: ReplyHandler,
        *,
        retry_base: float,
        retry_max: float,
        timeout: float,
    ) -> None:
        self.bot = bot
        self.session = session
        self.on_reply = on_reply
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._inflight: dict[tuple[object, ...], asyncio.Task[None]] = {}
        self._retry_at: dict[tuple[object, ...], float] = {}
        self._attempts: dict[tuple[object, ...], int] = {}
        self.delivered: list[tuple[int, int]] = []  # (update_id, HTTP status)

    def start(self) -> None:
        """Begin delivering in the running loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"webhook-{self.bot.id}")

    async def stop(self) -> None:
        """Stop delivering (updates not yet delivered stay queued)."""
        tasks = [t for t in (self._task, *self._inflight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        self._inflight.clear()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.bot.webhook is not None:
            config = self.bot.webhook
            now = loop.time()
            seen: set[tuple[object, ...]] = set()
            for queued in list(self.bot.updates):
                key = queued.order_key
                if key in seen:
                    continue
                seen.add(key)
                if key in self._inflight or self._retry_at.get(key, 0.0) > now:
                    continue
                if len(self._inflight) >= config.max_connections:
                    break
                self._inflight[key] = loop.create_task(self._deliver(queued, key))
            waits = [t - now for t in self._retry_at.values() if t > now]
            event = self.bot.new_update_event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(waits) if waits else None)

    async def _deliver(self, queued: QueuedUpdate, key: tuple[object, ...]) -> None:
        config = self.bot.webhook
        try:
            if config is None:
                return
            headers = {"Content-Type": "application/json"}
            if config.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
            body = json.dumps(queued.update, ensure_ascii=False).encode()
            error: str | None = None
            reply: tuple[bytes, str] | None = None
            try:
                async with self.session.post(
                    config.url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
                ) as resp:
                    payload = await resp.read()
                    self.delivered.append((queued.update_id, resp.status))
                    if 200 <= resp.status < 300:
                        reply = (payload, resp.headers.get("Content-Type", ""))
                    else:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason or ''}".rstrip()
            except TimeoutError:
                error = "Read timeout expired"
            except aiohttp.ClientConnectorError as exc:
                error = "Connection refused" if isinstance(exc.os_error, ConnectionRefusedError) else str(exc)
            except (aiohttp.ClientError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            if error is not None:
                config.last_error_date = int(time.time())
                config.last_error_message = error
                attempts = self._attempts.get(key, 0) + 1
                self._attempts[key] = attempts
                delay = min(self.retry_base * (2 ** (attempts - 1)), self.retry_max)
                self._retry_at[key] = asyncio.get_running_loop().time() + delay
                return
            self._attempts.pop(key, None)
            self._retry_at.pop(key, None)
            with contextlib.suppress(ValueError):
                self.bot.updates.remove(queued)
            self.bot.delivered_count += 1
            if reply is not None:
                await self._reply(*reply)
        finally:
            self._inflight.pop(key, None)
            self.bot.notify()

    async def _reply(self, payload: bytes, content_type: str) -> None:
        """Run the method a webhook answered with (Telegram ignores its result and errors)."""
        params = parse_body(payload, content_type)
        if params is None:
            return
        method = params.string("method")
        if method:
            with contextlib.suppress(Exception):
                await self.on_reply(self.bot, method, params)


def parse_body(payload: bytes, content_type: str) -> Params | None:
    """Parameters from a JSON, urlencoded or multipart body held in memory."""
    if not payload.strip():
        return None
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        message = BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + payload)
        values: dict[str, Any] = {}
        uploads: dict[str, Upload] = {}
        for part in message.walk():
            if part.is_multipart():
                continue
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            data = part.get_payload(decode=True)
            raw = data if isinstance(data, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                uploads[name] = Upload(filename, raw, part.get_content_type())
            else:
                values[name] = raw.decode("utf-8", errors="replace")
        return Params(values, uploads)
    if ctype == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qsl

        return Params(dict(parse_qsl(payload.decode("utf-8", errors="replace"), keep_blank_values=True)))
    try:
        decoded = json.loads(payload)
    except ValueError:
        return None
    return Params(decoded) if isinstance(decoded, dict) else None
