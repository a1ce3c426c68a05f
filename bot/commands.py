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
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import translate
from domain.access import Actor
from domain.errors import N_
from domain.model.people import Role, User
from domain.services.users import load_actor

log = logging.getLogger(__name__)
ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # a gettext message id
    roles: frozenset[Role] | None = None  # None: everyone, members or not
    several_orgs: bool = False  # only for people in more than one organization


T, A, P, S = Role.TEACHER, Role.ADMIN, Role.PARENT, Role.STUDENT

COMMANDS: list[Command] = [
    Command("start", N_("start, or join with an invite code")),
    Command("help", N_("what I can do for you")),
    Command("courses", N_("your courses, with their links"), frozenset({T})),
    Command("newclass", N_("create a class (name=CSE-A)"), frozenset({T})),
    Command("newcourse", N_("create a course (code=CS101 name=… class=…)"), frozenset({T})),
    Command("invite", N_("invite links: teachers, a class's students, parents"), frozenset({T, A})),
    Command("attainment", N_("CO/PO attainment report of a course"), frozenset({T})),
    Command("newexam", N_("create an exam from a course's question bank"), frozenset({T})),
    Command("exams", N_("exams open to you (teachers: the exams you set)"), frozenset({S, T})),
    Command("results", N_("your (or your child's) latest exam results"), frozenset({S, P})),
    Command("leaderboard", N_("top 10 of an exam or a class"), frozenset({S, T})),
    Command("practice", N_("practise with quiz questions (never graded)"), frozenset({S})),
    Command("evaluate", N_("mark the written answers waiting for you, the one due first"), frozenset({T})),
    Command("sla", N_("evaluations: time left, breaches, on-time rate"), frozenset({T, A})),
    Command("plans", N_("plans and their quotas; assign one to a student or class"), frozenset({A})),
    Command("calendar", N_("working hours, weekdays, holidays and time zone of deadlines"), frozenset({T, A})),
    Command("survey", N_("course exit survey (teachers open it, students answer)"), frozenset({T, S})),
    Command("progress", N_("your (or your child's) score on each course outcome"), frozenset({S, P})),
    Command("children", N_("your linked children"), frozenset({P})),
    Command("notifications", N_("what I tell you, and quiet hours"), frozenset({P, S})),
    Command("switch", N_("act in another of your organizations"), several_orgs=True),
    Command("whoami", N_("your roles, organization and linked people")),
    Command("language", N_("choose English or Hindi")),
    Command("cancel", N_("leave the current step")),
]


def commands_for(roles: Iterable[Role], *, several_orgs: bool = False) -> list[Command]:
    have = set(roles)
    return [c for c in COMMANDS if (c.roles is None or have & c.roles) and (several_orgs or not c.several_orgs)]


def bot_commands(roles: Iterable[Role], language: str, *, several_orgs: bool = False) -> list[BotCommand]:
    return [BotCommand(command=c.name, description=translate(c.description, language))
            for c in commands_for(roles, several_orgs=several_orgs)]


async def set_default_menus(bot: Bot) -> None:
    """The menu for people with no role yet, in each language Telegram may report."""
    await bot.set_my_commands(bot_commands((), "en"), scope=BotCommandScopeDefault())
    await bot.set_my_commands(bot_commands((), "hi"), scope=BotCommandScopeDefault(), language_code="hi")


async def refresh_menu(bot: Bot, chat_id: int, roles: Iterable[Role], language: str, *,
                       several_orgs: bool = False) -> None:
    """Show this chat the commands of its roles (called when a role, organization or language changes)."""
    try:
        await bot.set_my_commands(bot_commands(roles, language, several_orgs=several_orgs),
                                  scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError:  # the menu is a convenience; /help always works
        log.warning("could not set the command menu", extra={"chat_id": chat_id})


async def refresh_for(bot: Bot, session: AsyncSession, user_id: int, chat_id: int) -> Actor:
    """Reload a person's roles and show their menu; returns the fresh actor."""
    user = await session.get(User, user_id)
    assert user is not None
    await session.refresh(user)
    actor = await load_actor(session, user)
    await refresh_menu(bot, chat_id, actor.roles, actor.language, several_orgs=len(actor.org_ids) > 1)
    return actor
