"""Exams of a course: creating one (fixed list or blueprint), telling its students when it opens,
listing what a student may take and what a teacher has set, and closing it when its window ends.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, notify, papers
from domain.access import Actor
from domain.errors import N_, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.exams import Attempt, Exam, ExamClass, Question
from domain.model.org import Organization
from domain.model.people import Course, CourseTeacher, Membership, Role, SchoolClass, Student
from domain.outbox import enqueue
from domain.scoring import WRITTEN
from domain.services import assessments, classes

OPENED = N_("A new exam is open: {title} ({course}), {count} questions, {minutes} minutes. Open until {closes}. "
            "Press Start when you are ready; the timer starts then.")
START = N_("▶ Start")
_REF_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class ExamSpec:
    course: str
    title: str
    kind: str  # fixed / blueprint
    questions: str  # fixed: "all" or question IDs; blueprint: its rules (CO1:3, CO2/hard:2…)
    minutes: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    classes: Sequence[str] = ()  # none: the course's class
    negative: Decimal = Decimal(0)
    partial: bool = False
    shuffle: bool = True
    written: bool = False
    review_after_close: bool = True


@dataclass(frozen=True)
class ExamCreated:
    exam_id: int
    title: str
    course: str
    questions: int
    classes: list[str]
    opens_at: dt.datetime
    closes_at: dt.datetime
    announced: int  # students told now (0 when it opens later)


def local(moment: dt.datetime, timezone: str) -> str:
    """A moment as the organization's people read it: 25 Nov 2026, 10:00."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(timezone)).strftime("%d %b %Y, %H:%M")


async def org_timezone(session: AsyncSession, org_id: int) -> str:
    return await session.scalar(select(Organization.timezone).where(Organization.id == org_id)) or "UTC"


def pool_item(q: Question) -> papers.PoolItem:
    return papers.PoolItem(q.id, q.co_code, q.topic, papers.difficulty_band(q.difficulty))


async def _bank(session: AsyncSession, course_id: int, *, written: bool) -> list[Question]:
    stmt = select(Question).where(Question.course_id == course_id, Question.current).order_by(Question.id)
    if not written:
        stmt = stmt.where(Question.kind.not_in(WRITTEN))
    return list((await session.scalars(stmt)).all())


def _fixed_refs(spec: ExamSpec, bank: Sequence[Question], all_bank: Sequence[Question], course: str) -> list[str]:
    if spec.questions.strip().lower() in ("all", "*", ""):
        if not bank:
            raise Invalid(N_("{course} has no questions an exam can use yet: send its question bank file first."),
                          course=course)
        return [q.ref for q in bank]
    by_ref = {q.ref.upper(): q for q in all_bank}
    refs = [r for r in _REF_SPLIT.split(spec.questions.strip()) if r]
    unknown = [r for r in refs if r.upper() not in by_ref]
    if unknown:
        raise Invalid(N_("Not in the question bank of {course}: {refs}."), course=course, refs=", ".join(unknown[:10]))
    written = [r for r in refs if by_ref[r.upper()].kind in WRITTEN]
    if written and not spec.written:
        raise Invalid(N_("{refs} are written questions: add written=yes to allow a written part, or leave them out."),
                      refs=", ".join(written[:10]))
    seen: set[str] = set()
    twice = [r for r in refs if r.upper() in seen or seen.add(r.upper())]  # type: ignore[func-returns-value]
    if twice:
        raise Invalid(N_("{refs} is listed twice."), refs=", ".join(twice[:5]))
    return [by_ref[r.upper()].ref for r in refs]


def blueprint_json(rules: Sequence[papers.Rule]) -> list[dict[str, Any]]:
    return [{"count": r.count, "co": r.co, "topic": r.topic, "band": r.band} for r in rules]


def blueprint_rules(data: Sequence[dict[str, Any]]) -> list[papers.Rule]:
    return [papers.Rule(int(d["count"]), d.get("co"), d.get("topic"), d.get("band")) for d in data]


