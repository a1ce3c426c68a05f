"""Taking an exam: starting an attempt (its paper frozen), the exam message's view, submitting — by the
student or by the scheduler when the time is up. The attempt lives in PostgreSQL, so a second device or a
restarted bot resumes exactly where the student was. The presses in between (answers, moving between
questions, flags and confidence, the review list) are :mod:`domain.services.presses`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, papers, sysconfig
from domain.access import Actor
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.exams import Attempt, AttemptAnswer, Exam, ExamClass, Question
from domain.model.people import Role, Student
from domain.outbox import enqueue
from domain.scoring import WRITTEN
from domain.services import plans
from domain.services.exams import blueprint_rules, pool_item, student_row, summary_changed

if TYPE_CHECKING:
    from domain.services.presses import Held

#: Presses that arrive this long after the deadline still count (a slow connection).
LATE_PRESS = dt.timedelta(seconds=15)
SCORING_QUEUE = "default"
SCORING_BATCH = 50  # attempts the timer submitted together are scored by one job per this many


def seed_of(exam_id: int, student_id: int) -> int:
    """The attempt's random seed: the same student gets the same paper if the start is repeated."""
    return int.from_bytes(hashlib.sha256(f"{exam_id}:{student_id}".encode()).digest()[:8], "big")


def snapshot(q: Question, order: list[int]) -> dict[str, Any]:
    return {"id": q.id, "ref": q.ref, "version": q.version, "kind": q.kind, "stem": q.stem,
            "options": list(q.options), "order": order, "correct": list(q.correct),
            "value": str(q.value) if q.value is not None else None, "tolerance": str(q.tolerance),
            "marks": str(q.marks), "co": q.co_code, "bloom": q.bloom, "topic": q.topic, "concept": q.concept,
            **({"model_answer": q.model_answer} if q.kind in WRITTEN else {})}


async def build_paper(session: AsyncSession, exam: Exam, seed: int) -> list[dict[str, Any]]:
    """The questions of a new attempt, in their order, with each question's option order."""
    bank = {q.id: q for q in (await session.scalars(select(Question).where(
        Question.course_id == exam.course_id, Question.current))).all()}
    if exam.refs is not None:
        by_ref = {q.ref.upper(): q for q in bank.values()}
        chosen = [by_ref[r.upper()] for r in exam.refs if r.upper() in by_ref]
        if not chosen:
            raise Conflict(N_("This exam's questions are no longer in the bank; tell your teacher."))
        if exam.shuffle_questions:
            chosen = [chosen[i] for i in papers.permutation(len(chosen), seed)]
    else:
        pool = [pool_item(q) for q in bank.values() if exam.written or q.kind not in WRITTEN]
        try:
            ids = papers.draw(blueprint_rules(exam.blueprint or []), pool, seed)
        except papers.BlueprintError:
            raise Conflict(N_("The question bank no longer has enough questions for this exam; tell your teacher.")
                           ) from None
        chosen = [bank[i] for i in ids]
    paper = []
    for n, q in enumerate(chosen):
        count = len(q.options) if q.kind == "MCQ" else 0
        order = papers.permutation(count, seed + n + 1) if exam.shuffle_options and count else list(range(count))
        paper.append(snapshot(q, order))
    return paper


@dataclass(frozen=True)
class AnswerState:
    chosen: tuple[int, ...] = ()
    number: Decimal | None = None
    flagged: bool = False
    confidence: str | None = None

    @property
    def answered(self) -> bool:
        return bool(self.chosen) or self.number is not None


@dataclass(frozen=True)
class AttemptView:
    """Everything the bot needs to draw the exam message."""

    attempt_id: int
    exam_title: str
    position: int
    question: dict[str, Any]  # the question at ``position``
    kinds: tuple[str, ...]  # every question's kind, in the paper's order
    answers: dict[int, AnswerState]
    deadline_at: dt.datetime
    now: dt.datetime
    mode: str = "question"  # question / review / confirm / submitted / timeup
    submitted_how: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.kinds)

    @property
    def current(self) -> AnswerState:
        return self.answers.get(self.position, AnswerState())

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.deadline_at - self.now).total_seconds()))

    @property
    def unanswered(self) -> int:
        return sum(1 for i, kind in enumerate(self.kinds) if not self.answers.get(i, AnswerState()).answered
                   and kind not in WRITTEN)


async def _answers(session: AsyncSession, attempt_id: int) -> dict[int, AnswerState]:
    rows = (await session.execute(select(AttemptAnswer.position, AttemptAnswer.chosen, AttemptAnswer.number,
                                         AttemptAnswer.flagged, AttemptAnswer.confidence)
                                  .where(AttemptAnswer.attempt_id == attempt_id))).all()
    return {r.position: AnswerState(tuple(r.chosen or ()), r.number, r.flagged, r.confidence) for r in rows}


def mode_of(submitted_at: dt.datetime | None, deadline_at: dt.datetime, now: dt.datetime,
            wanted: str = "question") -> str:
    """What the exam message shows: ``wanted`` (a question, the review list, the confirmation), unless the
    attempt is submitted, or its time is up (for a question)."""
    if submitted_at is not None:
        return "submitted"
    if wanted == "question" and now > deadline_at + LATE_PRESS:
        return "timeup"
    return wanted


async def _view(session: AsyncSession, attempt: Attempt, title: str, now: dt.datetime) -> AttemptView:
    mode = mode_of(attempt.submitted_at, attempt.deadline_at, now)
    return AttemptView(attempt.id, title, attempt.position, attempt.paper[attempt.position],
                       tuple(q["kind"] for q in attempt.paper), await _answers(session, attempt.id),
                       attempt.deadline_at, now, mode, attempt.submitted_how)


