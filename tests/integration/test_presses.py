"""The exam message's presses on the driver's connection, over the real PostgreSQL: what each press stores
and shows, one effect per update, presses of one attempt arriving together on separate connections (two
devices, a double tap), and a pooled connection that died while idle."""

from __future__ import annotations

import asyncio
import itertools
import logging
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.access import Actor
from domain.db import Driver, make_engine
from domain.errors import Forbidden, NotFound
from domain.model import Attempt, AttemptAnswer
from domain.model.ops import ProcessedUpdate
from domain.services import attempts, exams, presses, questions
from tests.integration.test_exams import row, setup, spec
from tests.support import exam
from tests.support.db import kill_pooled_connection

BANK = [row("M1", options=("a", "b", "c", "d"), correct=(0, 2)), row("S1"), row("T1", "TF", "Sky is blue."),
        row("N1", "NUM", "4 * 6?"), row("S2", stem="3 + 3?")]


async def _exam(session: AsyncSession, n: int = 1) -> tuple[Actor, list[Actor], int]:
    _admin, teacher, kids, course = await setup(session, n)
    await questions.apply_bank(session, course, BANK, upload_id=None, user_id=None)
    made = await exams.create_exam(session, teacher, spec(shuffle=False))
    view = await attempts.start(session, kids[0], made.exam_id)
    return teacher, kids, view.attempt_id


async def test_each_press_shows_the_question_it_lands_on(session: AsyncSession) -> None:
    teacher, kids, attempt_id = await _exam(session, 2)
    kid = kids[0]
    paper = await exam.paper(session, attempt_id)
    view = await exam.press(session, kid, attempt_id, "o", 1, 1)  # S1 answered: on to T1 (M1 is open but earlier)
    assert (view.position, view.question["ref"], view.answers[1].chosen) == (2, "T1", (1,))
    assert view.kinds == tuple(q["kind"] for q in paper) and view.count == 5
    view = await exam.press(session, kid, attempt_id, "n", 0, 0)
    assert (view.position, view.question["ref"]) == (0, "M1")
    view = await exam.press(session, kid, attempt_id, "T", 0, 2)
    view = await exam.press(session, kid, attempt_id, "T", 0, 0)
    assert (view.position, view.question["ref"], view.answers[0].chosen) == (0, "M1", (0, 2))
    view = await exam.press(session, kid, attempt_id, "c", 0, 2)
    view = await exam.press(session, kid, attempt_id, "F", 0, 0)
    assert view.answers[0].confidence == "unsure" and view.answers[0].flagged
    review = await exam.press(session, kid, attempt_id, "r", 0, 0)
    assert review.mode == "review" and review.position == 0
    view = await exam.press(session, kid, attempt_id, "o", 2, 0)  # T1 from the review: on to N1, still open
    assert (view.position, view.question["ref"]) == (3, "N1")
    typed = await presses.type_number(session, kid, attempt_id, 3, "24")
    assert (typed.position, typed.question["ref"], typed.answers[3].number) == (4, "S2", Decimal(24))
    asked = await exam.press(session, kid, attempt_id, "s", 4, 0)
    assert asked.mode == "confirm" and asked.unanswered == 1
    back = await exam.press(session, kid, attempt_id, "b", 4, 0)
    assert (back.mode, back.position, back.question["ref"]) == ("question", 4, "S2")
    stored = dict((await session.execute(select(AttemptAnswer.position, AttemptAnswer.changes).where(
        AttemptAnswer.attempt_id == attempt_id))).all())
    assert stored == {0: 1, 1: 0, 2: 0, 3: 0}  # M1: the second tick changed the choice; flag, confidence did not
    for who, data, error in ((teacher, ("o", 1, 1), Forbidden), (kids[1], ("o", 1, 1), NotFound),
                             (kid, ("o", 9, 0), NotFound), (kid, ("o", 1, 7), NotFound), (kid, ("x", 1, 0), NotFound),
                             (kid, ("T", 2, 0), NotFound), (kid, ("c", 1, 3), NotFound)):
        with pytest.raises(error):
            await exam.press(session, who, attempt_id, *data)
    position = await session.scalar(select(Attempt.position).where(Attempt.id == attempt_id))
    assert position == 4  # refused presses changed nothing


async def test_an_update_has_one_effect(session: AsyncSession) -> None:
    _teacher, kids, attempt_id = await _exam(session)
    conn = await exam.driver(session)
    first = await presses.press(conn, kids[0].telegram_id, attempt_id, "T", 0, 2, update=(5, 77))
    again = await presses.press(conn, kids[0].telegram_id, attempt_id, "T", 0, 0, update=(5, 77))
    assert first is not None and again is None
    chosen = await session.scalar(select(AttemptAnswer.chosen).where(AttemptAnswer.attempt_id == attempt_id))
    assert chosen == [2]


async def test_presses_of_one_attempt_at_once_all_count(fresh_db: str, caplog: pytest.LogCaptureFixture) -> None:
    """Four options ticked at once on separate connections (each a press of its own), and one update
    delivered three times at once: every tick is kept, the repeated update counts once."""
    caplog.set_level(logging.INFO, logger="edubot.exam")
    engine = make_engine(fresh_db, pool_size=8, pre_ping=False)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with maker() as s:
            _teacher, kids, attempt_id = await _exam(s)
            await s.commit()
        kid = kids[0]
        drive = Driver(engine, asyncio.Semaphore(8))
        ids = itertools.count(1)

        async def tick(option: int, update: int | None = None) -> presses.Pressed | None:
            key = (9, update if update is not None else next(ids))

            async def work(conn: object) -> presses.Pressed | None:
                return await presses.press(conn, kid.telegram_id, attempt_id, "T", 0, option, update=key)

            return await drive.run(work)

        for _ in range(3):
            async with engine.begin() as c:
                await c.execute(text("DELETE FROM attempt_answers"))
            done = await asyncio.gather(*(tick(option) for option in range(4)))
            assert all(d is not None for d in done)
            async with maker() as s:
                chosen = await s.scalar(select(AttemptAnswer.chosen).where(AttemptAnswer.attempt_id == attempt_id))
            assert sorted(chosen or []) == [0, 1, 2, 3]
        assert "press runs again" in caplog.text  # the ticks did meet: a later write found the attempt changed
        repeated = await asyncio.gather(*(tick(1, update=1000) for _ in range(3)))
        assert sum(r is not None for r in repeated) == 1
        async with maker() as s:
            assert await s.scalar(select(func.count()).select_from(ProcessedUpdate).where(
                ProcessedUpdate.update_id == 1000)) == 1
    finally:
        await engine.dispose()


async def test_a_press_survives_a_connection_killed_while_idle(fresh_db: str, caplog: pytest.LogCaptureFixture
                                                               ) -> None:
    engine = make_engine(fresh_db, pool_size=1, application_name="edubot-test-idle", pre_ping=False)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with maker() as s:
            _teacher, kids, attempt_id = await _exam(s)
            await s.commit()
        await kill_pooled_connection(fresh_db, maker)
        drive = Driver(engine, asyncio.Semaphore(1))
        pressed = await drive.run(lambda conn: presses.press(conn, kids[0].telegram_id, attempt_id, "o", 1, 1,
                                                             update=(3, 1)))
        assert pressed is not None and pressed.view.position == 2
        assert "database connection lost while idle" in caplog.text  # the first run failed on the dead one
    finally:
        await engine.dispose()
