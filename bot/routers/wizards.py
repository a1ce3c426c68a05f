"""Answers to the questions of multi-step commands (typed text and pressed choices)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import wizard
from bot.keyboards import WizardCB
from bot.replies import t
from domain.access import Actor
from domain.errors import N_

router = Router(name="wizards")


@router.message(wizard.WizardState.asking, F.text, ~F.text.startswith("/"))
async def typed(message: Message, state: FSMContext, session: AsyncSession, actor: Actor) -> None:
    await wizard.answer_text(message, state, session, actor)


@router.callback_query(WizardCB.filter())
async def pressed(query: CallbackQuery, callback_data: WizardCB, state: FSMContext, session: AsyncSession,
                  actor: Actor) -> None:
    if not isinstance(query.message, Message):
        await query.answer()
        return
    if not await wizard.answer_button(query.message, callback_data, state, session, actor):
        await query.answer(t(N_("This question is no longer open. Start the command again."), actor.language),
                           show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
