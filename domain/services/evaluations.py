"""Written answers: the pages a student sends during an attempt, the evaluation made when the attempt is
scored (deadline in the organization's working hours, the course teacher with the fewest open ones),
a teacher marking it question by question, the final result, and the SLA sweep (reminders, breach).

Deadlines and reminder instants are stored when the evaluation is made; the sweep (the scheduler,
every second) marks what has come due in the row itself, in the same transaction as the notification
it records, so each reminder and each breach is told once however many sweeps overlap or die.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, notify, scoring, sla, sysconfig
from domain.access import Actor
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.files import pages as page_files
from domain.model.base import utcnow
from domain.model.evaluation import AnswerPage, Evaluation
from domain.model.exams import Attempt, AttemptAnswer, Exam, Plan
from domain.model.org import Holiday, Organization
from domain.model.people import Course, CourseTeacher, Membership, Role, Student, User
from domain.outbox import enqueue
from domain.scoring import WRITTEN
from domain.services import exams, parents, plans

STORE_QUEUE = "ingest"
COMMENT_MAX = 500
FINAL = "final_result"  # renderers (bot.presenters_eval)
PARENT_FINAL = "parent_final_result"
ASSIGNED = "evaluation_assigned"
REMINDER = "evaluation_reminder"
BREACH = "evaluation_breach"
UNASSIGNED = "evaluation_unassigned"


# ---- the calendar ----------------------------------------------------------------------------------


async def calendar_of(session: AsyncSession, org_id: int) -> sla.Calendar:
    """The organization's working calendar: hours, weekdays, holidays, time zone."""
    org = await session.get(Organization, org_id)
    if org is None:
        raise NotFound(N_("There is no such organization."))
    days = frozenset((await session.scalars(select(Holiday.day).where(Holiday.org_id == org_id))).all())
    end = dt.time.max if org.work_end == dt.time(23, 59, 59) else org.work_end
    return sla.Calendar(org.timezone, org.work_start, end, frozenset(org.work_days), days)


# ---- pages -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageFile:
    """A page as Telegram describes it before anything is downloaded."""

    file_id: str
    unique_id: str
    media_type: str | None
    size: int | None


@dataclass(frozen=True)
class PageAdded:
    attempt_id: int
    page: int
    pages: int
    replaced: bool


async def _written_attempt(session: AsyncSession, actor: Actor, attempt_id: int | None = None) -> Attempt:
    """The caller's attempt in progress that has written questions (the newest one, or ``attempt_id``)."""
    me = actor.require(Role.STUDENT)
    stmt = (select(Attempt).join(Student, Student.id == Attempt.student_id)
            .where(Student.membership_id == me.membership_id, Attempt.submitted_at.is_(None))
            .order_by(Attempt.started_at.desc()))
    if attempt_id is not None:
        stmt = stmt.where(Attempt.id == attempt_id)
    for attempt in (await session.scalars(stmt)).all():
        if scoring.has_written(attempt.paper):
            return attempt
    raise NotFound(N_("You have no exam in progress with written answers; pages are sent during such an exam."))


async def written_attempt_id(session: AsyncSession, actor: Actor) -> int | None:
    """The caller's attempt in progress with written questions, if they are a student and have one."""
    if actor.membership(Role.STUDENT) is None:
        return None
    try:
        return (await _written_attempt(session, actor)).id
    except NotFound:
        return None


async def add_page(session: AsyncSession, actor: Actor, file: PageFile, *, replace: int | None = None,
                   now: dt.datetime | None = None) -> PageAdded:
    """A page of written answers: the next number, or a new version of page ``replace``. The file is
    fetched and kept by a worker (``store_answer_page``)."""
    now = now or utcnow()
    attempt = await _written_attempt(session, actor)
    if now > attempt.deadline_at + dt.timedelta(seconds=15):
        raise Conflict(N_("The time for this exam is over; pages can no longer be sent."))
    limit_mb = float(await sysconfig.get(session, attempt.org_id, "upload.answer_max_mb"))
    media_type = page_files.check_declared(file.media_type, file.size, int(limit_mb * 1024 * 1024))
    most = int(await sysconfig.get(session, attempt.org_id, "upload.answer_pages_max"))
    count = int(await session.scalar(select(func.count()).select_from(AnswerPage)
                                     .where(AnswerPage.attempt_id == attempt.id)) or 0)
    values = {"telegram_file_id": file.file_id, "telegram_file_unique_id": file.unique_id, "media_type": media_type,
              "size": file.size or 1, "status": "received", "content": None, "sha256": None, "stored_at": None,
              "received_at": now}
    if replace is not None:
        if not 1 <= replace <= count:
            raise NotFound(N_("There is no page {page}; you have sent {count}."), page=replace, count=count)
        page_id = (await session.execute(update(AnswerPage).where(
            AnswerPage.attempt_id == attempt.id, AnswerPage.page == replace).values(**values)
            .returning(AnswerPage.id))).scalar_one()
        number = replace
    else:
        if count >= most:
            raise Invalid(N_("An exam takes at most {limit} pages; replace one instead (📄 Pages)."), limit=most)
        number = count + 1
        page_id = (await session.execute(insert(AnswerPage).values(
            org_id=attempt.org_id, attempt_id=attempt.id, page=number, **values).returning(AnswerPage.id))).scalar_one()
    await enqueue(session, "store_answer_page", page_id, file.unique_id, queue=STORE_QUEUE,
                  dedupe_key=f"page:{page_id}:{file.unique_id}")
    await session.commit()
    return PageAdded(attempt.id, number, max(count, number), replace is not None)


