"""Taking an exam: starting an attempt (its paper frozen), every press stored at once, moving between
questions, flags and confidence, the review list, submitting — by the student or by the scheduler when
the time is up. The attempt lives in PostgreSQL, so a second device or a restarted bot resumes exactly
where the student was.

Every press names its attempt and question position; the attempt must be the caller's own, and a
press sets a state (this option chosen, that flag on) rather than flipping one, so the same press
arriving twice has one effect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sqlalchemy import JSON, Text, bindparam, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, papers, sysconfig
from domain.access import Actor
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.evaluation import AnswerPage
from domain.model.exams import Attempt, AttemptAnswer, Exam, ExamClass, Question
from domain.model.people import Role, Student
from domain.outbox import enqueue
from domain.scoring import WRITTEN, has_written
from domain.services import plans
from domain.services.exams import blueprint_rules, pool_item, student_row, summary_changed

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
    paper: list[dict[str, Any]]
    answers: dict[int, AnswerState]
    deadline_at: dt.datetime
    now: dt.datetime
    mode: str = "question"  # question / review / confirm / submitted / timeup
    submitted_how: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def question(self) -> dict[str, Any]:
        return self.paper[self.position]

    @property
    def current(self) -> AnswerState:
        return self.answers.get(self.position, AnswerState())

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.deadline_at - self.now).total_seconds()))

    @property
    def unanswered(self) -> int:
        return sum(1 for i in range(len(self.paper)) if not self.answers.get(i, AnswerState()).answered
                   and self.paper[i]["kind"] not in WRITTEN)


async def _answers(session: AsyncSession, attempt_id: int) -> dict[int, AnswerState]:
    rows = (await session.execute(select(AttemptAnswer.position, AttemptAnswer.chosen, AttemptAnswer.number,
                                         AttemptAnswer.flagged, AttemptAnswer.confidence)
                                  .where(AttemptAnswer.attempt_id == attempt_id))).all()
    return {r.position: AnswerState(tuple(r.chosen or ()), r.number, r.flagged, r.confidence) for r in rows}


async def _view(session: AsyncSession, attempt: Attempt | Held, title: str, now: dt.datetime, mode: str = "question",
                answers: dict[int, AnswerState] | None = None) -> AttemptView:
    if attempt.submitted_at is not None:
        mode = "submitted"
    elif now > attempt.deadline_at + LATE_PRESS and mode == "question":
        mode = "timeup"
    if answers is None:
        answers = await _answers(session, attempt.id)
    return AttemptView(attempt.id, title, attempt.position, attempt.paper, answers, attempt.deadline_at, now, mode,
                       attempt.submitted_how)


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


@dataclass
class Held:
    """An attempt as a press reads it: its row, its exam's title and its answers so far (one round trip)."""

    id: int
    org_id: int
    position: int
    paper: list[dict[str, Any]]
    deadline_at: dt.datetime
    submitted_at: dt.datetime | None
    submitted_how: str | None
    title: str
    answers: dict[int, AnswerState]


def _answers_of_attempt() -> Any:
    """The attempt's answers as one JSON array of [position, chosen, number, flagged, confidence]."""
    a = AttemptAnswer
    return (select(func.json_agg(func.json_build_array(a.position, a.chosen, cast(a.number, Text), a.flagged,
                                                       a.confidence), type_=JSON))
            .where(a.attempt_id == Attempt.id).correlate(Attempt).scalar_subquery())


@cache
def _read_statement(lock: bool) -> Any:
    """The press's one read, built once (a press is the hot path): the caller's attempt, its exam's title
    and its answers; ``:attempt_id`` and ``:membership_id`` (the student's own membership)."""
    stmt = (select(Attempt.id, Attempt.org_id, Attempt.position, Attempt.paper, Attempt.deadline_at,
                   Attempt.submitted_at, Attempt.submitted_how, Exam.title, _answers_of_attempt())
            .join(Student, Student.id == Attempt.student_id)
            .join(Exam, Exam.id == Attempt.exam_id)
            .where(Attempt.id == bindparam("attempt_id"), Student.membership_id == bindparam("membership_id")))
    return stmt.with_for_update(of=Attempt) if lock else stmt


async def _own_attempt(session: AsyncSession, actor: Actor, attempt_id: int, *, lock: bool = False) -> Held:
    me = actor.require(Role.STUDENT)
    row = (await session.execute(_read_statement(lock),
                                 {"attempt_id": attempt_id, "membership_id": me.membership_id})).first()
    if row is None:
        raise NotFound(N_("That exam attempt is not yours."))
    answers = {p: AnswerState(tuple(chosen or ()), Decimal(number) if number is not None else None, flagged,
                              confidence)
               for p, chosen, number, flagged, confidence in row[8] or ()}
    return Held(row.id, row.org_id, row.position, row.paper, row.deadline_at, row.submitted_at, row.submitted_how,
                row.title, answers)


def _position(attempt: Held, position: int) -> int:
    if not 0 <= position < len(attempt.paper):
        raise NotFound(N_("That exam attempt is not yours."))
    return position


@cache
def _write_statement(columns: tuple[str, ...], move: bool) -> Any:
    """The press's one write, built once per shape: upsert the answer's ``columns`` (a change of the
    chosen options counts as a change) and/or move the attempt to ``:move_to``."""
    table = AttemptAnswer.__table__
    stmt: Any = None
    if columns:
        ins = insert(AttemptAnswer).values(
            attempt_id=bindparam("attempt_id"), position=bindparam("position"), first_seen_at=bindparam("now"),
            **{c: bindparam(c, type_=table.c[c].type) for c in columns})
        updates: dict[str, Any] = {c: ins.excluded[c] for c in columns}
        if "chosen" in columns or "number" in columns:
            updates["changes"] = AttemptAnswer.changes + 1
        stmt = ins.on_conflict_do_update(index_elements=["attempt_id", "position"], set_=updates)
    if move:
        moved = update(Attempt).where(Attempt.id == bindparam("attempt_id")).values(position=bindparam("move_to"))
        stmt = moved if stmt is None else moved.add_cte(stmt.returning(AttemptAnswer.position).cte("stored"))
    return stmt


