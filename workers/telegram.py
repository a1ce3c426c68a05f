"""The one place that sends to Telegram from workers: shared rate limits, 429s, retries, typed outcomes.

``TelegramSender`` wraps an aiogram ``Bot`` and a :class:`~workers.limiter.TelegramLimiter`. Every
send takes a slot in the shared limiter first; long texts go as several messages of at most 4096
UTF-16 units, split on line boundaries (the keyboard rides on the last one).

What a caller gets back is a :data:`Delivery`, never an exception, for the expected cases:

* :class:`Delivered` — Telegram accepted it (the ids of the messages it made);
* :class:`Blocked` — 403: the person blocked the bot, is deactivated, or the bot may not write first;
* :class:`Unreachable` — 400 "chat not found" and kin: no such chat for this bot (never started it);
* :class:`Rejected` — a 400 that retrying cannot fix (a bug in what we sent; logged as an error).

``Blocked`` and ``Unreachable`` are both :class:`Undeliverable`: mark the person unreachable and
stop retrying. Transient failures are retried here: a 429 pauses every sender of the bot (through
the limiter) for ``retry_after`` and then retries; 5xx, network errors and timeouts back off
exponentially with jitter. After ``max_attempts`` a :class:`TransientSendError` is raised so that
the Dramatiq actor's own retry takes over. A retried send whose first attempt timed out may have
reached Telegram (the answer was lost): delivery is at least once, as with any HTTP API.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields
from typing import TypeAlias

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from prometheus_client import Counter

from bot.client import build_bot
from domain.render import split_text, utf16_len
from workers.limiter import TelegramLimiter
from workers.runtime import Runtime, get_runtime

log = logging.getLogger("edubot.telegram")

CAPTION_LIMIT = 1024
UPLOAD_BYTES_PER_SECOND = 500_000  # the slowest upload speed a file's timeout allows for
SENDER_EXTRA = "telegram_sender"

ReplyMarkup: TypeAlias = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply

SENT = Counter("edubot_telegram_sent_total", "Messages Telegram accepted from the workers", ["method"])
REQUESTS = Counter("edubot_telegram_requests_total", "Bot API calls made by the workers", ["method", "outcome"])
RETRY_AFTER = Counter("edubot_telegram_retry_after_total", "429 Too Many Requests answers seen by the workers")
RETRIES = Counter("edubot_telegram_retries_total", "Bot API calls retried by the workers", ["reason"])
GAVE_UP = Counter("edubot_telegram_gave_up_total", "Sends handed back to the queue after the last attempt")
UNDELIVERABLE = Counter(
    "edubot_telegram_undeliverable_total", "Sends that ended blocked, unreachable or rejected", ["outcome"]
)
LIMITER_WAIT = Counter("edubot_telegram_limiter_wait_seconds_total", "Seconds spent waiting for the rate limiter")

# 400 descriptions that mean "there is no such chat for this bot": retrying cannot help, and the
# person (or group) should be marked unreachable rather than the message treated as a bug.
_UNREACHABLE_400 = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "group chat was deactivated",
    "have no rights to send a message",
    "not enough rights to send",
    "need administrator rights",
)
_NOT_MODIFIED = "message is not modified"


# -- outcomes -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivered:
    """Telegram accepted the message(s): their ids, in order (kept as a tuple)."""

    message_ids: Sequence[int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "message_ids", tuple(self.message_ids))


@dataclass(frozen=True, slots=True)
class Undeliverable:
    """The chat cannot receive messages from this bot; retrying will not help."""

    description: str


@dataclass(frozen=True, slots=True)
class Blocked(Undeliverable):
    """403: blocked by the user, user deactivated, bot can't initiate the conversation, kicked…"""


@dataclass(frozen=True, slots=True)
class Unreachable(Undeliverable):
    """400 "chat not found" and kin (a person who never started the bot); ``migrate_to_chat_id`` for a
    group that became a supergroup."""

    migrate_to_chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A 400 that retrying cannot fix (e.g. "can't parse entities"): a bug in what was sent."""

    description: str


Delivery: TypeAlias = Delivered | Blocked | Unreachable | Rejected
Failure: TypeAlias = Blocked | Unreachable | Rejected


class TransientSendError(Exception):
    """Telegram could not be reached (or kept failing) after every attempt; retry the job later.

    ``message_ids`` are the pieces of a long text that did go before the failure.
    """

    def __init__(
        self,
        description: str,
        *,
        method: str,
        chat_id: int,
        attempts: int,
        message_ids: tuple[int, ...] = (),
    ) -> None:
        super().__init__(f"{method} to chat {chat_id} failed after {attempts} attempts: {description}")
        self.description = description
        self.method = method
        self.chat_id = chat_id
        self.attempts = attempts
        self.message_ids = message_ids


@dataclass
class SenderStats:
    """Counters of one sender (for benchmarks and tests; Prometheus has the process-wide ones)."""

    requests: int = 0
    sent: int = 0
    retries: int = 0
    retry_after: int = 0
    server_errors: int = 0
    network_errors: int = 0
    timeouts: int = 0
    blocked: int = 0
    unreachable: int = 0
    rejected: int = 0
    gave_up: int = 0
    limiter_wait: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class _Retry(Exception):
    """One attempt failed in a way worth another attempt."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