@dataclass(frozen=True)
class PageView:
    page: int
    file_id: str
    media_type: str
    status: str


async def pages_of(session: AsyncSession, attempt_id: int) -> list[PageView]:
    rows = (await session.execute(
        select(AnswerPage.page, AnswerPage.telegram_file_id, AnswerPage.media_type, AnswerPage.status)
        .where(AnswerPage.attempt_id == attempt_id).order_by(AnswerPage.page))).all()
    return [PageView(*r) for r in rows]


async def my_pages(session: AsyncSession, actor: Actor, attempt_id: int) -> list[PageView]:
    """The caller's pages of their attempt in progress (to review and replace)."""
    attempt = await _written_attempt(session, actor, attempt_id)
    return await pages_of(session, attempt.id)


@dataclass(frozen=True)
class ToFetch:
    file_id: str
    media_type: str


async def page_to_fetch(session: AsyncSession, page_id: int, unique_id: str) -> ToFetch | None:
    """The page still waiting to be kept, as it was sent (None: kept already, replaced or gone)."""
    row = (await session.execute(select(AnswerPage.telegram_file_id, AnswerPage.media_type).where(
        AnswerPage.id == page_id, AnswerPage.telegram_file_unique_id == unique_id,
        AnswerPage.status == "received"))).first()
    return ToFetch(row[0], row[1]) if row else None


@dataclass(frozen=True)
class Stored:
    outcome: str  # stored / rejected / gone (replaced or deleted meanwhile) / already
    page: int | None = None
    user_id: int | None = None
    org_id: int | None = None


async def store_page(session: AsyncSession, page_id: int, unique_id: str, data: bytes, now: dt.datetime | None = None
                     ) -> Stored:
    """Keep a downloaded page in a large object with its SHA-256, once (a worker's job; safe to repeat)."""
    now = now or utcnow()
    row = (await session.execute(
        select(AnswerPage, Membership.user_id).join(Attempt, Attempt.id == AnswerPage.attempt_id)
        .join(Student, Student.id == Attempt.student_id).outerjoin(Membership, Membership.id == Student.membership_id)
        .where(AnswerPage.id == page_id).with_for_update(of=AnswerPage))).first()
    if row is None or row[0].telegram_file_unique_id != unique_id:
        return Stored("gone")
    page, user_id = row
    if page.status != "received":
        return Stored("already", page.page)
    limit_mb = float(await sysconfig.get(session, page.org_id, "upload.answer_max_mb"))
    kind = page_files.sniff(data)
    if kind is None or len(data) > limit_mb * 1024 * 1024:
        page.status = "rejected"
        await audit.record(session, "answer_page.rejected", org_id=page.org_id, actor_user_id=None,
                           entity="answer_page", entity_id=page.id, size=len(data), kind=kind)
        await session.commit()
        return Stored("rejected", page.page, user_id, page.org_id)
    oid = (await session.execute(text("SELECT lo_from_bytea(0, :data)"), {"data": data})).scalar_one()
    page.content, page.sha256, page.media_type = oid, hashlib.sha256(data).digest(), kind
    page.size, page.status, page.stored_at = len(data), "stored", now
    await session.commit()
    return Stored("stored", page.page, user_id, page.org_id)


async def page_bytes(session: AsyncSession, page_id: int) -> bytes:
    """A stored page's bytes, read back from its large object."""
    oid = await session.scalar(select(AnswerPage.content).where(AnswerPage.id == page_id))
    if oid is None:
        raise NotFound(N_("That page is not stored."))
    return bytes((await session.execute(text("SELECT lo_get(:oid)"), {"oid": oid})).scalar_one())


# ---- making evaluations (the scoring worker) -------------------------------------------------------


