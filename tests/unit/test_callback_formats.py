"""Buttons that workers attach to notifications are packed by the domain (which does not import aiogram);
the bot's CallbackData classes must read them. These tests hold the two to one format."""

from __future__ import annotations

import json

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from hypothesis import given
from hypothesis import strategies as st

from bot.keyboards import ExamCB, ExamStartCB, SurveyCB, exam_data, markup, rows_json
from domain.services import surveys


def test_survey_buttons_unpack_as_the_bot_reads_them() -> None:
    rows = surveys.buttons(41, ["CO1", "CO2"])
    data = [b["callback_data"] for row in rows for b in row]
    unpacked = [SurveyCB.unpack(d) for d in data]
    assert [(u.survey_id, u.co, u.rating) for u in unpacked] == [(41, c, r) for c in (1, 2) for r in (1, 2, 3)]
    assert data == [SurveyCB(survey_id=41, co=c, rating=r).pack() for c in (1, 2) for r in (1, 2, 3)]


def test_exam_start_button_unpacks_as_the_bot_reads_it() -> None:
    from domain.services.exams import start_button

    data = start_button(77)[0][0]["callback_data"]
    assert ExamStartCB.unpack(data).exam_id == 77 and data == ExamStartCB(exam_id=77).pack()


def test_reassign_button_unpacks_as_the_bot_reads_it() -> None:
    from bot.keyboards import ReassignCB
    from domain.services.evaluations import reassign_button

    data = reassign_button(9)[0][0]["callback_data"]
    assert ReassignCB.unpack(data) == ReassignCB(e=9, m=0) and data == ReassignCB(e=9).pack()


@given(a=st.integers(1, 2**53), op=st.sampled_from(sorted("oTtFfcnbrsS")), p=st.integers(0, 999),
       x=st.integers(0, 99))
def test_exam_buttons_are_packed_as_exam_callbacks(a: int, op: str, p: int, x: int) -> None:
    data = exam_data(a, op, p, x)
    assert data == ExamCB(a=a, op=op, p=p, x=x).pack() and ExamCB.unpack(data) == ExamCB(a=a, op=op, p=p, x=x)
    assert len(data.encode()) <= 64


def test_a_keyboard_as_json_is_what_aiogram_would_send() -> None:
    """The exam message's keyboard goes as JSON built directly; aiogram sends the same for its models."""
    rows = [[("✅ A", exam_data(5, "o", 0, 1)), ("B <b>", exam_data(5, "o", 0, 2))], [("हिन्दी ▶", "lb:exam:1")]]
    session = AiohttpSession()
    bot = Bot("1:" + "x" * 35, session=session)
    sent = session.prepare_value(markup(rows), bot=bot, files={})
    assert json.loads(rows_json(rows)) == json.loads(sent)
