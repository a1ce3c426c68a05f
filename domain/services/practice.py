"""Practice: quiz polls from a course's question bank with instant feedback, never graded. Each answer
is kept (right or not, how long it took) for mastery later. A session is a few questions in a row;
questions the student has not yet got right come first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import papers, sysconfig
from domain.access import Actor
from domain.errors import N_, NotFound
from domain.model.base import utcnow
from domain.model.exams import PracticePoll, Question
from domain.model.people import Course, Role, Student
from domain.services.exams import student_row

POLL_QUESTION = 300
POLL_OPTION = 100
EXPLANATION = 200


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def courses_for(session: AsyncSession, actor: Actor) -> list[tuple[int, str]]:
    """Courses of the student's class that have questions to practise."""
    student = await student_row(session, actor)
    has_questions = exists().where(Question.course_id == Course.id, Question.current,
                                   Question.kind.in_(("MCQ", "TF")))
    rows = (await session.execute(select(Course.id, Course.code, Course.name).where(
        Course.org_id == student.org_id, (Course.class_id == student.class_id) | Course.class_id.is_(None),
        has_questions).order_by(Course.code))).all()
    return [(r[0], f"{r[1]} {r[2]}") for r in rows]


@dataclass(frozen=True)
class PracticeQuestion:
    practice_id: int
    kind: str  # MCQ / TF
    question: str
    options: list[str]  # MCQ: the texts, in poll order; TF: empty (the bot writes True / False)
    correct: list[int]  # poll option ids
    explanation: str
    round: int
    size: int


async def next_question(session: AsyncSession, actor: Actor, course_id: int, *, round_: int = 1,
                        size: int | None = None) -> PracticeQuestion:
    student = await student_row(session, actor)
    course = await session.scalar(select(Course).where(Course.id == course_id, Course.org_id == student.org_id,
                                                       (Course.class_id == student.class_id)
                                                       | Course.class_id.is_(None)))
    if course is None:
        raise NotFound(N_("That course is not one of yours."))
    if size is None:
        size = int(await sysconfig.get(session, student.org_id, "exam.practice_questions"))
    right_before = exists().where(PracticePoll.student_id == student.id, PracticePoll.question_id == Question.id,
                                  PracticePoll.correct.is_(True))
    recent = exists().where(and_(PracticePoll.student_id == student.id, PracticePoll.question_id == Question.id,
                                 PracticePoll.sent_at > utcnow() - dt.timedelta(minutes=30)))
    q = await session.scalar(select(Question).where(
        Question.course_id == course.id, Question.current, Question.kind.in_(("MCQ", "TF")))
        .order_by(recent, right_before, func.random()).limit(1))
    if q is None:
        raise NotFound(N_("{course} has no quiz questions yet."), course=course.code)
    count = len(q.options) if q.kind == "MCQ" else 2
    order = papers.permutation(count, int(utcnow().timestamp() * 1000) + q.id) if q.kind == "MCQ" else [0, 1]
    row = PracticePoll(org_id=student.org_id, student_id=student.id, course_id=course.id, question_id=q.id,
                       option_order=order, round=round_, session_size=size)
    session.add(row)
    await session.flush()
    correct = sorted(order.index(i) for i in q.correct)
    about = " — ".join(p for p in (q.topic, q.concept) if p)
    await session.commit()
    return PracticeQuestion(row.id, q.kind, _cut(q.stem, POLL_QUESTION),
                            [_cut(q.options[i], POLL_OPTION) for i in order] if q.kind == "MCQ" else [],
                            correct, _cut(about, EXPLANATION), round_, size)


async def sent(session: AsyncSession, practice_id: int, poll_id: str) -> None:
    row = await session.get(PracticePoll, practice_id)
    if row is not None:
        row.poll_id = poll_id
        await session.commit()


@dataclass(frozen=True)
class PracticeAnswer:
    correct: bool
    course_id: int
    round: int
    size: int
    right_so_far: int


async def answer(session: AsyncSession, actor: Actor, poll_id: str, option_ids: list[int]) -> PracticeAnswer | None:
    """A quiz answer of the student's own poll (once; a retracted vote changes nothing)."""
    me = actor.membership(Role.STUDENT)
    if me is None or not option_ids:
        return None
    row = await session.scalar(select(PracticePoll).join(Student, Student.id == PracticePoll.student_id).where(
        PracticePoll.poll_id == poll_id, Student.membership_id == me.membership_id).with_for_update())
    if row is None or row.answered_at is not None:
        return None
    q = await session.get(Question, row.question_id)
    assert q is not None
    chosen = sorted(row.option_order[i] for i in option_ids if 0 <= i < len(row.option_order))
    now = utcnow()
    row.answered_at, row.chosen = now, chosen
    row.correct = chosen == sorted(q.correct)
    row.seconds = (now - row.sent_at).total_seconds()
    await session.flush()
    began = await session.scalar(select(func.max(PracticePoll.sent_at)).where(
        PracticePoll.student_id == row.student_id, PracticePoll.course_id == row.course_id, PracticePoll.round == 1,
        PracticePoll.sent_at <= row.sent_at))
    right = int(await session.scalar(select(func.count()).select_from(PracticePoll).where(
        PracticePoll.student_id == row.student_id, PracticePoll.course_id == row.course_id,
        PracticePoll.correct.is_(True), PracticePoll.sent_at >= (began or row.sent_at),
        PracticePoll.sent_at <= row.sent_at)) or 0)
    await session.commit()
    return PracticeAnswer(bool(row.correct), row.course_id, row.round, row.session_size, right)