async def page_counts(session: AsyncSession, attempt_ids: Sequence[int]) -> dict[int, int]:
    rows = (await session.execute(
        select(AnswerPage.attempt_id, func.count()).where(AnswerPage.attempt_id.in_(attempt_ids),
                                                          AnswerPage.status != "rejected")
        .group_by(AnswerPage.attempt_id))).all()
    return {a: int(n) for a, n in rows}


@dataclass(frozen=True)
class Opened:
    evaluation_id: int
    org_id: int
    deadline_at: dt.datetime
    teacher_user_id: int | None


async def open_evaluations(session: AsyncSession, attempts: Sequence[Attempt], now: dt.datetime
                           ) -> dict[int, Opened]:
    """An evaluation for each submitted attempt with pages to mark: deadline = submission + the plan's SLA
    in working time; assigned to the course teacher with the fewest open evaluations; that teacher told.
    Attempts that have one already are left alone."""
    out: dict[int, Opened] = {}
    calendars: dict[int, sla.Calendar] = {}
    fractions: dict[int, tuple[float, float]] = {}
    for attempt in attempts:
        if attempt.org_id not in calendars:
            calendars[attempt.org_id] = await calendar_of(session, attempt.org_id)
            fractions[attempt.org_id] = await reminder_fractions(session, attempt.org_id)
        seconds = await _sla_seconds(session, attempt)
        start = attempt.submitted_at or now
        due = schedule(calendars[attempt.org_id], start, seconds, fractions[attempt.org_id])
        exam = await session.get(Exam, attempt.exam_id)
        assert exam is not None
        new_id = (await session.execute(insert(Evaluation).values(
            org_id=attempt.org_id, attempt_id=attempt.id, exam_id=attempt.exam_id, sla_seconds=seconds,
            submitted_at=start, deadline_at=due.deadline_at, remind_first_at=due.remind_first_at,
            remind_second_at=due.remind_second_at)
            .on_conflict_do_nothing(index_elements=["attempt_id"]).returning(Evaluation.id))).scalar_one_or_none()
        if new_id is None:
            continue
        evaluation = await session.get(Evaluation, new_id)
        assert evaluation is not None
        teacher = await _least_loaded(session, exam)
        user_id = await _assign(session, evaluation, teacher, now, None)
        out[attempt.id] = Opened(new_id, attempt.org_id, evaluation.deadline_at, user_id)
    return out


@dataclass(frozen=True)
class Schedule:
    """When an evaluation is due, and when its teacher is reminded."""

    deadline_at: dt.datetime
    remind_first_at: dt.datetime
    remind_second_at: dt.datetime


def schedule(cal: sla.Calendar, start: dt.datetime, seconds: int, fractions: tuple[float, float]) -> Schedule:
    """``seconds`` of working time from ``start`` in ``cal``, and the reminder points at ``fractions`` of it."""
    amount = dt.timedelta(seconds=seconds)
    return Schedule(sla.add_working(cal, start, amount), sla.fraction_point(cal, start, amount, fractions[0]),
                    sla.fraction_point(cal, start, amount, fractions[1]))


async def reminder_fractions(session: AsyncSession, org_id: int) -> tuple[float, float]:
    """The organization's two reminder points (``sla.reminders``), in order, each within 0…1."""
    clean = sorted(min(1.0, max(0.0, float(f))) for f in await sysconfig.get(session, org_id, "sla.reminders"))
    return (clean[0], clean[-1]) if clean else (0.5, 0.9)


async def _sla_seconds(session: AsyncSession, attempt: Attempt) -> int:
    if attempt.plan_id is not None:
        seconds = await session.scalar(select(Plan.sla_seconds).where(Plan.id == attempt.plan_id))
        if seconds:
            return int(seconds)
    student = await session.get(Student, attempt.student_id)
    assert student is not None
    return (await plans.plan_of(session, student)).sla_seconds


async def _least_loaded(session: AsyncSession, exam: Exam) -> int | None:
    """The course teacher with the fewest open evaluations (then the longest-standing), under a lock per
    course so that two workers assigning at once count each other's."""
    await session.execute(select(func.pg_advisory_xact_lock(7, exam.course_id)))
    load = (select(Evaluation.teacher_membership_id.label("m"), func.count().label("n"))
            .where(Evaluation.finished_at.is_(None)).group_by(Evaluation.teacher_membership_id).subquery())
    row = (await session.execute(
        select(CourseTeacher.membership_id).outerjoin(load, load.c.m == CourseTeacher.membership_id)
        .where(CourseTeacher.course_id == exam.course_id)
        .order_by(func.coalesce(load.c.n, 0), CourseTeacher.created_at, CourseTeacher.membership_id).limit(1))).first()
    return row[0] if row else None


