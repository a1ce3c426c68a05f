"""The chat contract: every command, who may use it, and its one-line description.

``/help`` and the per-role command menus (setMyCommands with a chat scope) are both built from this
list, so they always agree. Feature modules append their commands when they are added.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import translate
from domain.errors import N_
from domain.model.people import Role

log = logging.getLogger(__name__)
ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # a gettext message id
    roles: frozenset[Role] | None = None  # None: everyone, members or not


COMMANDS: list[Command] = [
    Command("start", N_("start, or join with an invite code")),
    Command("help", N_("what I can do for you")),
    Command("whoami", N_("your roles, organization and linked people")),
    Command("language", N_("choose English or Hindi")),
    Command("cancel", N_("leave the current step")),
]


def commands_for(roles: Iterable[Role]) -> list[Command]:
    have = set(roles)
    return [c for c in COMMANDS if c.roles is None or have & c.roles]


def bot_commands(roles: Iterable[Role], language: str) -> list[BotCommand]:
    return [BotCommand(command=c.name, description=translate(c.description, language)) for c in commands_for(roles)]


async def set_default_menus(bot: Bot) -> None:
    """The menu for people with no role yet, in each language Telegram may report."""
    await bot.set_my_commands(bot_commands((), "en"), scope=BotCommandScopeDefault())
    await bot.set_my_commands(bot_commands((), "hi"), scope=BotCommandScopeDefault(), language_code="hi")


async def refresh_menu(bot: Bot, chat_id: int, roles: Iterable[Role], language: str) -> None:
    """Show this chat the commands of its roles (called when a role or the language changes)."""
    try:
        await bot.set_my_commands(bot_commands(roles, language), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError:  # the menu is a convenience; /help always works
        log.warning("could not set the command menu", extra={"chat_id": chat_id})
