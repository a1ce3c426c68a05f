"""Inline keyboards and their callback data (every payload fits Telegram's 64 bytes)."""

from __future__ import annotations

import json

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import translate_plain
from domain import notify
from domain.services.users import LANGUAGES


def stored_markup(buttons: notify.Buttons | None, language: str) -> InlineKeyboardMarkup | None:
    """Buttons stored by the domain (a notification's, a survey's); their texts are message ids, shown in
    the reader's language."""
    if not buttons:
        return None
    return markup([[(translate_plain(b["text"], language), b["callback_data"]) for b in row] for row in buttons])


#: A keyboard of callback buttons as plain data: rows of (text, callback data). The exam message's, drawn
#: on every press, is kept in this form: 11 buttons as aiogram models, built and then serialized again,
#: cost a tenth of the bot's CPU per press (measured); see ``rows_json``.
Rows = list[list[tuple[str, str]]]


def markup(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row]
                                                 for row in rows])


def rows_json(rows: Rows) -> str:
    """The keyboard as the JSON Telegram reads in ``reply_markup``."""
    return json.dumps({"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row] for row in rows]},
                      ensure_ascii=False, separators=(",", ":"))


class LanguageCB(CallbackData, prefix="lang"):
    code: str


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code, name in LANGUAGES.items():
        kb.button(text=("✓ " if code == current else "") + name, callback_data=LanguageCB(code=code))
    kb.adjust(2)
    return kb.as_markup()


class UploadAnswerCB(CallbackData, prefix="up"):
    upload_id: int
    key: str
    index: int


class SwitchCB(CallbackData, prefix="sw"):
    org_id: int


class UnlinkCB(CallbackData, prefix="ul"):
    link_id: int
    confirm: bool = False


class PrefKindCB(CallbackData, prefix="nk"):
    kind: str


class PrefQuietCB(CallbackData, prefix="nq"):
    preset: str


class InviteCB(CallbackData, prefix="iv"):
    what: str  # teacher / admin / students / parents
    class_id: int = 0


class WizardCB(CallbackData, prefix="wz"):
    field: str
    index: int  # -1: skip


class JoinConfirmCB(CallbackData, prefix="jn"):
    invite_id: int
    yes: bool


class PublishCB(CallbackData, prefix="pub"):
    assessment_id: int


class AttainmentCB(CallbackData, prefix="att"):
    course_id: int


class ProgressCB(CallbackData, prefix="prg"):
    student_id: int


class SurveyOpenCB(CallbackData, prefix="svo"):
    course_id: int


class SurveyCloseCB(CallbackData, prefix="svc"):
    survey_id: int


class SurveyCB(CallbackData, prefix="sv"):
    survey_id: int
    co: int  # position of the CO in the survey (1-based)
    rating: int


class ExamStartCB(CallbackData, prefix="exs"):
    exam_id: int


class ExamCB(CallbackData, prefix="ea"):
    """A press in the exam message: attempt, operation, question position, argument (see presses.press)."""

    a: int
    op: str
    p: int
    x: int = 0


def exam_data(a: int, op: str, p: int, x: int = 0) -> str:
    """``ExamCB(a=a, op=op, p=p, x=x).pack()`` without building the model (the exam message has a dozen)."""
    return f"ea:{a}:{op}:{p}:{x}"


class ExamTeacherCB(CallbackData, prefix="et"):
    exam_id: int
    what: str  # sum / ia / lb


class LeaderboardCB(CallbackData, prefix="lb"):
    what: str  # exam / class / hide / show
    id: int = 0


class PracticeCB(CallbackData, prefix="pr"):
    course_id: int


class ResultsCB(CallbackData, prefix="rs"):
    student_id: int


class PagesCB(CallbackData, prefix="pg"):
    """A student's answer pages during an exam: list them (op l), send a new version of page n (op r)."""

    a: int
    op: str
    n: int = 0


class EvalCB(CallbackData, prefix="ev"):
    """A press in the evaluation message: evaluation, operation (m mark, g go to, s summary, f finish,
    c comment, p pages), the written question's paper position or index, the marks in halves."""

    e: int
    op: str
    p: int = 0
    x: int = 0


class ReassignCB(CallbackData, prefix="evr"):
    """An admin gives an evaluation to another teacher (m = 0: show the teachers to choose from)."""

    e: int
    m: int = 0