async def _assign(session: AsyncSession, evaluation: Evaluation, membership_id: int | None, now: dt.datetime,
                  by_user_id: int | None) -> int | None:
    """Give the evaluation to a teacher and tell them (once per assignment)."""
    evaluation.teacher_membership_id = membership_id
    evaluation.assigned_at = now if membership_id is not None else None
    await session.flush()
    await audit.record(session, "evaluation.assigned", org_id=evaluation.org_id, actor_user_id=by_user_id,
                       entity="evaluation", entity_id=evaluation.id, teacher=membership_id)
    if membership_id is None:  # the course has no teacher: the admins choose one
        admins = list((await session.scalars(select(Membership.user_id).where(
            Membership.org_id == evaluation.org_id, Membership.role == Role.ADMIN))).all())
        await notify.notify(session, org_id=evaluation.org_id, event_key=f"evaluation:{evaluation.id}:unassigned",
                            kind="sla", recipients=admins, message=notify.RENDER + UNASSIGNED,
                            params=await _params(session, evaluation), buttons=reassign_button(evaluation.id))
        return None
    user_id = await session.scalar(select(Membership.user_id).where(Membership.id == membership_id))
    if user_id is not None:
        params = await _params(session, evaluation)
        await notify.notify(session, org_id=evaluation.org_id,
                            event_key=f"evaluation:{evaluation.id}:assigned:{membership_id}", kind="sla",
                            recipients=[user_id], message=notify.RENDER + ASSIGNED, params=params)
    return user_id


async def _params(session: AsyncSession, evaluation: Evaluation) -> dict[str, Any]:
    row = (await session.execute(
        select(Exam.title, Course.code, Student.name, Student.usn, Organization.timezone)
        .join(Course, Course.id == Exam.course_id).join(Attempt, Attempt.exam_id == Exam.id)
        .join(Student, Student.id == Attempt.student_id).join(Organization, Organization.id == Exam.org_id)
        .where(Attempt.id == evaluation.attempt_id))).one()
    return {"evaluation": evaluation.id, "title": row.title, "course": row.code, "student": row.name,
            "usn": row.usn, "deadline": exams.local(evaluation.deadline_at, row.timezone),
            "sla": evaluation.sla_seconds}


# ---- marking (/evaluate) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenQuestion:
    position: int  # in the paper
    number: int  # as the student saw it (1-based)
    kind: str
    stem: str
    model_answer: str
    max_marks: Decimal
    marks: Decimal | None
    comment: str | None


@dataclass(frozen=True)
class EvalView:
    evaluation_id: int
    title: str
    course: str
    student: str
    usn: str
    deadline: str
    left_seconds: int  # working time left (0 once due)
    breached: bool
    finished: bool
    pages: list[PageView]
    questions: list[WrittenQuestion]
    index: int  # the question shown
    objective: Decimal
    max_objective: Decimal
    mode: str = "question"  # question / summary / done

    @property
    def current(self) -> WrittenQuestion:
        return self.questions[self.index]

    @property
    def written(self) -> Decimal:
        return sum((q.marks or Decimal(0) for q in self.questions), Decimal(0))

    @property
    def max_written(self) -> Decimal:
        return sum((q.max_marks for q in self.questions), Decimal(0))

    @property
    def unmarked(self) -> list[int]:
        return [q.number for q in self.questions if q.marks is None]


async def _evaluation_for(session: AsyncSession, actor: Actor, evaluation_id: int, *, lock: bool = False
                          ) -> Evaluation:
    """The evaluation, if the caller is its teacher (or an admin of its organization)."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    stmt = select(Evaluation).where(Evaluation.id == evaluation_id, Evaluation.org_id == me.org_id)
    if lock:
        stmt = stmt.with_for_update()
    evaluation = await session.scalar(stmt)
    teacher = actor.membership(Role.TEACHER)
    mine = evaluation is not None and teacher is not None and evaluation.teacher_membership_id == teacher.membership_id
    if evaluation is None or not (mine or actor.membership(Role.ADMIN) is not None):
        raise NotFound(N_("That evaluation is not one of yours."))
    return evaluation


async def next_for(session: AsyncSession, actor: Actor, now: dt.datetime | None = None) -> EvalView | None:
    """The caller's open evaluation with the earliest deadline."""
    me = actor.require(Role.TEACHER)
    evaluation = await session.scalar(select(Evaluation).where(
        Evaluation.org_id == me.org_id, Evaluation.teacher_membership_id == me.membership_id,
        Evaluation.finished_at.is_(None)).order_by(Evaluation.deadline_at, Evaluation.id).limit(1))
    if evaluation is None:
        return None
    return await _view(session, evaluation, now or utcnow())


