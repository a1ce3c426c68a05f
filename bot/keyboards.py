"""Inline keyboards and their callback data (every payload fits Telegram's 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.services.users import LANGUAGES


class LanguageCB(CallbackData, prefix="lang"):
    code: str


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code, name in LANGUAGES.items():
        kb.button(text=("✓ " if code == current else "") + name, callback_data=LanguageCB(code=code))
    kb.adjust(2)
    return kb.as_markup()