async def _exam_for_student(session: AsyncSession, student: Student, exam_id: int) -> Exam:
    exam = await session.scalar(select(Exam).join(ExamClass, ExamClass.exam_id == Exam.id).where(
        Exam.id == exam_id, Exam.org_id == student.org_id, ExamClass.class_id == student.class_id))
    if exam is None:
        raise NotFound(N_("That exam is not one for you."))
    return exam


async def start(session: AsyncSession, actor: Actor, exam_id: int, now: dt.datetime | None = None) -> AttemptView:
    """Start the exam (or resume the attempt in progress)."""
    now = now or utcnow()
    student = await student_row(session, actor)
    exam = await _exam_for_student(session, student, exam_id)
    attempt = await session.scalar(select(Attempt).where(Attempt.exam_id == exam.id,
                                                         Attempt.student_id == student.id))
    if attempt is not None:
        if attempt.submitted_at is not None:
            raise Conflict(N_("You have already taken {title}; your result comes (or came) in this chat."),
                           title=exam.title)
        return await _view(session, attempt, exam.title, now)
    if now < exam.opens_at:
        raise Invalid(N_("{title} is not open yet."), title=exam.title)
    if now >= exam.closes_at:
        raise Invalid(N_("{title} is closed."), title=exam.title)
    plan = await plans.check_start(session, student, exam, now)
    seed = seed_of(exam.id, student.id)
    paper = await build_paper(session, exam, seed)
    grace = dt.timedelta(minutes=float(await sysconfig.get(session, exam.org_id, "exam.grace_period_minutes")))
    deadline = min(now + dt.timedelta(minutes=exam.duration_minutes), exam.closes_at)
    inserted = (await session.execute(
        insert(Attempt).values(org_id=exam.org_id, exam_id=exam.id, student_id=student.id, plan_id=plan.id,
                               paper=paper, started_at=now, deadline_at=deadline, submit_due_at=deadline + grace)
        .on_conflict_do_nothing(index_elements=["exam_id", "student_id"]).returning(Attempt.id)
    )).scalar_one_or_none()
    attempt = await session.scalar(select(Attempt).where(Attempt.exam_id == exam.id,
                                                         Attempt.student_id == student.id))
    assert attempt is not None
    if inserted is not None:
        await audit.record(session, "attempt.started", org_id=exam.org_id, actor_user_id=actor.user_id,
                           entity="attempt", entity_id=attempt.id, exam=exam.id, plan=plan.name)
        await summary_changed(session, [exam.id], now)
    await session.commit()
    return await _view(session, attempt, exam.title, now)


async def current_numeric(session: AsyncSession, actor: Actor) -> Attempt | None:
    """The student's attempt in progress whose current question wants a typed number, if any."""
    me = actor.membership(Role.STUDENT)
    if me is None:
        return None
    attempts = (await session.scalars(
        select(Attempt).join(Student, Student.id == Attempt.student_id)
        .where(Student.membership_id == me.membership_id, Attempt.submitted_at.is_(None))
        .order_by(Attempt.started_at.desc()))).all()
    for attempt in attempts:
        if attempt.paper[attempt.position]["kind"] == "NUM":
            return attempt
    return None


async def submit(session: AsyncSession, attempt: Attempt | Held, how: str, now: dt.datetime, *,
                 user_id: int | None = None, score: bool = True) -> bool:
    """Mark the attempt submitted and (unless the caller batches it) queue its scoring, in the caller's
    transaction; once."""
    done = (await session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=now, submitted_how=how).returning(Attempt.id))).scalar_one_or_none()
    if done is None:
        return False
    attempt.submitted_at, attempt.submitted_how = now, how
    if score:
        await enqueue(session, "score_attempt", attempt.id, queue=SCORING_QUEUE, dedupe_key=f"score:{attempt.id}")
    await audit.record(session, "attempt.submitted", org_id=attempt.org_id, actor_user_id=user_id, entity="attempt",
                       entity_id=attempt.id, how=how)
    return True


async def submit_due(session: AsyncSession, now: dt.datetime | None = None, *, limit: int = 5000) -> int:
    """Submit every attempt whose time plus grace is over (the scheduler's sweep), in one statement; each
    exactly once even when sweeps overlap (rows another sweep holds are skipped, submitted ones never match)."""
    now = now or utcnow()
    due = (select(Attempt.id).where(Attempt.submitted_at.is_(None), Attempt.submit_due_at <= now)
           .order_by(Attempt.submit_due_at).limit(limit).with_for_update(skip_locked=True).scalar_subquery())
    rows = (await session.execute(
        update(Attempt).where(Attempt.id.in_(due), Attempt.submitted_at.is_(None))
        .values(submitted_at=now, submitted_how="timer").returning(Attempt.id, Attempt.org_id)
        .execution_options(synchronize_session=False))).all()
    if not rows:
        return 0
    submitted = sorted(r.id for r in rows)
    await audit.record_many(session, "attempt.submitted", [(r.org_id, "attempt", r.id, {"how": "timer"})
                                                           for r in rows])
    for i in range(0, len(submitted), SCORING_BATCH):
        chunk = submitted[i:i + SCORING_BATCH]
        await enqueue(session, "score_attempts", chunk, queue=SCORING_QUEUE,
                      dedupe_key=f"score:{chunk[0]}-{chunk[-1]}:{len(chunk)}")
    await session.commit()
    return len(submitted)