async def open_count(session: AsyncSession, actor: Actor) -> int:
    me = actor.require(Role.TEACHER)
    return int(await session.scalar(select(func.count()).select_from(Evaluation).where(
        Evaluation.teacher_membership_id == me.membership_id, Evaluation.finished_at.is_(None))) or 0)


async def view(session: AsyncSession, actor: Actor, evaluation_id: int, now: dt.datetime | None = None) -> EvalView:
    return await _view(session, await _evaluation_for(session, actor, evaluation_id), now or utcnow())


async def _view(session: AsyncSession, evaluation: Evaluation, now: dt.datetime, mode: str | None = None
                ) -> EvalView:
    attempt = await session.get(Attempt, evaluation.attempt_id)
    assert attempt is not None
    marks = {r.position: r for r in (await session.scalars(select(AttemptAnswer).where(
        AttemptAnswer.attempt_id == attempt.id))).all()}
    questions = []
    for i, q in enumerate(attempt.paper):
        if q["kind"] in WRITTEN:
            row = marks.get(i)
            questions.append(WrittenQuestion(i, i + 1, q["kind"], q["stem"], q.get("model_answer") or "",
                                             Decimal(q["marks"]), row.marks if row and row.status != "pending"
                                             else None, row.comment if row else None))
    p = await _params(session, evaluation)
    cal = await calendar_of(session, evaluation.org_id)
    left = sla.working_between(cal, now, evaluation.deadline_at) if now < evaluation.deadline_at else dt.timedelta()
    index = min(evaluation.position, len(questions) - 1) if questions else 0
    finished = evaluation.finished_at is not None
    result = attempt.result or {}  # the objective part as scored (the attempt's score is the total once final)
    objective = Decimal(result.get("objective", attempt.score or 0))
    max_objective = Decimal(result.get("max_objective", attempt.max_score or 0))
    return EvalView(evaluation.id, p["title"], p["course"], p["student"], p["usn"], p["deadline"],
                    int(left.total_seconds()), evaluation.breached_at is not None, finished,
                    await pages_of(session, attempt.id), questions, index, objective, max_objective,
                    mode or ("done" if finished else "question"))


async def mark(session: AsyncSession, actor: Actor, evaluation_id: int, position: int, halves: int,
               now: dt.datetime | None = None) -> EvalView:
    """Marks for one written question, in halves (0, 0.5, … its marks); then the next question unmarked."""
    now = now or utcnow()
    evaluation = await _evaluation_for(session, actor, evaluation_id, lock=True)
    if evaluation.finished_at is not None:
        raise Conflict(N_("This evaluation is finished already."))
    current = await _view(session, evaluation, now)
    q = next((q for q in current.questions if q.position == position), None)
    if q is None:
        raise NotFound(N_("That evaluation is not one of yours."))
    given = Decimal(halves) / 2
    if halves < 0 or given > q.max_marks:
        raise Invalid(N_("Question {n} is out of {max} marks; {given} is more than that."), n=q.number,
                      max=_num(q.max_marks), given=_num(given))
    await session.execute(_upsert_marks(evaluation.attempt_id, position, now, given, q.max_marks))
    questions = [replace(x, marks=given) if x.position == position else x for x in current.questions]
    here = next(i for i, x in enumerate(questions) if x.position == position)
    rest = [i for i, x in enumerate(questions) if x.marks is None]
    following = [i for i in rest if i > here] or rest
    evaluation.position = following[0] if following else here
    await session.commit()
    return replace(current, questions=questions, index=evaluation.position,
                   mode="question" if following else "summary")


def _upsert_marks(attempt_id: int, position: int, now: dt.datetime, given: Decimal, max_marks: Decimal) -> Any:
    status = "correct" if given == max_marks else "partial" if given > 0 else "wrong"
    stmt = insert(AttemptAnswer).values(attempt_id=attempt_id, position=position, first_seen_at=now, marks=given,
                                        max_marks=max_marks, status=status)
    return stmt.on_conflict_do_update(index_elements=["attempt_id", "position"],
                                      set_={"marks": given, "max_marks": max_marks, "status": status})


async def set_comment(session: AsyncSession, actor: Actor, evaluation_id: int, position: int, comment: str,
                      now: dt.datetime | None = None) -> EvalView:
    now = now or utcnow()
    evaluation = await _evaluation_for(session, actor, evaluation_id, lock=True)
    if evaluation.finished_at is not None:
        raise Conflict(N_("This evaluation is finished already."))
    text_ = " ".join(comment.split())
    if not text_:
        raise Invalid(N_("The comment is empty."))
    if len(text_) > COMMENT_MAX:
        raise Invalid(N_("A comment is at most {limit} characters; this one has {count}."), limit=COMMENT_MAX,
                      count=len(text_))
    attempt = await session.get(Attempt, evaluation.attempt_id)
    assert attempt is not None
    if not 0 <= position < len(attempt.paper) or attempt.paper[position]["kind"] not in WRITTEN:
        raise NotFound(N_("That evaluation is not one of yours."))
    stmt = insert(AttemptAnswer).values(attempt_id=attempt.id, position=position, first_seen_at=now, comment=text_,
                                        status="pending")
    await session.execute(stmt.on_conflict_do_update(index_elements=["attempt_id", "position"],
                                                     set_={"comment": text_}))
    await session.commit()
    return await _view(session, evaluation, now)


