"""Answering about "my results" or "my progress": a student about themselves, a parent about a child
(chosen with a button when there are several)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.replies import t
from domain.access import Actor
from domain.errors import N_
from domain.model.people import Role
from domain.services import progress

NO_CHILD = N_("No child is linked to you. Ask the school for a parent code and send it here.")


async def for_student_or_child(message: Message, session: AsyncSession, actor: Actor,
                               send: Callable[[int], Awaitable[None]], choose: Callable[[int], CallbackData],
                               question: str) -> None:
    """Call ``send(student_id)`` for the student themselves or a parent's only child; ask which child otherwise."""
    actor.require(Role.STUDENT, Role.PARENT)
    if actor.has(Role.STUDENT):
        me = await progress.own_student_id(session, actor)
        if me is not None:
            await send(me)
            return
    kids = await progress.children(session, actor)
    if not kids:
        await message.answer(t(NO_CHILD, actor.language))
    elif len(kids) == 1:
        await send(kids[0][0])
    else:
        kb = InlineKeyboardBuilder()
        for student_id, name in kids:
            kb.button(text=name, callback_data=choose(student_id))
        kb.adjust(1)
        await message.answer(t(question, actor.language), reply_markup=kb.as_markup())