async def create_exam(session: AsyncSession, actor: Actor, spec: ExamSpec, *, now: dt.datetime | None = None
                      ) -> ExamCreated:
    """A teacher creates an exam of a course they teach; students are told when it opens."""
    now = now or utcnow()
    course = await assessments.teachers_course(session, actor, spec.course)
    title = " ".join(spec.title.split())
    if not 1 <= len(title) <= 120:
        raise Invalid(N_("An exam's title has 1 to 120 characters."))
    if spec.closes_at <= spec.opens_at:
        raise Invalid(N_("The exam must close after it opens."))
    if spec.closes_at <= now:
        raise Invalid(N_("The closing time {closes} has passed already."),
                      closes=local(spec.closes_at, await org_timezone(session, course.org_id)))
    bank = await _bank(session, course.id, written=spec.written)
    refs: list[str] | None = None
    rules: list[papers.Rule] | None = None
    if spec.kind == "fixed":
        refs = _fixed_refs(spec, bank, await _bank(session, course.id, written=True), course.code)
        count = len(refs)
    elif spec.kind == "blueprint":
        rules = papers.parse_blueprint(spec.questions)
        short = papers.check(rules, [pool_item(q) for q in bank])
        if short:
            s = short[0]
            raise Invalid(N_("The bank of {course} cannot fill {rule}: {wanted} wanted, {available} available."),
                          course=course.code, rule=s.rule.describe(), wanted=s.wanted, available=s.available)
        count = sum(r.count for r in rules)
    elif spec.kind == "adaptive":
        raise Invalid(N_("Adaptive exams are not available yet; choose fixed or blueprint."))
    else:
        raise Invalid(N_("kind= is fixed or blueprint, not {value}."), value=spec.kind[:20])
    if spec.classes:
        chosen = [await classes.find_class(session, course.org_id, name) for name in spec.classes]
    elif course.class_id is not None:
        chosen = [classes.ClassView(course.class_id, await session.scalar(
            select(SchoolClass.name).where(SchoolClass.id == course.class_id)) or "")]
    else:
        raise Invalid(N_("{course} has no class: say which classes take the exam, for example classes=CSE-A."),
                      course=course.code)
    exam = Exam(org_id=course.org_id, course_id=course.id, title=title, kind=spec.kind, opens_at=spec.opens_at,
                closes_at=spec.closes_at, duration_minutes=spec.minutes, negative=spec.negative,
                partial=spec.partial, shuffle_questions=spec.shuffle, shuffle_options=spec.shuffle,
                written=spec.written, review_after_close=spec.review_after_close, refs=refs,
                blueprint=blueprint_json(rules) if rules else None, created_by_user_id=actor.user_id)
    session.add(exam)
    await session.flush()
    session.add_all([ExamClass(org_id=course.org_id, exam_id=exam.id, class_id=c.id) for c in {c.id: c for c in
                                                                                               chosen}.values()])
    await session.flush()
    await audit.record(session, "exam.created", org_id=course.org_id, actor_user_id=actor.user_id, entity="exam",
                       entity_id=exam.id, course=course.id, kind=spec.kind, questions=count,
                       classes=[c.name for c in chosen])
    announced = await _announce(session, exam, now) if spec.opens_at <= now else 0
    await session.commit()
    return ExamCreated(exam.id, title, course.code, count, [c.name for c in chosen], spec.opens_at, spec.closes_at,
                       announced)


def question_count(exam: Exam) -> int:
    if exam.refs is not None:
        return len(exam.refs)
    return sum(int(r["count"]) for r in exam.blueprint or [])


async def exam_students(session: AsyncSession, exam_id: int) -> list[tuple[int, int | None]]:
    """(student id, user id or None) of every student of the exam's classes."""
    rows = (await session.execute(
        select(Student.id, Membership.user_id).join(ExamClass, ExamClass.class_id == Student.class_id)
        .outerjoin(Membership, Membership.id == Student.membership_id).where(ExamClass.exam_id == exam_id)
    )).all()
    return [(r[0], r[1]) for r in rows]


def start_button(exam_id: int) -> notify.Buttons:
    """The Start button of an exam's announcement (the bot reads it as ``ExamStartCB``)."""
    return [[{"text": START, "callback_data": f"exs:{exam_id}"}]]


async def _announce(session: AsyncSession, exam: Exam, now: dt.datetime) -> int:
    exam.announced_at = now
    course = await session.get(Course, exam.course_id)
    assert course is not None
    tz = await org_timezone(session, exam.org_id)
    users = [u for _s, u in await exam_students(session, exam.id) if u is not None]
    told = await notify.notify(session, org_id=exam.org_id, event_key=f"exam-open:{exam.id}", kind="exam",
                               recipients=users, message=OPENED,
                               params={"title": exam.title, "course": course.code, "count": question_count(exam),
                                       "minutes": exam.duration_minutes, "closes": local(exam.closes_at, tz)},
                               buttons=start_button(exam.id))
    return told.recorded