async def go(session: AsyncSession, actor: Actor, evaluation_id: int, index: int, now: dt.datetime | None = None
             ) -> EvalView:
    """Show written question ``index`` (0-based among the written ones), or the summary (``-1``)."""
    now = now or utcnow()
    evaluation = await _evaluation_for(session, actor, evaluation_id)
    current = await _view(session, evaluation, now)
    if index == -1:
        return await _view(session, evaluation, now, "summary" if not current.finished else "done")
    if not 0 <= index < len(current.questions):
        raise NotFound(N_("That evaluation is not one of yours."))
    evaluation.position = index
    await session.commit()
    return await _view(session, evaluation, now)


async def finish(session: AsyncSession, actor: Actor, evaluation_id: int, now: dt.datetime | None = None
                 ) -> EvalView:
    """The teacher confirms: written marks and MCQ score become the final result; student, parents and the
    exam's summary are told. Once."""
    now = now or utcnow()
    evaluation = await _evaluation_for(session, actor, evaluation_id, lock=True)
    current = await _view(session, evaluation, now)
    if evaluation.finished_at is not None:
        return current
    if current.unmarked:
        raise Invalid(N_("Question {numbers} is not marked yet."), numbers=", ".join(map(str, current.unmarked)))
    evaluation.finished_at, evaluation.finished_by_user_id = now, actor.user_id
    attempt = await session.get(Attempt, evaluation.attempt_id, with_for_update=True)
    assert attempt is not None
    await finalize(session, attempt, current.written, current.max_written, now, on_time=now <= evaluation.deadline_at)
    await audit.record(session, "evaluation.finished", org_id=evaluation.org_id, actor_user_id=actor.user_id,
                       entity="evaluation", entity_id=evaluation.id, written=str(current.written),
                       on_time=now <= evaluation.deadline_at)
    await session.commit()
    return await _view(session, evaluation, now, "done")


async def finalize(session: AsyncSession, attempt: Attempt, written: Decimal, max_written: Decimal,
                   now: dt.datetime, *, on_time: bool | None = None) -> None:
    """The attempt's final score (its objective part plus the written marks), told to the student and
    their parents; in the caller's transaction."""
    result = dict(attempt.result or {})
    objective = Decimal(result.get("objective", attempt.score or 0))
    max_objective = Decimal(result.get("max_objective", attempt.max_score or 0))
    total = max(Decimal(0), objective + written)
    maximum = max_objective + max_written
    pct = scoring.q(total * 100 / maximum) if maximum else Decimal(0)
    result.update({"objective": str(objective), "max_objective": str(max_objective), "written": str(written),
                   "max_written": str(max_written), "pending": 0, "final": True})
    attempt.score, attempt.max_score, attempt.percentage, attempt.result = total, maximum, pct, result
    exam = await session.get(Exam, attempt.exam_id)
    assert exam is not None
    code = await session.scalar(select(Course.code).where(Course.id == exam.course_id)) or ""
    student = (await session.execute(select(Student.name, Membership.user_id).outerjoin(
        Membership, Membership.id == Student.membership_id).where(Student.id == attempt.student_id))).one()
    params = {"title": exam.title, "course": code, "score": str(total), "max": str(maximum), "pct": str(pct),
              "objective": str(objective), "max_objective": str(max_objective), "written": str(written),
              "max_written": str(max_written), "name": student.name}
    key = f"final:{attempt.id}"
    if student.user_id is not None:
        await notify.notify(session, org_id=attempt.org_id, event_key=key, kind="attempt",
                            recipients=[student.user_id], message=notify.RENDER + FINAL, params=params)
    family = await parents.parents_of(session, attempt.org_id, [attempt.student_id])
    await notify.notify(session, org_id=attempt.org_id, event_key=key, kind="result",
                        recipients=family.get(attempt.student_id, []), message=notify.RENDER + PARENT_FINAL,
                        params=params)
    await exams.summary_changed(session, [attempt.exam_id], now)


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


# ---- reassigning (admins, after a breach or any time) ----------------------------------------------


@dataclass(frozen=True)
class TeacherChoice:
    membership_id: int
    name: str
    open: int


