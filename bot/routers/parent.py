"""Parents: /children lists linked children, each with an unlink button (asked to confirm)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import refresh_for
from bot.keyboards import UnlinkCB
from bot.replies import t
from domain.access import Actor
from domain.errors import N_, NotFound
from domain.services import parents

router = Router(name="parent")


async def _children_view(session: AsyncSession, actor: Actor) -> tuple[str, object]:
    lang = actor.language
    kids = await parents.children(session, actor)
    if not kids:
        return t(N_("No child is linked to you. Ask the school for a parent code and send it here."), lang), None
    lines = [t(N_("<b>Your children</b>"), lang)]
    kb = InlineKeyboardBuilder()
    for k in kids:
        state = "" if k.joined else t(N_(" (has not joined yet)"), lang)
        lines.append(t(N_("{name} ({usn}), {klass}{state}"), lang, name=k.name, usn=k.usn, klass=k.class_name or "—",
                       state=state))
        kb.button(text=t(N_("Unlink {name}"), lang, name=k.name), callback_data=UnlinkCB(link_id=k.link_id))
    kb.adjust(1)
    return "\n".join(lines), kb.as_markup()


@router.message(Command("children"))
async def children(message: Message, session: AsyncSession, actor: Actor) -> None:
    text, markup = await _children_view(session, actor)
    await message.answer(text, reply_markup=markup)  # type: ignore[arg-type]


@router.callback_query(UnlinkCB.filter())
async def unlink(query: CallbackQuery, callback_data: UnlinkCB, bot: Bot, session: AsyncSession,
                 actor: Actor) -> None:
    lang = actor.language
    kids = {k.link_id: k for k in await parents.children(session, actor)}
    child = kids.get(callback_data.link_id)
    if child is None:
        raise NotFound(N_("That child is not linked to you (any more)."))
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if not callback_data.confirm:
        kb = InlineKeyboardBuilder()
        kb.button(text=t(N_("Yes, unlink {name}"), lang, name=child.name),
                  callback_data=UnlinkCB(link_id=child.link_id, confirm=True))
        await query.message.edit_text(
            t(N_("Unlink {name}? You will no longer be told their results."), lang, name=child.name),
            reply_markup=kb.as_markup())
        return
    gone = await parents.unlink(session, actor, child.link_id)
    await query.message.edit_text(t(N_("{name} is unlinked."), lang, name=gone.name))
    await refresh_for(bot, session, actor.user_id, query.message.chat.id)