async def announce_due(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Tell the students of every exam whose window has opened (the scheduler's sweep); each exam once."""
    now = now or utcnow()
    exams = (await session.scalars(select(Exam).where(Exam.announced_at.is_(None), Exam.opens_at <= now,
                                                      Exam.closes_at > now)
                                   .with_for_update(skip_locked=True).limit(50))).all()
    for exam in exams:
        await _announce(session, exam, now)
    await session.commit()
    return len(exams)


@dataclass(frozen=True)
class StudentExam:
    exam_id: int
    title: str
    course: str
    questions: int
    minutes: int
    closes_at: dt.datetime
    state: str  # new / started / submitted
    attempt_id: int | None


async def student_row(session: AsyncSession, actor: Actor) -> Student:
    me = actor.require(Role.STUDENT)
    student = await session.scalar(select(Student).where(Student.membership_id == me.membership_id))
    if student is None:
        raise NotFound(N_("You are not on a class roster yet; ask your teacher."))
    return student


async def open_for_student(session: AsyncSession, actor: Actor, now: dt.datetime | None = None
                           ) -> list[StudentExam]:
    """Exams of the student's class whose window is open, and those they have started."""
    now = now or utcnow()
    student = await student_row(session, actor)
    rows = (await session.execute(
        select(Exam, Course.code, Attempt.id, Attempt.submitted_at)
        .join(Course, Course.id == Exam.course_id)
        .join(ExamClass, ExamClass.exam_id == Exam.id)
        .outerjoin(Attempt, (Attempt.exam_id == Exam.id) & (Attempt.student_id == student.id))
        .where(ExamClass.class_id == student.class_id, Exam.org_id == student.org_id,
               ((Exam.opens_at <= now) & (Exam.closes_at > now)) | (Attempt.id.is_not(None) &
                                                                     Attempt.submitted_at.is_(None)))
        .order_by(Exam.closes_at)
    )).all()
    return [StudentExam(e.id, e.title, code, question_count(e), e.duration_minutes, e.closes_at,
                        "new" if aid is None else ("started" if sub is None else "submitted"), aid)
            for e, code, aid, sub in rows]


async def require_exam_teacher(session: AsyncSession, actor: Actor, exam_id: int) -> tuple[Exam, Course]:
    """The exam, if the actor teaches its course (or is an admin of its organization); ids are never trusted."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    stmt = select(Exam, Course).join(Course, Course.id == Exam.course_id).where(Exam.id == exam_id,
                                                                               Exam.org_id == me.org_id)
    if not actor.has(Role.ADMIN):
        stmt = stmt.join(CourseTeacher, CourseTeacher.course_id == Course.id).where(
            CourseTeacher.membership_id == me.membership_id)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound(N_("That exam is not one of yours."))
    return row[0], row[1]


@dataclass(frozen=True)
class TeacherExam:
    exam_id: int
    title: str
    course: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    started: int
    submitted: int
    scored: int
    average: Decimal | None


async def teacher_exams(session: AsyncSession, actor: Actor, *, limit: int = 10) -> list[TeacherExam]:
    me = actor.require(Role.TEACHER)
    rows = (await session.execute(
        select(Exam, Course.code, func.count(Attempt.id), func.count(Attempt.submitted_at),
               func.count(Attempt.scored_at), func.avg(Attempt.percentage))
        .join(Course, Course.id == Exam.course_id)
        .join(CourseTeacher, CourseTeacher.course_id == Course.id)
        .outerjoin(Attempt, Attempt.exam_id == Exam.id)
        .where(CourseTeacher.membership_id == me.membership_id, Exam.org_id == me.org_id)
        .group_by(Exam.id, Course.code).order_by(Exam.opens_at.desc()).limit(limit)
    )).all()
    return [TeacherExam(e.id, e.title, code, e.opens_at, e.closes_at, started, submitted, scored,
                        Decimal(avg).quantize(Decimal("0.1")) if avg is not None else None)
            for e, code, started, submitted, scored, avg in rows]


async def close_due(session: AsyncSession, now: dt.datetime | None = None) -> list[int]:
    """Mark exams whose window has ended as closed; returns their ids (reviews and summaries follow)."""
    now = now or utcnow()
    ids = list((await session.scalars(
        update(Exam).where(Exam.closed_at.is_(None), Exam.closes_at <= now).values(closed_at=now)
        .returning(Exam.id))).all())
    return ids


SUMMARY_EVERY = 3.0  # seconds: a teacher's live summary is edited at most this often


async def keep_summary(session: AsyncSession, actor: Actor, exam_id: int, chat_id: int, message_id: int) -> None:
    """The message showing a teacher the exam's summary, edited as students start and are scored."""
    exam, _course = await require_exam_teacher(session, actor, exam_id)
    exam.summary_chat_id, exam.summary_message_id, exam.summary_language = chat_id, message_id, actor.language
    await session.commit()


async def summary_changed(session: AsyncSession, exam_ids: Sequence[int], now: dt.datetime | None = None) -> None:
    """Queue the refresh of these exams' live summaries, once per :data:`SUMMARY_EVERY` seconds each (the job
    waits for the end of its slot, so it shows everything of the slot)."""
    now = now or utcnow()
    slot = int(now.timestamp() // SUMMARY_EVERY)
    at = dt.datetime.fromtimestamp((slot + 1) * SUMMARY_EVERY, dt.UTC)
    for exam_id in sorted(set(exam_ids)):
        await enqueue(session, "refresh_exam_summary", exam_id, dedupe_key=f"exam-summary:{exam_id}:{slot}",
                      not_before=at)

