"""Written answers over the real database: pages kept in large objects, the evaluation made at scoring
(deadline in working hours, least-loaded teacher), marking in halves within each question's marks, the
final result told once, the SLA sweep telling each reminder and breach once, and who may touch what."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.access import Actor
from domain.db import make_engine
from domain.errors import Conflict, Invalid, NotFound
from domain.model import Attempt, Notification
from domain.model.evaluation import AnswerPage, Evaluation
from domain.model.org import Organization
from domain.services import attempts, evaluations, exams, inviting, joining, plans, questions, results
from domain.services.evaluations import PageFile
from tests.integration.test_exams import row, setup, spec
from tests.integration.test_people import person, refreshed
from tests.support import exam

JPEG = b"\xff\xd8\xff\xe0" + b"page" * 100
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


async def written_exam(session: AsyncSession, students_n: int = 2) -> tuple[Actor, Actor, list[Actor], int]:
    admin, teacher, kids, course = await setup(session, students_n)
    await questions.apply_bank(session, course, [
        row("Q1"), row("W1", "SA", "Explain photosynthesis.", model_answer="Light to sugar."),
        row("W2", "LA", "Derive the formula.", marks=Decimal(5))], upload_id=None, user_id=None)
    made = await exams.create_exam(session, teacher, spec(
        title="Biology", written=True, shuffle=False, opens_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        closes_at=dt.datetime(2026, 12, 31, tzinfo=dt.UTC)))
    return admin, teacher, kids, made.exam_id


async def take(session: AsyncSession, kid: Actor, exam_id: int, now: dt.datetime, pages: int = 1) -> int:
    view = await attempts.start(session, kid, exam_id, now=now)
    pos = view.kinds.index("MCQ")
    await exam.press(session, kid, view.attempt_id, "o", pos, 1, now=now)  # right: 1 mark
    for n in range(pages):
        await evaluations.add_page(session, kid, PageFile(f"file{n}", f"u{kid.user_id}-{n}", "image/jpeg", 2000),
                                   now=now)
    await exam.press(session, kid, view.attempt_id, "S", 0, 0, now=now)
    return view.attempt_id


async def test_written_exam_from_pages_to_final_result(session: AsyncSession) -> None:
    _admin, teacher, kids, exam_id = await written_exam(session)
    _, codes = await inviting.parent_codes(session, teacher, await _class_id(session, kids[0]))
    mum = await person(session, 9500, "Mum")
    await joining.redeem(session, mum, codes[0].code)
    # after hours on the evening before a holiday (Guru Nanak Jayanti, Tuesday 24 November, seeded for India):
    # the clock starts on Wednesday at 09:00
    monday_evening = dt.datetime(2026, 11, 23, 20, 30, tzinfo=IST)
    attempt_id = await take(session, kids[0], exam_id, monday_evening, pages=2)
    pages = await evaluations.pages_of(session, attempt_id)
    assert [(p.page, p.status) for p in pages] == [(1, "received"), (2, "received")]
    page_ids = list((await session.scalars(select(AnswerPage.id).where(AnswerPage.attempt_id == attempt_id)
                                           .order_by(AnswerPage.page))).all())
    stored = await evaluations.store_page(session, page_ids[0], f"u{kids[0].user_id}-0", JPEG)
    assert stored.outcome == "stored"
    assert await evaluations.store_page(session, page_ids[0], f"u{kids[0].user_id}-0", JPEG) == \
        evaluations.Stored("already", 1)
    assert await evaluations.page_bytes(session, page_ids[0]) == JPEG
    digest = await session.scalar(select(AnswerPage.sha256).where(AnswerPage.id == page_ids[0]))
    assert digest == hashlib.sha256(JPEG).digest()

    await results.score_attempt(session, attempt_id, now=monday_evening + dt.timedelta(seconds=5))
    evaluation = await session.scalar(select(Evaluation).where(Evaluation.attempt_id == attempt_id))
    assert evaluation is not None
    # Premium (the default plan): 48 working hours of 9 a day, Monday to Saturday: Wed–Sat 36 h, Sunday
    # nothing, Monday 9 h, then Tuesday 1 December 09:00 + 3 h
    assert evaluation.sla_seconds == 48 * 3600
    assert evaluation.deadline_at.astimezone(IST) == dt.datetime(2026, 12, 1, 12, 0, tzinfo=IST)
    assert evaluation.remind_first_at.astimezone(IST) == dt.datetime(2026, 11, 27, 15, 0, tzinfo=IST)  # 24 h
    assert evaluation.teacher_membership_id == teacher.memberships[0].membership_id
    told = await _told(session, f"evaluation:{evaluation.id}:assigned:%")
    assert told == [teacher.user_id]
    attempt = await session.get(Attempt, attempt_id)
    assert attempt is not None and attempt.score == Decimal(1) and attempt.max_score == Decimal(1)
    assert await _told(session, f"result:{attempt_id}") == [kids[0].user_id]  # parents wait for the final

    view = await evaluations.next_for(session, teacher, now=monday_evening + dt.timedelta(hours=1))
    assert view is not None and [q.kind for q in view.questions] == ["SA", "LA"]
    assert view.current.model_answer == "Light to sugar."
    assert view.left_seconds == 48 * 3600
    with pytest.raises(Invalid, match="out of 3 marks"):
        await evaluations.mark(session, teacher, view.evaluation_id, view.questions[0].position, 7)
    view = await evaluations.mark(session, teacher, view.evaluation_id, view.questions[0].position, 5)  # 2.5
    assert view.index == 1 and view.questions[0].marks == Decimal("2.5")
    with pytest.raises(Invalid, match="Question 3 is not marked yet"):
        await evaluations.finish(session, teacher, view.evaluation_id)
    view = await evaluations.set_comment(session, teacher, view.evaluation_id, view.questions[1].position,
                                         "  Good   derivation ")
    view = await evaluations.mark(session, teacher, view.evaluation_id, view.questions[1].position, 8)  # 4
    assert view.mode == "summary" and view.unmarked == [] and view.questions[1].comment == "Good derivation"
    done = await evaluations.finish(session, teacher, view.evaluation_id, now=monday_evening + dt.timedelta(days=1))
    assert done.mode == "done"
    await session.refresh(attempt)
    assert (attempt.score, attempt.max_score, attempt.percentage) == (Decimal("7.5"), Decimal(9), Decimal("83.33"))
    assert await _told(session, f"final:{attempt_id}") == sorted([kids[0].user_id, mum.user_id])
    again = await evaluations.finish(session, teacher, view.evaluation_id)  # a second press changes nothing
    assert again.finished and await _told(session, f"final:{attempt_id}") == sorted([kids[0].user_id, mum.user_id])
    with pytest.raises(Conflict):
        await evaluations.mark(session, teacher, view.evaluation_id, view.questions[0].position, 0)


async def _class_id(session: AsyncSession, kid: Actor) -> int:
    from domain.model.people import Student

    class_id = await session.scalar(select(Student.class_id).where(
        Student.membership_id == kid.memberships[0].membership_id))
    assert class_id is not None
    return class_id


async def _told(session: AsyncSession, key: str) -> list[int]:
    return sorted((await session.scalars(select(Notification.recipient_user_id).where(
        Notification.event_key.like(key)))).all())


async def test_no_pages_counts_zero_and_the_result_is_final(session: AsyncSession) -> None:
    _admin, _teacher, kids, exam_id = await written_exam(session)
    now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=IST)
    attempt_id = await take(session, kids[0], exam_id, now, pages=0)
    await results.score_attempt(session, attempt_id, now=now)
    attempt = await session.get(Attempt, attempt_id)
    assert attempt is not None and (attempt.score, attempt.max_score) == (Decimal(1), Decimal(9))
    assert (attempt.result or {})["final"] is True
    assert await session.scalar(select(func.count()).select_from(Evaluation)) == 0
    other = await attempts.start(session, kids[1], exam_id, now=now)  # the submit screen warns of no pages
    asked = await exam.press(session, kids[1], other.attempt_id, "s", 0, 0, now=now)
    assert asked.mode == "confirm" and asked.extra == {"pages": 0}


async def test_pages_refused_replaced_and_their_large_objects_unlinked(session: AsyncSession) -> None:
    _admin, _teacher, kids, exam_id = await written_exam(session)
    now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=IST)
    view = await attempts.start(session, kids[0], exam_id, now=now)
    with pytest.raises(Invalid, match="JPEG, PNG or PDF"):
        await evaluations.add_page(session, kids[0], PageFile("f", "u", "application/msword", 100), now=now)
    with pytest.raises(Invalid, match="at most 5 MB"):
        await evaluations.add_page(session, kids[0], PageFile("f", "u", "image/jpeg", 6 * 1024 * 1024), now=now)
    await evaluations.add_page(session, kids[0], PageFile("a", "ua", "image/jpeg", 10), now=now)
    page_id = await session.scalar(select(AnswerPage.id).where(AnswerPage.attempt_id == view.attempt_id))
    assert page_id is not None
    await evaluations.store_page(session, page_id, "ua", JPEG)
    objects = await session.scalar(text("SELECT count(*) FROM pg_largeobject_metadata"))
    added = await evaluations.add_page(session, kids[0], PageFile("b", "ub", "application/pdf", 10), replace=1,
                                       now=now)
    assert added.replaced and added.page == 1 and added.pages == 1
    assert await session.scalar(text("SELECT count(*) FROM pg_largeobject_metadata")) == (objects or 0) - 1
    assert (await evaluations.store_page(session, page_id, "ua", JPEG)).outcome == "gone"  # replaced meanwhile
    rejected = await evaluations.store_page(session, page_id, "ub", b"PK\x03\x04 a Word file really")
    assert rejected.outcome == "rejected" and rejected.user_id == kids[0].user_id
    with pytest.raises(NotFound, match="There is no page 3"):
        await evaluations.add_page(session, kids[0], PageFile("c", "uc", "image/png", 10), replace=3, now=now)
    with pytest.raises(NotFound, match="no exam in progress with written answers"):
        await evaluations.add_page(session, kids[1], PageFile("c", "uc", "image/png", 10), now=now)


async def test_sla_sweep_tells_each_reminder_and_the_breach_once(session: AsyncSession) -> None:
    admin, teacher, kids, exam_id = await written_exam(session)
    await plans.set_sla(session, admin, "Premium", 10)  # ten working seconds
    org_id = kids[0].org_id
    await session.execute(update(Organization).where(Organization.id == org_id).values(
        work_start=dt.time(0, 0), work_end=dt.time(23, 59, 59), work_days=[1, 2, 3, 4, 5, 6, 7]))
    await session.execute(text("DELETE FROM holidays WHERE org_id = :o"), {"o": org_id})
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
    attempt_id = await take(session, kids[0], exam_id, start)
    await results.score_attempt(session, attempt_id, now=start)
    evaluation = await session.scalar(select(Evaluation).where(Evaluation.attempt_id == attempt_id))
    assert evaluation is not None
    assert evaluation.deadline_at == start + dt.timedelta(seconds=10)
    assert evaluation.remind_first_at == start + dt.timedelta(seconds=5)
    assert evaluation.remind_second_at == start + dt.timedelta(seconds=9)
    assert await evaluations.sla_sweep(session, start + dt.timedelta(seconds=4)) == 0
    assert await evaluations.sla_sweep(session, start + dt.timedelta(seconds=5)) == 1
    assert await evaluations.sla_sweep(session, start + dt.timedelta(seconds=6)) == 0  # told already
    # the second reminder's moment and the deadline passed between two sweeps: only the breach is told
    assert await evaluations.sla_sweep(session, start + dt.timedelta(seconds=11)) == 1
    assert await evaluations.sla_sweep(session, start + dt.timedelta(seconds=20)) == 0
    keys = sorted((await session.scalars(select(Notification.event_key).where(
        Notification.event_key.like(f"evaluation:{evaluation.id}:%"),
        Notification.event_key.not_like("%:assigned:%")))).all())
    assert keys == [f"evaluation:{evaluation.id}:breach", f"evaluation:{evaluation.id}:first"]
    assert await _told(session, f"evaluation:{evaluation.id}:first") == [teacher.user_id]
    assert await _told(session, f"evaluation:{evaluation.id}:breach") == [admin.user_id]
    await session.refresh(evaluation)
    assert evaluation.reminded_second_at == start + dt.timedelta(seconds=11)  # recorded, not sent: the breach says it
    report = await evaluations.report(session, admin, now=start + dt.timedelta(seconds=20))
    assert [(o.breached, o.left_seconds) for o in report.open] == [(True, 0)]


async def test_least_loaded_teacher_and_who_may_touch_an_evaluation(session: AsyncSession) -> None:
    admin, teacher, kids, exam_id = await written_exam(session, 3)
    made = await inviting.staff_invite(session, admin, teacher.memberships[0].role)
    second = await person(session, 7777, "Second")
    await joining.redeem(session, second, made.code)
    second = await refreshed(session, second)
    from domain.model.people import CourseTeacher

    course_id = await session.scalar(select(exams.Exam.course_id).where(exams.Exam.id == exam_id))
    await session.execute(CourseTeacher.__table__.insert().values(
        org_id=second.org_id, course_id=course_id, membership_id=second.memberships[0].membership_id))
    now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=IST)
    assigned = []
    for kid in kids:
        attempt_id = await take(session, kid, exam_id, now)
        await results.score_attempt(session, attempt_id, now=now)
        assigned.append(await session.scalar(select(Evaluation.teacher_membership_id).where(
            Evaluation.attempt_id == attempt_id)))
    mine = teacher.memberships[0].membership_id
    theirs = second.memberships[0].membership_id
    assert sorted(assigned) == sorted([mine, theirs, mine if assigned[0] == mine else theirs])
    assert assigned[0] != assigned[1]  # the second went to the one with none
    evaluation_id = await session.scalar(select(Evaluation.id).where(Evaluation.teacher_membership_id == mine)
                                         .limit(1))
    assert evaluation_id is not None
    with pytest.raises(NotFound, match="not one of yours"):
        await evaluations.view(session, second, evaluation_id)
    with pytest.raises(NotFound, match="That teacher is not in your organization"):
        await evaluations.reassign(session, admin, evaluation_id, kids[0].memberships[0].membership_id)
    also_teaching = await inviting.staff_invite(session, admin, teacher.memberships[0].role)
    await joining.redeem(session, admin, also_teaching.code)
    admin = await refreshed(session, admin)  # an admin who also teaches keeps the admin's reach
    assert (await evaluations.view(session, admin, evaluation_id)).evaluation_id == evaluation_id
    name = await evaluations.reassign(session, admin, evaluation_id, theirs)
    assert name == "Second"
    assert (await evaluations.view(session, second, evaluation_id)).evaluation_id == evaluation_id
    assert await _told(session, f"evaluation:{evaluation_id}:assigned:{theirs}") == [second.user_id]


@pytest.mark.parametrize("raw", ["0", "abc", "201h"])
def test_plan_sla_refusals(raw: str) -> None:
    from domain.exam_input import parse_working_time

    with pytest.raises(Invalid):
        parse_working_time(raw)


def test_plan_sla_forms() -> None:
    from domain.exam_input import parse_working_time

    assert [parse_working_time(x) for x in ("24", "48h", "1h30m", "90s", "2 hours")] == [
        86400, 172800, 5400, 90, 7200]


async def test_overlapping_sla_sweeps_tell_each_event_once(fresh_db: str) -> None:
    """Three sweeps on separate connections race over the same due reminders and breaches (a database of its
    own: this test commits)."""
    engine = make_engine(fresh_db)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=IST)
    async with maker() as s:
        _admin, _teacher, kids, exam_id = await written_exam(s, 3)
        for kid in kids:
            attempt_id = await take(s, kid, exam_id, start)
            await results.score_attempt(s, attempt_id, now=start)
        await s.commit()
        evaluation_ids = list((await s.scalars(select(Evaluation.id))).all())
        deadline = max((await s.scalars(select(Evaluation.deadline_at))).all())
        reminder = max((await s.scalars(select(Evaluation.remind_first_at))).all())
    assert len(evaluation_ids) == 3
    try:
        async def sweep(at: dt.datetime) -> int:
            async with maker() as s:
                return await evaluations.sla_sweep(s, at)

        first = await asyncio.gather(*(sweep(reminder + dt.timedelta(seconds=1)) for _ in range(3)))
        breach = await asyncio.gather(*(sweep(deadline + dt.timedelta(seconds=1)) for _ in range(3)))
        assert (sum(first), sum(breach)) == (3, 3)  # the first reminders; then the breaches (the second overtaken)
        async with maker() as s:
            keys = (await s.scalars(select(Notification.event_key).where(
                Notification.event_key.like("evaluation:%"), Notification.event_key.not_like("%assigned%")))).all()
        assert sorted(keys) == sorted(f"evaluation:{i}:{k}" for i in evaluation_ids for k in ("first", "breach"))
    finally:
        await engine.dispose()


async def test_a_course_without_teachers_goes_to_the_admins(session: AsyncSession) -> None:
    admin, teacher, kids, exam_id = await written_exam(session)
    from domain.model.people import CourseTeacher

    await session.execute(CourseTeacher.__table__.delete())
    now = dt.datetime(2026, 11, 25, 10, 0, tzinfo=IST)
    attempt_id = await take(session, kids[0], exam_id, now)
    await results.score_attempt(session, attempt_id, now=now)
    evaluation = await session.scalar(select(Evaluation).where(Evaluation.attempt_id == attempt_id))
    assert evaluation is not None and evaluation.teacher_membership_id is None
    assert await _told(session, f"evaluation:{evaluation.id}:unassigned") == [admin.user_id]
    assert await evaluations.sla_sweep(session, evaluation.remind_second_at + dt.timedelta(seconds=1)) == 0
    assert await evaluations.sla_sweep(session, evaluation.deadline_at + dt.timedelta(seconds=1)) == 1
    assert await _told(session, f"evaluation:{evaluation.id}:breach") == [admin.user_id]
    choices = await evaluations.teacher_choices(session, admin, evaluation.id)
    assert [c.membership_id for c in choices] == [teacher.memberships[0].membership_id]
    await evaluations.reassign(session, admin, evaluation.id, choices[0].membership_id)
    assert await _told(session, f"evaluation:{evaluation.id}:assigned:%") == [teacher.user_id]