async def teacher_choices(session: AsyncSession, actor: Actor, evaluation_id: int) -> list[TeacherChoice]:
    """Teachers an admin may give the evaluation to: the course's first, then the organization's."""
    me = actor.require(Role.ADMIN)
    evaluation = await _evaluation_for(session, actor, evaluation_id)
    course_id = await session.scalar(select(Exam.course_id).where(Exam.id == evaluation.exam_id))
    load = (select(Evaluation.teacher_membership_id.label("m"), func.count().label("n"))
            .where(Evaluation.finished_at.is_(None)).group_by(Evaluation.teacher_membership_id).subquery())
    in_course = select(CourseTeacher.membership_id).where(CourseTeacher.course_id == course_id)
    rows = (await session.execute(
        select(Membership.id, func.coalesce(Membership.display_name, User.first_name), func.coalesce(load.c.n, 0),
               Membership.id.in_(in_course))
        .join(User, User.id == Membership.user_id).outerjoin(load, load.c.m == Membership.id)
        .where(Membership.org_id == me.org_id, Membership.role == Role.TEACHER)
        .order_by(Membership.id.in_(in_course).desc(), func.coalesce(load.c.n, 0), Membership.id).limit(20))).all()
    return [TeacherChoice(r[0], r[1], int(r[2])) for r in rows if r[0] != evaluation.teacher_membership_id]


async def reassign(session: AsyncSession, actor: Actor, evaluation_id: int, membership_id: int,
                   now: dt.datetime | None = None) -> str:
    """An admin gives an open evaluation to another teacher of the organization; the name of that teacher."""
    now = now or utcnow()
    me = actor.require(Role.ADMIN)
    evaluation = await _evaluation_for(session, actor, evaluation_id, lock=True)
    if evaluation.finished_at is not None:
        raise Conflict(N_("This evaluation is finished already."))
    row = (await session.execute(
        select(Membership.id, func.coalesce(Membership.display_name, User.first_name))
        .join(User, User.id == Membership.user_id)
        .where(Membership.id == membership_id, Membership.org_id == me.org_id, Membership.role == Role.TEACHER)
    )).first()
    if row is None:
        raise NotFound(N_("That teacher is not in your organization."))
    if evaluation.teacher_membership_id != membership_id:
        await _assign(session, evaluation, membership_id, now, actor.user_id)
    await session.commit()
    return str(row[1])


# ---- the SLA sweep ---------------------------------------------------------------------------------


