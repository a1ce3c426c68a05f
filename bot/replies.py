"""Answering the user: translate a message id, escape its values, split long text, reply to the event."""

from __future__ import annotations

import html
import re
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.i18n import translate
from domain.errors import DomainError
from domain.render import split_text


def t(message: str, language: str, /, **params: Any) -> str:
    return translate(message, language, **params)


def error_text(err: DomainError, language: str) -> str:
    return translate(err.message, language, **err.params)


async def send_long(message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply with ``text`` split into Telegram-sized pieces; the keyboard goes on the last piece."""
    pieces = split_text(text)
    for i, piece in enumerate(pieces):
        await message.answer(piece, reply_markup=reply_markup if i == len(pieces) - 1 else None)


async def tell(event: Message | CallbackQuery, text: str) -> None:
    """Say ``text`` to whoever caused ``event``: a message reply, or an alert plus message for a button."""
    if isinstance(event, CallbackQuery):
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))  # alerts are plain text
        short = plain if len(plain) <= 200 else plain[:199] + "…"
        await event.answer(short, show_alert=True)
        if len(text) > 200 and isinstance(event.message, Message):
            await send_long(event.message, text)
        return
    await send_long(event, text)
