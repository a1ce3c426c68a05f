"""Last in line: anything no feature handled gets a helpful sentence, never silence.

Also records when a user blocks or unblocks the bot (``my_chat_member``).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import t
from domain.access import Actor
from domain.errors import N_
from domain.render import esc
from domain.services import users

router = Router(name="fallback")


@router.my_chat_member(F.chat.type == "private")
async def membership_changed(event: ChatMemberUpdated, session: AsyncSession) -> None:
    status = event.new_chat_member.status
    blocked = status in (ChatMemberStatus.KICKED, ChatMemberStatus.LEFT)
    await users.set_reachable(session, event.from_user.id, reachable=not blocked)


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message, actor: Actor) -> None:
    word = (message.text or "").split()[0].split("@")[0]
    await message.answer(
        t(N_("I do not know the command {command}. Send /help to see the commands you can use."),
          actor.language, command=esc(word))
    )


@router.message(F.document | F.photo)
async def unexpected_file(message: Message, actor: Actor) -> None:
    await message.answer(
        t(N_("I was not expecting a file here. Send /help to see what you can do."), actor.language)
    )


@router.message()
async def unknown_message(message: Message, actor: Actor) -> None:
    await message.answer(
        t(N_("I did not understand that. Send /help to see what I can do, or /cancel to start over."),
          actor.language)
    )


@router.callback_query()
async def stale_button(query: CallbackQuery, actor: Actor) -> None:
    await query.answer(t(N_("This button is no longer active. Send /help to start again."), actor.language),
                       show_alert=True)