async def sla_sweep(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Reminders and breaches that have come due, each recorded in its row and told once. A reminder whose
    moment passed together with a later one (the sweep was down) is recorded, not sent: the teacher gets
    the latest news only."""
    now = now or utcnow()
    e = Evaluation
    open_ = and_(e.finished_at.is_(None), e.teacher_membership_id.is_not(None))

    def due(col: Any, at: Any, *, assigned: bool = True) -> Any:
        return (select(e.id).where(open_ if assigned else e.finished_at.is_(None), col.is_(None), at <= now)
                .with_for_update(skip_locked=True).scalar_subquery())

    breached = (await session.execute(  # an evaluation nobody was given breaches too
        update(e).where(e.id.in_(due(e.breached_at, e.deadline_at, assigned=False)))
        .values(breached_at=now, reminded_first_at=func.coalesce(e.reminded_first_at, now),
                reminded_second_at=func.coalesce(e.reminded_second_at, now))
        .returning(e.id).execution_options(synchronize_session=False))).scalars().all()
    second = (await session.execute(
        update(e).where(e.id.in_(due(e.reminded_second_at, e.remind_second_at)))
        .values(reminded_second_at=now, reminded_first_at=func.coalesce(e.reminded_first_at, now))
        .returning(e.id).execution_options(synchronize_session=False))).scalars().all()
    first = (await session.execute(
        update(e).where(e.id.in_(due(e.reminded_first_at, e.remind_first_at)))
        .values(reminded_first_at=now).returning(e.id).execution_options(synchronize_session=False))).scalars().all()
    calendars: dict[int, sla.Calendar] = {}  # the working time left is told in each organization's calendar
    for ids, which in ((first, "first"), (second, "second")):
        for evaluation_id in ids:
            await _remind(session, evaluation_id, which, now, calendars)
    for evaluation_id in breached:
        await _breach(session, evaluation_id, now)
    await session.commit()
    return len(first) + len(second) + len(breached)  # messages recorded


async def _remind(session: AsyncSession, evaluation_id: int, which: str, now: dt.datetime,
                  calendars: dict[int, sla.Calendar]) -> None:
    evaluation = await session.get(Evaluation, evaluation_id)
    assert evaluation is not None and evaluation.teacher_membership_id is not None
    user_id = await session.scalar(select(Membership.user_id).where(Membership.id == evaluation.teacher_membership_id))
    if evaluation.org_id not in calendars:
        calendars[evaluation.org_id] = await calendar_of(session, evaluation.org_id)
    cal = calendars[evaluation.org_id]
    params = await _params(session, evaluation) | {
        "left": int(sla.working_between(cal, now, evaluation.deadline_at).total_seconds()), "which": which}
    await notify.notify(session, org_id=evaluation.org_id, event_key=f"evaluation:{evaluation.id}:{which}",
                        kind="sla", recipients=[user_id] if user_id else [], message=notify.RENDER + REMINDER,
                        params=params)


async def _breach(session: AsyncSession, evaluation_id: int, now: dt.datetime) -> None:
    evaluation = await session.get(Evaluation, evaluation_id)
    assert evaluation is not None
    admins = list((await session.scalars(select(Membership.user_id).where(
        Membership.org_id == evaluation.org_id, Membership.role == Role.ADMIN))).all())
    teacher = (await session.execute(
        select(func.coalesce(Membership.display_name, User.first_name)).join(User, User.id == Membership.user_id)
        .where(Membership.id == evaluation.teacher_membership_id))).scalar_one_or_none()
    params = await _params(session, evaluation) | {"teacher": teacher or "—"}
    await notify.notify(session, org_id=evaluation.org_id, event_key=f"evaluation:{evaluation.id}:breach",
                        kind="sla", recipients=admins, message=notify.RENDER + BREACH, params=params,
                        buttons=reassign_button(evaluation.id))
    await audit.record(session, "evaluation.breached", org_id=evaluation.org_id, actor_user_id=None,
                       entity="evaluation",
                       entity_id=evaluation.id, teacher=evaluation.teacher_membership_id)


REASSIGN = N_("↪ Reassign")


def reassign_button(evaluation_id: int) -> notify.Buttons:
    """The button under a breach (the bot reads it as ``ReassignCB``)."""
    return [[{"text": REASSIGN, "callback_data": f"evr:{evaluation_id}:0"}]]


# ---- /sla ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenLine:
    evaluation_id: int
    title: str
    student: str
    teacher: str
    deadline: str
    left_seconds: int
    breached: bool


@dataclass(frozen=True)
class TeacherRate:
    teacher: str
    finished: int
    on_time: int
    open: int


@dataclass(frozen=True)
class SlaReport:
    scope: str  # organization / own
    open: list[OpenLine]
    rates: list[TeacherRate]


async def report(session: AsyncSession, actor: Actor, now: dt.datetime | None = None, *, days: int = 30,
                 limit: int = 30) -> SlaReport:
    """Open evaluations with working time left (breaches first), and each teacher's on-time rate over
    ``days`` days: the organization's for an admin, the caller's own for a teacher."""
    now = now or utcnow()
    me = actor.require(Role.ADMIN, Role.TEACHER)
    e = Evaluation
    scope = [e.org_id == me.org_id] + ([e.teacher_membership_id == me.membership_id] if me.role != Role.ADMIN else [])
    teacher_name = func.coalesce(Membership.display_name, User.first_name, "—")
    rows = (await session.execute(
        select(e.id, Exam.title, Student.name, teacher_name, e.deadline_at, e.breached_at)
        .join(Exam, Exam.id == e.exam_id).join(Attempt, Attempt.id == e.attempt_id)
        .join(Student, Student.id == Attempt.student_id)
        .outerjoin(Membership, Membership.id == e.teacher_membership_id).outerjoin(User, User.id == Membership.user_id)
        .where(*scope, e.finished_at.is_(None)).order_by(e.deadline_at, e.id).limit(limit))).all()
    cal = await calendar_of(session, me.org_id)
    tz = cal.timezone
    lines = [OpenLine(r[0], r[1], r[2], r[3], exams.local(r[4], tz),
                      int(sla.working_between(cal, now, r[4]).total_seconds()) if r[4] > now else 0,
                      r[5] is not None) for r in rows]
    since = now - dt.timedelta(days=days)
    stats = (await session.execute(
        select(teacher_name, func.count().filter(e.finished_at >= since),
               func.count().filter(e.finished_at >= since, e.finished_at <= e.deadline_at),
               func.count().filter(e.finished_at.is_(None)))
        .select_from(e).join(Membership, Membership.id == e.teacher_membership_id)
        .join(User, User.id == Membership.user_id)
        .where(*scope).group_by(e.teacher_membership_id, teacher_name).order_by(teacher_name))).all()
    rates = [TeacherRate(r[0], int(r[1]), int(r[2]), int(r[3])) for r in stats]
    return SlaReport("organization" if me.role == Role.ADMIN else "own", lines, rates)