# -- the sender -----------------------------------------------------------------------------------


class TelegramSender:
    """Sends messages, documents and photos and edits texts, within Telegram's limits.

    ``request_timeout`` bounds one HTTP call; ``max_attempts`` counts every attempt of one message
    (429s included); ``backoff_base``/``backoff_max`` shape the exponential backoff (seconds) after
    5xx, network errors and timeouts; a 429 asking for more than ``max_retry_after`` seconds pauses
    every sender that long but hands the job back (``TransientSendError``) instead of sleeping.
    """

    def __init__(
        self,
        bot: Bot,
        limiter: TelegramLimiter,
        *,
        request_timeout: float = 10.0,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 120.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.bot = bot
        self.limiter = limiter
        self.request_timeout = request_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.stats = SenderStats()

    # -- public API ----------------------------------------------------------------------------------

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = "HTML",
        disable_notification: bool = False,
    ) -> Delivery:
        """Send ``text`` (split into pieces of ≤ 4096 UTF-16 units on line boundaries if longer)."""
        return await self._send_pieces(
            chat_id,
            split_text(text),
            reply_markup=reply_markup,
            parse_mode=parse_mode,
            disable_notification=disable_notification,
        )

    async def send_document(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: str | None = None,
        *,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = "HTML",
        disable_notification: bool = False,
    ) -> Delivery:
        """Send a file. A caption over 1024 units follows as its own message(s), with the keyboard."""
        caption, rest = _caption_and_rest(caption)
        file = BufferedInputFile(data, filename=filename)

        def call() -> Awaitable[Message]:
            return self.bot.send_document(
                chat_id,
                file,
                caption=caption,
                parse_mode=parse_mode,
                disable_notification=disable_notification,
                reply_markup=None if rest else reply_markup,
            )

        return await self._send_file(
            chat_id, "sendDocument", call, len(data), rest, reply_markup, parse_mode, disable_notification
        )

    async def send_photo(
        self,
        chat_id: int,
        data: bytes,
        caption: str | None = None,
        *,
        filename: str = "photo.png",
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = "HTML",
        disable_notification: bool = False,
    ) -> Delivery:
        """Send a picture (PNG/JPEG). A caption over 1024 units follows as its own message(s)."""
        caption, rest = _caption_and_rest(caption)
        photo = BufferedInputFile(data, filename=filename)

        def call() -> Awaitable[Message]:
            return self.bot.send_photo(
                chat_id,
                photo,
                caption=caption,
                parse_mode=parse_mode,
                disable_notification=disable_notification,
                reply_markup=None if rest else reply_markup,
            )

        return await self._send_file(
            chat_id, "sendPhoto", call, len(data), rest, reply_markup, parse_mode, disable_notification
        )

    async def edit_message_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        parse_mode: str | None = "HTML",
    ) -> Delivery:
        """Replace a message's text. Not counted against the send limits, but waits out a 429 pause.

        "message is not modified" counts as delivered (an edit repeated by a retried job).
        """

        async def call() -> Message:
            result = await self.bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=reply_markup, parse_mode=parse_mode
            )
            if not isinstance(result, Message):  # only inline messages answer True
                raise TypeError("editMessageText answered without a message")
            return result

        try:
            outcome = await self._attempts(chat_id, "editMessageText", call, counted=False)
        except _NotModified:
            return Delivered((message_id,))
        if isinstance(outcome, Message):
            return Delivered((outcome.message_id,))
        return outcome

    async def close(self) -> None:
        """Close the bot's HTTP session (the runtime calls this when the worker stops)."""
        await self.bot.session.close()

    # -- pieces and files ----------------------------------------------------------------------------

    async def _send_pieces(
        self,
        chat_id: int,
        pieces: list[str],
        *,
        reply_markup: ReplyMarkup | None,
        parse_mode: str | None,
        disable_notification: bool,
        sent_before: tuple[int, ...] = (),
    ) -> Delivery:
        if not pieces:
            self._failed("rejected")
            log.error("telegram refused an empty text: a bug", extra={"chat_id": chat_id})
            return Rejected("message text is empty")
        ids = list(sent_before)
        for index, piece in enumerate(pieces):
            markup = reply_markup if index == len(pieces) - 1 else None

            def call(piece: str = piece, markup: ReplyMarkup | None = markup) -> Awaitable[Message]:
                return self.bot.send_message(
                    chat_id,
                    piece,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                    disable_notification=disable_notification,
                )

            outcome = await self._attempts(chat_id, "sendMessage", call, counted=True, message_ids=tuple(ids))
            if not isinstance(outcome, Message):
                return outcome
            ids.append(outcome.message_id)
        return Delivered(tuple(ids))

    async def _send_file(
        self,
        chat_id: int,
        method: str,
        call: Callable[[], Awaitable[Message]],
        size: int,
        rest: str | None,
        reply_markup: ReplyMarkup | None,
        parse_mode: str | None,
        disable_notification: bool,
    ) -> Delivery:
        # an upload gets one more second per UPLOAD_BYTES_PER_SECOND on top of the request timeout
        timeout = self.request_timeout + size / UPLOAD_BYTES_PER_SECOND
        outcome = await self._attempts(chat_id, method, call, counted=True, timeout=timeout)
        if not isinstance(outcome, Message):
            return outcome
        if rest is None:
            return Delivered((outcome.message_id,))
        return await self._send_pieces(
            chat_id,
            split_text(rest),
            reply_markup=reply_markup,
            parse_mode=parse_mode,
            disable_notification=disable_notification,
            sent_before=(outcome.message_id,),
        )

    # -- one message, every attempt --------------------------------------------------------------------

    async def _attempts(
        self,
        chat_id: int,
        method: str,
        call: Callable[[], Awaitable[Message]],
        *,
        counted: bool,
        message_ids: tuple[int, ...] = (),
        timeout: float | None = None,
    ) -> Message | Failure:
        """Attempts until Telegram accepts, refuses for good, or ``max_attempts`` are used up."""
        attempt = 0
        while True:
            attempt += 1
            if counted:
                waited = await self.limiter.acquire(chat_id)
            else:
                waited = await self.limiter.wait_unpaused()
            if waited > 0:
                self.stats.limiter_wait += waited
                LIMITER_WAIT.inc(waited)
            self.stats.requests += 1
            try:
                result = await self._once(chat_id, method, call, timeout or self.request_timeout)
            except _Retry as retry:
                if attempt >= self.max_attempts or retry.reason == "retry_after_too_long":
                    self.stats.gave_up += 1
                    GAVE_UP.inc()
                    log.warning(
                        "telegram send handed back to the queue",
                        extra={"method": method, "chat_id": chat_id, "attempts": attempt, "error": retry.description},
                    )
                    raise TransientSendError(
                        retry.description, method=method, chat_id=chat_id, attempts=attempt, message_ids=message_ids
                    ) from None
                self.stats.retries += 1
                RETRIES.labels(retry.reason).inc()
                if retry.reason != "retry_after":  # a 429 waits in the limiter's pause instead
                    await asyncio.sleep(self._backoff(attempt))
                continue
            if isinstance(result, Message):
                self.stats.sent += 1
                SENT.labels(method).inc()
            return result

    async def _once(
        self, chat_id: int, method: str, call: Callable[[], Awaitable[Message]], timeout: float
    ) -> Message | Failure:
        """One HTTP call: the message, a final failure, or ``_Retry``."""
        try:
            async with asyncio.timeout(timeout):
                message = await call()
        except TelegramRetryAfter as exc:
            REQUESTS.labels(method, "retry_after").inc()
            self.stats.retry_after += 1
            RETRY_AFTER.inc()
            pause = await self.limiter.pause(exc.retry_after)
            log.warning(
                "telegram asked to slow down: every sender pauses",
                extra={"method": method, "chat_id": chat_id, "retry_after": exc.retry_after, "pause": pause},
            )
            if exc.retry_after > self.max_retry_after:
                raise _Retry("retry_after_too_long", f"retry after {exc.retry_after}") from None
            raise _Retry("retry_after", f"retry after {exc.retry_after}") from None
        except TelegramMigrateToChat as exc:
            return self._undeliverable(
                method, chat_id, Unreachable(exc.message, migrate_to_chat_id=exc.migrate_to_chat_id)
            )
        except TelegramForbiddenError as exc:
            return self._undeliverable(method, chat_id, Blocked(_description(exc.message)))
        except TelegramBadRequest as exc:
            description = _description(exc.message)
            lowered = description.lower()
            if any(marker in lowered for marker in _UNREACHABLE_400):
                return self._undeliverable(method, chat_id, Unreachable(description))
            if _NOT_MODIFIED in lowered and method.startswith("edit"):
                REQUESTS.labels(method, "not_modified").inc()
                raise _NotModified(description) from None
            return self._rejected(method, chat_id, description)
        except (TelegramNotFound, TelegramEntityTooLarge) as exc:
            return self._rejected(method, chat_id, _description(exc.message))
        except TelegramServerError as exc:
            REQUESTS.labels(method, "server_error").inc()
            self.stats.server_errors += 1
            self._transient(method, chat_id, "server error", exc.message)
            raise _Retry("server_error", exc.message) from None
        except ClientDecodeError as exc:  # e.g. a proxy's HTML error page instead of the Bot API's JSON
            REQUESTS.labels(method, "server_error").inc()
            self.stats.server_errors += 1
            self._transient(method, chat_id, "undecodable answer", exc.message)
            raise _Retry("server_error", exc.message) from None
        except TimeoutError:
            self._timeout(method, chat_id)
            raise _Retry("timeout", f"no answer within {timeout:g} s") from None
        except TelegramNetworkError as exc:  # aiogram reports its own session timeout this way too
            if "timeout" in exc.message.lower():
                self._timeout(method, chat_id)
                raise _Retry("timeout", exc.message) from None
            REQUESTS.labels(method, "network_error").inc()
            self.stats.network_errors += 1
            self._transient(method, chat_id, "network error", exc.message)
            raise _Retry("network_error", exc.message) from None
        REQUESTS.labels(method, "ok").inc()
        return message

    # -- bookkeeping -----------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, capped."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _timeout(self, method: str, chat_id: int) -> None:
        REQUESTS.labels(method, "timeout").inc()
        self.stats.timeouts += 1
        self._transient(method, chat_id, "timeout", "no answer in time")

    def _transient(self, method: str, chat_id: int, what: str, description: str) -> None:
        log.info(f"telegram {what}, will retry", extra={"method": method, "chat_id": chat_id, "error": description})

    def _undeliverable(self, method: str, chat_id: int, outcome: Blocked | Unreachable) -> Blocked | Unreachable:
        kind = "blocked" if isinstance(outcome, Blocked) else "unreachable"
        REQUESTS.labels(method, kind).inc()
        self._failed(kind)
        log.info(f"telegram chat {kind}", extra={"method": method, "chat_id": chat_id, "error": outcome.description})
        return outcome

    def _rejected(self, method: str, chat_id: int, description: str) -> Rejected:
        REQUESTS.labels(method, "rejected").inc()
        self._failed("rejected")
        log.error(
            "telegram rejected a message: a bug in what was sent",
            extra={"method": method, "chat_id": chat_id, "error": description},
        )
        return Rejected(description)

    def _failed(self, kind: str) -> None:
        UNDELIVERABLE.labels(kind).inc()
        if kind == "blocked":
            self.stats.blocked += 1
        elif kind == "unreachable":
            self.stats.unreachable += 1
        else:
            self.stats.rejected += 1