async def _write(session: AsyncSession, attempt: Held, position: int, now: dt.datetime, move_to: int,
                 values: dict[str, Any]) -> None:
    """Store one answer's ``values`` and move the attempt to ``move_to``, in one statement."""
    move = move_to != attempt.position
    if not values and not move:
        return
    stmt = _write_statement(tuple(sorted(values)), move)
    await session.execute(stmt, {"attempt_id": attempt.id, "position": position, "now": now, "move_to": move_to,
                                 **values})
    attempt.position = move_to


def _next_open(answers: dict[int, AnswerState], paper: Sequence[dict[str, Any]], after: int) -> int:
    """The first question after ``after`` still to answer, else simply the next one (or the last)."""
    for i in range(after + 1, len(paper)):
        if not answers.get(i, AnswerState()).answered and paper[i]["kind"] not in WRITTEN:
            return i
    return min(after + 1, len(paper) - 1)


async def press(session: AsyncSession, actor: Actor, attempt_id: int, op: str, position: int, arg: int,
                now: dt.datetime | None = None) -> AttemptView:
    """One button of the exam message. ``op``: o choose option ``arg`` (single answer, then the next open
    question), T/t option ``arg`` on/off (several answers), n go to ``position``, F/f flag on/off,
    c confidence (1 sure, 2 not sure), r review list, s ask to submit, S submit, b back to ``position``.

    The hot path of an exam: one read (the attempt with its answers) and at most one write."""
    now = now or utcnow()
    attempt = await _own_attempt(session, actor, attempt_id, lock=op == "S")
    title, answers = attempt.title, attempt.answers
    if attempt.submitted_at is not None:
        return await _view(session, attempt, title, now, answers=answers)
    pos = _position(attempt, position)
    question = attempt.paper[pos]
    answering = op in ("o", "T", "t", "c", "F", "f")
    if answering and now > attempt.deadline_at + LATE_PRESS:
        return await _view(session, attempt, title, now, "timeup", answers)
    mode = "question"
    move_to = pos
    state = answers.get(pos, AnswerState())
    values: dict[str, Any] = {}
    if op == "o":
        if question["kind"] not in ("MCQ", "TF") or not _valid_option(question, arg):
            raise NotFound(N_("That exam attempt is not yours."))
        values = {"chosen": [arg], "answered_at": now}
        answers[pos] = replace(state, chosen=(arg,))
        move_to = _next_open(answers, attempt.paper, pos)
    elif op in ("T", "t"):
        if question["kind"] != "MCQ" or not _valid_option(question, arg):
            raise NotFound(N_("That exam attempt is not yours."))
        chosen = sorted(set(state.chosen) | {arg}) if op == "T" else sorted(set(state.chosen) - {arg})
        values = {"chosen": chosen or None, "answered_at": now}
        answers[pos] = replace(state, chosen=tuple(chosen))
    elif op in ("F", "f"):
        values = {"flagged": op == "F"}
        answers[pos] = replace(state, flagged=op == "F")
    elif op == "c":
        if arg not in (1, 2):
            raise NotFound(N_("That exam attempt is not yours."))
        values = {"confidence": "sure" if arg == 1 else "unsure"}
        answers[pos] = replace(state, confidence=values["confidence"])
    elif op in ("n", "b"):
        move_to = pos
    elif op == "r":
        mode = "review"
    elif op == "s":
        mode = "confirm"
    elif op == "S":
        await submit(session, attempt, "student", now, user_id=actor.user_id)
        await session.commit()
        return await _view(session, attempt, title, now, answers=answers)
    else:
        raise NotFound(N_("That exam attempt is not yours."))
    await _write(session, attempt, pos, now, move_to, values)
    await session.commit()
    view = await _view(session, attempt, title, now, mode, answers)
    if mode == "confirm" and has_written(attempt.paper):
        pages = await session.scalar(select(func.count()).select_from(AnswerPage).where(
            AnswerPage.attempt_id == attempt.id, AnswerPage.status != "rejected"))
        view.extra["pages"] = int(pages or 0)
    return view


def _valid_option(question: dict[str, Any], index: int) -> bool:
    count = len(question["options"]) if question["kind"] == "MCQ" else 2
    return 0 <= index < count


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


def read_number(text: str) -> Decimal:
    cleaned = text.strip().replace(" ", "").replace("−", "-")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(N_("{value} is not a number; type the answer as a number, like 12.5."), value=text[:40]) from None
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        raise Invalid(N_("{value} is not a number; type the answer as a number, like 12.5."), value=text[:40])
    return value


async def type_number(session: AsyncSession, actor: Actor, attempt_id: int, text: str,
                      now: dt.datetime | None = None) -> AttemptView:
    """A number typed for the current (numeric) question; then the next open question."""
    now = now or utcnow()
    attempt = await _own_attempt(session, actor, attempt_id)
    if attempt.submitted_at is not None or now > attempt.deadline_at + LATE_PRESS:
        return await _view(session, attempt, attempt.title, now, "timeup", attempt.answers)
    value = read_number(text)
    pos = attempt.position
    answers = attempt.answers
    answers[pos] = replace(answers.get(pos, AnswerState()), number=value)
    await _write(session, attempt, pos, now, _next_open(answers, attempt.paper, pos),
                 {"number": value, "answered_at": now})
    await session.commit()
    return await _view(session, attempt, attempt.title, now, answers=answers)


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
