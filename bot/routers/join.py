"""Joining a class by its link: the student sends their USN; a USN not on the roster needs a yes."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import JoinConfirmCB
from bot.replies import t
from bot.welcome import welcome
from domain.access import Actor
from domain.errors import N_, Conflict
from domain.services import joining

router = Router(name="join")


class JoinState(StatesGroup):
    usn = State()


@router.message(JoinState.usn, F.text, ~F.text.startswith("/"))
async def usn_sent(message: Message, state: FSMContext, bot: Bot, session: AsyncSession, actor: Actor) -> None:
    data = await state.get_data()
    try:
        result = await joining.join_class(session, actor, int(data["invite_id"]), message.text or "")
    except Conflict:
        await state.clear()  # taken or on another roster: a matter for the teacher, not for retyping
        raise
    if isinstance(result, joining.NeedsConfirmation):
        await state.update_data(usn=result.usn)
        kb = InlineKeyboardBuilder()
        kb.button(text=t(N_("Yes, join as a new student"), actor.language),
                  callback_data=JoinConfirmCB(invite_id=result.invite_id, yes=True))
        kb.button(text=t(N_("No, let me check"), actor.language),
                  callback_data=JoinConfirmCB(invite_id=result.invite_id, yes=False))
        kb.adjust(1)
        await message.answer(
            t(N_("USN {usn} is not on the roster of {klass}. Is it right? If you join as a new student, your "
                 "teacher will see you in the class."), actor.language, usn=result.usn, klass=result.class_name),
            reply_markup=kb.as_markup())
        return
    await state.clear()
    await welcome(message, bot, session, actor, result)


@router.callback_query(JoinConfirmCB.filter())
async def confirm_new(query: CallbackQuery, callback_data: JoinConfirmCB, state: FSMContext, bot: Bot,
                      session: AsyncSession, actor: Actor) -> None:
    data = await state.get_data()
    if await state.get_state() != JoinState.usn.state or int(data.get("invite_id", 0)) != callback_data.invite_id:
        await query.answer(t(N_("This question has expired. Open the class link again."), actor.language),
                           show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if not callback_data.yes:
        await query.message.edit_text(t(N_("Send your USN again, as on your ID card."), actor.language))
        return
    result = await joining.join_class(session, actor, callback_data.invite_id, str(data.get("usn", "")),
                                      confirmed_new=True)
    await state.clear()
    await query.message.edit_reply_markup(reply_markup=None)
    assert isinstance(result, joining.Joined)
    await welcome(query.message, bot, session, actor, result)