class _NotModified(Exception):
    """An edit that changes nothing (Telegram's 400 "message is not modified")."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _description(message: str) -> str:
    """Telegram's own description, without the "Bad Request: " / "Forbidden: " prefix."""
    for prefix in ("Bad Request: ", "Forbidden: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _caption_and_rest(caption: str | None) -> tuple[str | None, str | None]:
    """The caption to attach to a file, and the text to send after it when it is too long for one."""
    if caption is None or utf16_len(caption) <= CAPTION_LIMIT:
        return caption, None
    return None, caption


# -- wiring ---------------------------------------------------------------------------------------


def make_sender(runtime: Runtime) -> TelegramSender:
    """The process's sender, created on first use and kept in ``runtime.extras`` (closed with it)."""
    cached = runtime.extras.get(SENDER_EXTRA)
    if isinstance(cached, TelegramSender):
        return cached
    bot = build_bot(runtime.settings)
    limiter = TelegramLimiter(runtime.redis, bot.id, rate=runtime.settings.telegram_rate)
    sender = TelegramSender(bot, limiter)
    runtime.extras[SENDER_EXTRA] = sender
    return sender


async def get_sender(runtime: Runtime | None = None) -> TelegramSender:
    """The sender of ``runtime`` (by default the current worker loop's runtime)."""
    return make_sender(runtime if runtime is not None else await get_runtime())


__all__ = [
    "Blocked",
    "Delivered",
    "Delivery",
    "Rejected",
    "SenderStats",
    "TelegramSender",
    "TransientSendError",
    "Undeliverable",
    "Unreachable",
    "build_bot",
    "get_sender",
    "make_sender",
]
