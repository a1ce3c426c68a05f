"""The aiogram Bot as every process builds it (the bot, the workers' sender), and aiogram's parsed-answer
classes kept alive so that a Bot API call does not rebuild one each time.

aiogram reads every Bot API answer into ``Response[T]`` (T: what the method returns), a pydantic
generic class made on first use. pydantic (2.11 and later) caches such classes only weakly: when
nothing else holds ``Response[T]``, it is collected after the call and the next call builds it
again — schema generation included, about 0.5 ms of CPU per call, a sixth of a busy bot's time.
Holding one of each here (185 methods, made once at start-up in about 0.3 s, 2 MB) keeps pydantic's
cache warm for the life of the process; a lookup is then a few microseconds.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import EditMessageText

from domain.config import Settings

_HELD: list[Any] = []


class EditInPlace(EditMessageText):
    """``editMessageText`` for a message the bot redraws on every press (the exam message): its keyboard goes
    as the JSON Telegram reads (``keyboards.rows_json``), and Telegram's answer, the whole edited message
    with its keyboard, is not read back into a Message. Errors ("message is not modified") are raised as
    usual."""

    __returning__ = Any  # type: ignore[assignment]
    reply_markup: str | None = None  # type: ignore[assignment]


def hold() -> int:
    """Make and hold ``Response[T]`` for every Bot API method (once per process); the number held."""
    if _HELD:
        return len(_HELD)
    import aiogram.methods as methods
    from aiogram.methods.base import Response, TelegramMethod

    for name in methods.__all__:
        cls = getattr(methods, name)
        if isinstance(cls, type) and issubclass(cls, TelegramMethod) and cls is not TelegramMethod:
            _HELD.append(Response[cls.__returning__])  # type: ignore[name-defined]
    _HELD.append(Response[Any])  # EditInPlace's
    return len(_HELD)


def build_bot(settings: Settings) -> Bot:
    """The Bot API server from the settings, HTML messages."""
    hold()
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(token=settings.token(), session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
