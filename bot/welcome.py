"""What a person is told when they join: their role, organization, and the menu of their role."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import refresh_for
from bot.i18n import translate
from bot.replies import t
from domain.access import Actor
from domain.errors import N_
from domain.services import joining

ROLE_NAMES = {
    "student": N_("student"),
    "parent": N_("parent"),
    "teacher": N_("teacher"),
    "admin": N_("admin"),
}


def role_name(role: str, language: str) -> str:
    return translate(ROLE_NAMES.get(role, role), language)


async def welcome(message: Message, bot: Bot, session: AsyncSession, actor: Actor, result: joining.Joined) -> None:
    lang = actor.language
    role = role_name(result.role.value, lang)
    if result.role.value == "parent":
        text = t(N_("You are linked to {child} as a parent, in {org}. I will tell you their results."), lang,
                 child=result.detail or "", org=result.org_name)
        if result.already:
            text = t(N_("You are already linked to {child}."), lang, child=result.detail or "")
    elif result.role.value == "student":
        text = t(N_("Welcome, {who}! You are a student of {org}."), lang, who=result.detail or "",
                 org=result.org_name)
        if result.already:
            text = t(N_("You have already joined as {who}."), lang, who=result.detail or "")
    elif result.already:
        text = t(N_("You are already {role} of {org}."), lang, role=role, org=result.org_name)
    else:
        text = t(N_("Welcome! You are now {role} of {org}."), lang, role=role, org=result.org_name)
    await refresh_for(bot, session, actor.user_id, message.chat.id)
    await message.answer(text + "\n" + t(N_("Send /help to see what you can do."), lang))
