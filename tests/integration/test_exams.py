"""Exam services over the real database: bank versions and frozen papers, plans (kinds, written parts,
the monthly quota), idempotent presses, auto-submit and scoring exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.access import Actor
from domain.db import make_engine
from domain.errors import Forbidden, Invalid, NotFound
from domain.files.questions import QuestionRow
from domain.model import Attempt, AttemptAnswer, Notification, OutboxJob, Question
from domain.model.base import utcnow
from domain.model.people import Course
from domain.services import attempts, classes, courses, exams, joining, plans, presses, questions, results
from tests.integration.test_people import person, refreshed, roster, school
from tests.support import exam


def row(ref: str, kind: str = "MCQ", stem: str = "2 + 2?", **kw: object) -> QuestionRow:
    base = QuestionRow(row=2, ref=ref, kind=kind, text=stem, options=("3", "4", "5") if kind == "MCQ" else (),
                       correct=(1,) if kind in ("MCQ",) else ((0,) if kind == "TF" else ()),
                       value=Decimal(24) if kind == "NUM" else None, tolerance=Decimal(0), model_answer="",
                       marks=Decimal(3) if kind == "SA" else Decimal(1), co=None, bloom=None, topic="T",
                       concept="", difficulty=None, irt=None)
    return replace(base, **kw)  # type: ignore[arg-type]


async def setup(session: AsyncSession, students_n: int = 2) -> tuple[Actor, Actor, list[Actor], Course]:
    _org, admin, teacher = await school(session, "Exam School")
    cls = await classes.create_class(session, teacher, "X-A")
    made = await courses.create_course(session, teacher, code="MA1", name="Maths", class_name="X-A", program=None)
    out = await roster(session, teacher, cls.id, students_n)
    kids = []
    for i, line in enumerate(out.lines):
        kid = await person(session, 9000 + i, f"Kid{i}")
        assert line.student_code is not None
        await joining.redeem(session, kid, line.student_code)
        kids.append(await refreshed(session, kid))
    course = await session.get(Course, made.id)
    assert course is not None
    return admin, teacher, kids, course


def spec(**kw: object) -> exams.ExamSpec:
    now = utcnow()
    base = exams.ExamSpec(course="MA1", title="Test", kind="fixed", questions="all", minutes=10, opens_at=now,
                          closes_at=now + dt.timedelta(days=1))
    return replace(base, **kw)  # type: ignore[arg-type]


async def test_editing_a_question_makes_a_version_and_papers_keep_theirs(session: AsyncSession) -> None:
    _admin, teacher, kids, course = await setup(session)
    first = await questions.apply_bank(session, course, [row("Q1"), row("Q2", "TF", "Sky is blue.")],
                                       upload_id=None, user_id=None)
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    made = await exams.create_exam(session, teacher, spec())
    before = await attempts.start(session, kids[0], made.exam_id)
    again = await questions.apply_bank(session, course, [row("Q1", stem="2 + 3?", correct=(2,)),
                                                         row("Q2", "TF", "Sky is blue.")],
                                       upload_id=None, user_id=None)
    assert (again.new, again.changed, again.unchanged, again.total) == (0, 1, 1, 2)
    versions = (await session.execute(select(Question.version, Question.current, Question.stem).where(
        Question.ref == "Q1").order_by(Question.version))).all()
    assert [tuple(v) for v in versions] == [(1, False, "2 + 2?"), (2, True, "2 + 3?")]
    stems = {q["stem"] for q in await exam.paper(session, before.attempt_id)}
    assert "2 + 2?" in stems  # the attempt started keeps its snapshot
    after = await attempts.start(session, kids[1], made.exam_id)
    assert "2 + 3?" in {q["stem"] for q in await exam.paper(session, after.attempt_id)}


async def test_plans_refuse_kinds_written_parts_and_the_quota(session: AsyncSession) -> None:
    admin, teacher, kids, course = await setup(session)
    await questions.apply_bank(session, course, [row("Q1"), row("W1", "SA", "Explain.")], upload_id=None,
                               user_id=None)
    written = await exams.create_exam(session, teacher, spec(title="Written", written=True))
    done = await plans.assign(session, admin, "premium mcq", usn="1CR24CS001")
    assert (done.plan, done.students) == ("Premium MCQ", 1)
    with pytest.raises(Forbidden, match="written answers"):
        await attempts.start(session, kids[0], written.exam_id)
    await plans.assign(session, admin, "Basic", class_name="x-a")
    for n in range(5):
        made = await exams.create_exam(session, teacher, spec(title=f"T{n}"))
        await attempts.start(session, kids[0], made.exam_id)
    sixth = await exams.create_exam(session, teacher, spec(title="T5"))
    with pytest.raises(Forbidden) as refused:
        await attempts.start(session, kids[0], sixth.exam_id)
    assert refused.value.params == {"used": 5, "quota": 5, "plan": "Basic"}
    with pytest.raises(NotFound, match="There is no plan Gold"):
        await plans.find_plan(session, kids[0].org_id or 0, "Gold")


async def test_presses_set_states_so_a_repeat_has_one_effect(session: AsyncSession) -> None:
    _admin, teacher, kids, course = await setup(session, 1)
    await questions.apply_bank(session, course, [row("Q1", options=("a", "b", "c", "d"), correct=(0, 2)),
                                                 row("Q2")], upload_id=None, user_id=None)
    made = await exams.create_exam(session, teacher, spec(shuffle=False))
    view = await attempts.start(session, kids[0], made.exam_id)
    pos = next(i for i, q in enumerate(await exam.paper(session, view.attempt_id)) if q["ref"] == "Q1")
    for _ in range(2):
        view = await exam.press(session, kids[0], view.attempt_id, "T", pos, 2)
    assert view.answers[pos].chosen == (2,)
    view = await exam.press(session, kids[0], view.attempt_id, "T", pos, 0)
    view = await exam.press(session, kids[0], view.attempt_id, "t", pos, 2)
    view = await exam.press(session, kids[0], view.attempt_id, "t", pos, 2)
    assert view.answers[pos].chosen == (0,)
    for _ in range(2):
        view = await exam.press(session, kids[0], view.attempt_id, "F", pos, 0)
    assert view.answers[pos].flagged
    with pytest.raises(Exception, match="not yours"):
        await exam.press(session, kids[0], view.attempt_id, "T", pos, 9)


async def test_auto_submit_and_scoring_happen_once(engine: AsyncEngine, session: AsyncSession) -> None:
    _admin, teacher, kids, course = await setup(session, 1)
    await questions.apply_bank(session, course, [row("Q1"), row("Q2", "NUM", "4 * 6?")], upload_id=None,
                               user_id=None)
    made = await exams.create_exam(session, teacher, spec(shuffle=False, negative=Decimal("0.5")))
    view = await attempts.start(session, kids[0], made.exam_id)
    await exam.press(session, kids[0], view.attempt_id, "o", 0, 0)  # wrong: −0.5
    await presses.type_number(session, kids[0], view.attempt_id, 1, "24")  # right: +1
    await session.execute(text("UPDATE attempts SET submit_due_at = now() - interval '1 second'"))
    first, second = await attempts.submit_due(session), await attempts.submit_due(session)
    assert (first, second) == (1, 0)
    jobs = await session.scalar(select(func.count()).select_from(OutboxJob).where(OutboxJob.actor == "score_attempts"))
    assert jobs == 1
    scored = await results.score_attempt(session, view.attempt_id)
    assert scored is not None and scored.score == Decimal("0.50") and scored.max_score == Decimal(2)
    assert await results.score_attempt(session, view.attempt_id) is None
    told = await session.scalar(select(func.count()).select_from(Notification).where(
        Notification.event_key == f"result:{view.attempt_id}"))
    assert told == 1
    attempt = await session.get(Attempt, view.attempt_id)
    assert attempt is not None and attempt.submitted_how == "timer" and attempt.percentage == Decimal("25.00")
    statuses = dict((await session.execute(select(AttemptAnswer.position, AttemptAnswer.status).where(
        AttemptAnswer.attempt_id == view.attempt_id))).all())
    assert statuses == {0: "wrong", 1: "correct"}


async def test_two_sweeps_at_once_submit_each_attempt_once(fresh_db: str) -> None:
    """Sweeps on separate connections racing over the same due attempts (in a database of its own:
    this test commits)."""
    engine = make_engine(fresh_db)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        _admin, teacher, kids, course = await setup(s, 3)
        await questions.apply_bank(s, course, [row("Q1")], upload_id=None, user_id=None)
        made = await exams.create_exam(s, teacher, spec())
        ids = [(await attempts.start(s, kid, made.exam_id)).attempt_id for kid in kids]
        await s.execute(text("UPDATE attempts SET submit_due_at = now() WHERE id = ANY(:ids)"), {"ids": ids})
        await s.commit()
    try:
        async def sweep() -> int:
            async with maker() as s:
                return await attempts.submit_due(s)

        counts = await asyncio.gather(sweep(), sweep(), sweep())
        assert sum(counts) == 3
        async with maker() as s:
            jobs = (await s.execute(select(OutboxJob.args).where(OutboxJob.actor == "score_attempts"))).scalars().all()
            assert sorted(i for args in jobs for i in args[0]) == sorted(ids)
    finally:
        await engine.dispose()


async def test_blueprint_exam_gives_each_student_a_paper_of_the_counts(session: AsyncSession) -> None:
    _admin, teacher, kids, course = await setup(session, 2)
    bank = [row(f"A{i}", co="CO1") for i in range(6)] + [row(f"B{i}", co="CO2", difficulty=Decimal("0.8"))
                                                         for i in range(6)]
    await questions.apply_bank(session, course, bank, upload_id=None, user_id=None)
    with pytest.raises(Invalid, match="cannot fill"):
        await exams.create_exam(session, teacher, spec(kind="blueprint", questions="CO1:7"))
    made = await exams.create_exam(session, teacher, spec(kind="blueprint", questions="CO1:2, CO2/hard:3"))
    papers = [await exam.paper(session, (await attempts.start(session, kid, made.exam_id)).attempt_id) for kid in kids]
    for paper in papers:
        assert sorted(q["co"] for q in paper) == ["CO1", "CO1", "CO2", "CO2", "CO2"]
    assert [q["ref"] for q in papers[0]] != [q["ref"] for q in papers[1]]


async def test_leaderboard_ranks_by_score_then_time_and_hides_who_asked(session: AsyncSession) -> None:
    _admin, teacher, kids, course = await setup(session, 3)
    await questions.apply_bank(session, course, [row("Q1"), row("Q2", "TF", "Sky is blue.")], upload_id=None,
                               user_id=None)
    made = await exams.create_exam(session, teacher, spec(shuffle=False))
    for kid, picks in zip(kids, ([1, 0], [1, 1], [0, 1]), strict=True):
        view = await attempts.start(session, kid, made.exam_id)
        for pos, pick in enumerate(picks):
            await exam.press(session, kid, view.attempt_id, "o", pos, pick)
        await exam.press(session, kid, view.attempt_id, "S", 0, 0)
        await results.score_attempt(session, view.attempt_id)
    assert await results.set_opt_out(session, kids[0], True)
    title, board = await results.exam_leaderboard(session, kids[1], made.exam_id)
    assert title == "Test"
    assert [(s.rank, s.name, s.score, s.me) for s in board] == [
        (1, "", Decimal("2.00"), False), (2, "Student 2", Decimal("1.00"), True), (3, "Student 3", Decimal(0), False)]
    _title, own = await results.exam_leaderboard(session, kids[0], made.exam_id)
    assert own[0].name == "Student 1" and own[0].me  # a student always sees their own name
    _name, by_class = await results.class_leaderboard(session, kids[2])
    assert [s.score for s in by_class] == [Decimal("100.0"), Decimal("50.0"), Decimal("0.0")]
