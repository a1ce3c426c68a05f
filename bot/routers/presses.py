"""The exam message's presses (answers, moving between questions, flags, confidence, the review list):
the one router of the presses lane (bot/lane.py), which sends them straight to the database driver."""

from __future__ import annotations

from contextlib import suppress
from functools import partial

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, Update

from bot.keyboards import ExamCB
from bot.routers.exams import show_exam
from domain.db import Driver
from domain.services import presses

router = Router(name="exam-presses")


@router.callback_query(ExamCB.filter())  # the lane takes only presses of presses.OPS (bot/lane.py)
async def exam_press(query: CallbackQuery, callback_data: ExamCB, driver: Driver, bot: Bot,
                     event_update: Update) -> None:
    cb = callback_data
    pressed = await driver.run(partial(presses.press, telegram_id=query.from_user.id, attempt_id=cb.a, op=cb.op,
                                       position=cb.p, arg=cb.x, update=(bot.id, event_update.update_id)))
    if pressed is None:  # this update was handled before
        return
    with suppress(TelegramBadRequest):  # a press answered late (the bot was restarting) still edits the message
        await query.answer()
    if isinstance(query.message, Message):
        await show_exam(query.message, pressed.view, pressed.language, edit=True)
