"""After an attempt is submitted: scoring it (a worker), telling the student, their parents and the
teacher; the review of wrong answers (at once or when the window closes); /results; leaderboards;
the data of an exam's item analysis.

Scoring is idempotent: the attempt row is locked and a scored attempt is left alone; every message
has its own event key per recipient, so a second run tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import item_analysis, notify, scoring, sysconfig
from domain.access import Actor
from domain.errors import N_, Forbidden, NotFound
from domain.model.base import utcnow
from domain.model.exams import Attempt, AttemptAnswer, Exam, ExamClass, LeaderboardOptOut
from domain.model.people import Course, CourseTeacher, Membership, Role, SchoolClass, Student
from domain.services import evaluations, exams, parents, plans, progress

MARKED_PER_STATEMENT = 4000  # answer rows per statement (6 values each, within PostgreSQL's 32,767)
RESULT = "result"  # the renderer of a student's result (bot.presenters)
PARENT_RESULT = "parent_result"
REVIEW = "review"


def key_of(q: dict[str, Any]) -> scoring.Key:
    return scoring.Key(kind=q["kind"], marks=Decimal(q["marks"]), correct=tuple(q["correct"]),
                       value=Decimal(q["value"]) if q.get("value") is not None else None,
                       tolerance=Decimal(q.get("tolerance") or 0))


def response_of(chosen: Sequence[int] | None, number: Decimal | None) -> scoring.Response:
    if number is not None:
        return number
    return tuple(chosen) if chosen else None


def _letters(q: dict[str, Any], indices: Sequence[int]) -> str:
    """Bank option indices as the letters the student saw (their shuffled order)."""
    if q["kind"] == "TF":
        return "T" if list(indices) == [0] else "F"
    order = q.get("order") or list(range(len(q["options"])))
    return "".join(sorted("ABCDEF"[order.index(i)] for i in indices if i in order))


def _shown(q: dict[str, Any], chosen: Sequence[int] | None, number: Decimal | None) -> str:
    if number is not None:
        return f"{number.normalize():f}"
    return _letters(q, chosen) if chosen else "—"


def _correct_shown(q: dict[str, Any]) -> str:
    if q["kind"] == "NUM":
        value, tol = Decimal(q["value"]), Decimal(q.get("tolerance") or 0)
        return f"{value.normalize():f}" + (f" ± {tol.normalize():f}" if tol else "")
    return _letters(q, q["correct"])


def _review(paper: list[dict[str, Any]], rows: dict[int, Any], outcomes: list[scoring.Outcome]
            ) -> list[dict[str, Any]]:
    out = []
    for i, (q, o) in enumerate(zip(paper, outcomes, strict=True)):
        if o.status in ("correct", "pending"):
            continue
        row = rows.get(i)
        out.append({"n": i + 1, "stem": q["stem"][:160], "yours": _shown(q, row.chosen if row else None,
                                                                          row.number if row else None),
                    "correct": _correct_shown(q), "status": o.status})
    return out


@dataclass(frozen=True)
class Scored:
    attempt_id: int
    score: Decimal
    max_score: Decimal


async def score_attempt(session: AsyncSession, attempt_id: int, now: dt.datetime | None = None) -> Scored | None:
    """Score one submitted attempt (see :func:`score_attempts`); None when there was nothing to do."""
    done = await score_attempts(session, [attempt_id], now)
    return done[0] if done else None


async def score_attempts(session: AsyncSession, attempt_ids: Sequence[int], now: dt.datetime | None = None
                         ) -> list[Scored]:
    """Score submitted attempts, store every question's outcome, and tell each student and their parents —
    in a few statements for the whole batch. Attempts scored already (or being scored by another worker)
    are left alone, so running it twice has one effect."""
    now = now or utcnow()
    batch = list((await session.scalars(
        select(Attempt).where(Attempt.id.in_(attempt_ids), Attempt.submitted_at.is_not(None),
                              Attempt.scored_at.is_(None)).order_by(Attempt.id).with_for_update(skip_locked=True)
    )).all())
    if not batch:
        return []
    exam_rows = {e.id: e for e in (await session.scalars(select(Exam).where(
        Exam.id.in_({a.exam_id for a in batch})))).all()}
    codes = dict((await session.execute(select(Course.id, Course.code).where(
        Course.id.in_({e.course_id for e in exam_rows.values()})))).all())
    people = {r.id: r for r in (await session.execute(
        select(Student.id, Student.name, Student.org_id, Membership.user_id)
        .outerjoin(Membership, Membership.id == Student.membership_id)
        .where(Student.id.in_({a.student_id for a in batch})))).all()}
    answers: dict[int, dict[int, AttemptAnswer]] = {}
    for ans in (await session.scalars(select(AttemptAnswer).where(
            AttemptAnswer.attempt_id.in_([a.id for a in batch])))).all():
        answers.setdefault(ans.attempt_id, {})[ans.position] = ans
    zones: dict[int, str] = {}
    students_told: dict[int, list[notify.Entry]] = {}
    parents_told: dict[int, list[notify.Entry]] = {}
    family: dict[int, list[int]] = {}
    for org_id in {a.org_id for a in batch}:
        zones[org_id] = await exams.org_timezone(session, org_id)
        family.update(await parents.parents_of(session, org_id, [a.student_id for a in batch if a.org_id == org_id]))
    with_pages = await evaluations.page_counts(session, [a.id for a in batch if scoring.has_written(a.paper)])
    to_evaluate: list[Attempt] = []  # written answers with pages: a teacher marks them
    told: dict[int, dict[str, Any]] = {}
    out: list[Scored] = []
    marked: list[dict[str, Any]] = []  # every question's outcome, written in a few statements below
    for attempt in batch:
        exam = exam_rows[attempt.exam_id]
        rows = answers.get(attempt.id, {})
        rules = scoring.Rules(partial=exam.partial, negative=exam.negative)
        keys = [key_of(q) for q in attempt.paper]
        outcomes = [scoring.score(k, response_of(rows[i].chosen, rows[i].number) if i in rows else None, rules)
                    for i, k in enumerate(keys)]
        totals = scoring.totals(keys, outcomes)
        no_pages = bool(totals.pending) and not with_pages.get(attempt.id)
        if no_pages:  # written answers never sent: they earn 0, and the result is final now
            outcomes = [scoring.Outcome(Decimal(0), "unanswered") if o.status == "pending" else o for o in outcomes]
            totals = scoring.totals(keys, outcomes)
        elif totals.pending:
            to_evaluate.append(attempt)
        max_score = totals.max_objective + (totals.max_written if no_pages else 0)
        pct = scoring.q(totals.score * 100 / max_score) if no_pages and max_score else totals.percentage
        marked += [{"attempt_id": attempt.id, "position": i, "first_seen_at": now, "marks": o.marks,
                    "max_marks": k.marks, "status": o.status}
                   for i, (k, o) in enumerate(zip(keys, outcomes, strict=True))]
        taken = int(((attempt.submitted_at or now) - attempt.started_at).total_seconds())
        review = _review(attempt.paper, rows, outcomes)
        attempt.scored_at = now
        attempt.score, attempt.max_score, attempt.percentage = totals.score, max_score, pct
        attempt.result = {"correct": totals.correct, "partial": totals.partial, "wrong": totals.wrong,
                          "unanswered": totals.unanswered, "pending": totals.pending, "seconds": taken,
                          "objective": str(totals.score), "max_objective": str(totals.max_objective),
                          "max_written": str(totals.max_written), "review": review}
        if no_pages:
            attempt.result |= {"written": "0", "final": True}
        review_now = not exam.review_after_close or exam.closed_at is not None or exam.closes_at <= now
        who = people[attempt.student_id]
        params = {"title": exam.title, "course": codes.get(exam.course_id, ""), "score": str(totals.score),
                  "max": str(max_score), "pct": str(pct), "seconds": taken, "no_pages": no_pages,
                  "correct": totals.correct, "partial": totals.partial, "wrong": totals.wrong,
                  "unanswered": totals.unanswered, "pending": totals.pending, "how": attempt.submitted_how,
                  "review": review if review_now else None,
                  "review_at": None if review_now else exams.local(exam.closes_at, zones[attempt.org_id]),
                  "name": who.name}
        key = f"result:{attempt.id}"
        told[attempt.id] = params
        if who.user_id is not None:
            students_told.setdefault(attempt.org_id, []).append(notify.Entry(key, who.user_id, params))
        brief = {k: params[k] for k in ("title", "course", "score", "max", "pct", "seconds", "how", "pending",
                                        "name")}
        if not totals.pending:  # parents hear of an exam with written answers once, when it is final
            parents_told.setdefault(attempt.org_id, []).extend(
                notify.Entry(key, parent, brief) for parent in family.get(attempt.student_id, []))
        out.append(Scored(attempt.id, totals.score, max_score))
    await session.flush()
    opened = await evaluations.open_evaluations(session, to_evaluate, now)
    for attempt_id, opening in opened.items():
        told[attempt_id]["deadline"] = exams.local(opening.deadline_at, zones[opening.org_id])
    for i in range(0, len(marked), MARKED_PER_STATEMENT):
        stmt = insert(AttemptAnswer).values(marked[i:i + MARKED_PER_STATEMENT])
        await session.execute(stmt.on_conflict_do_update(
            index_elements=["attempt_id", "position"],
            set_={"marks": stmt.excluded.marks, "max_marks": stmt.excluded.max_marks, "status": stmt.excluded.status}))
    due: list[int] = []
    for org_id, entries in students_told.items():
        due += (await notify.notify_each(session, org_id=org_id, kind="attempt", message=notify.RENDER + RESULT,
                                         entries=entries, schedule_now=False)).due
    for org_id, entries in parents_told.items():
        due += (await notify.notify_each(session, org_id=org_id, kind="result",
                                         message=notify.RENDER + PARENT_RESULT, entries=entries,
                                         schedule_now=False)).due
    await notify.schedule(session, due)
    await exams.summary_changed(session, [a.exam_id for a in batch], now)
    return out



async def send_reviews(session: AsyncSession, exam_id: int) -> int:
    """When an exam that keeps reviews until it closes has closed: each scored student gets theirs."""
    exam = await session.get(Exam, exam_id)
    if exam is None or not exam.review_after_close:
        return 0
    rows = (await session.execute(
        select(Attempt.id, Attempt.result, Membership.user_id).join(Student, Student.id == Attempt.student_id)
        .join(Membership, Membership.id == Student.membership_id)
        .where(Attempt.exam_id == exam_id, Attempt.scored_at.is_not(None)))).all()
    entries = [notify.Entry(f"review:{aid}", uid, {"title": exam.title, "review": (result or {}).get("review", [])})
               for aid, result, uid in rows if (result or {}).get("review")]
    out = await notify.notify_each(session, org_id=exam.org_id, kind="attempt", message=notify.RENDER + REVIEW,
                                   entries=entries)
    return out.recorded


async def tell_teachers_closed(session: AsyncSession, exam_id: int) -> int:
    """The exam's summary to its course's teachers when it closes."""
    exam = await session.get(Exam, exam_id)
    if exam is None:
        return 0
    s = await summary(session, exam)
    teachers = list((await session.scalars(
        select(Membership.user_id).join(CourseTeacher, CourseTeacher.membership_id == Membership.id)
        .where(CourseTeacher.course_id == exam.course_id))).all())
    out = await notify.notify(session, org_id=exam.org_id, event_key=f"exam-closed:{exam.id}", kind="upload",
                              recipients=teachers, message=notify.RENDER + "exam_summary", params=s.as_params())
    return out.recorded


@dataclass(frozen=True)
class Summary:
    exam_id: int
    title: str
    course: str
    students: int
    started: int
    submitted: int
    scored: int
    timer: int
    average: Decimal | None
    highest: Decimal | None
    lowest: Decimal | None
    max_score: Decimal | None
    closes: str
    closed: bool

    def as_params(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}


async def summary(session: AsyncSession, exam: Exam) -> Summary:
    course_code = await session.scalar(select(Course.code).where(Course.id == exam.course_id)) or ""
    students = len(await exams.exam_students(session, exam.id))
    r = (await session.execute(
        select(func.count(Attempt.id), func.count(Attempt.submitted_at), func.count(Attempt.scored_at),
               func.count(Attempt.id).filter(Attempt.submitted_how == "timer"), func.avg(Attempt.score),
               func.max(Attempt.score), func.min(Attempt.score), func.max(Attempt.max_score))
        .where(Attempt.exam_id == exam.id))).one()
    tz = await exams.org_timezone(session, exam.org_id)

    def dec(v: Any) -> Decimal | None:
        return Decimal(v).quantize(Decimal("0.01")) if v is not None else None

    return Summary(exam.id, exam.title, course_code, students, r[0], r[1], r[2], r[3], dec(r[4]), dec(r[5]),
                   dec(r[6]), dec(r[7]), exams.local(exam.closes_at, tz), exam.closes_at <= utcnow())


async def teacher_summary(session: AsyncSession, actor: Actor, exam_id: int) -> Summary:
    exam, _course = await exams.require_exam_teacher(session, actor, exam_id)
    return await summary(session, exam)


# ---- /results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultLine:
    title: str
    course: str
    score: Decimal | None
    max_score: Decimal | None
    percentage: Decimal | None
    submitted_at: dt.datetime | None
    pending: int


async def latest_results(session: AsyncSession, actor: Actor, student_id: int, *, limit: int = 10
                         ) -> list[ResultLine]:
    """The student's latest results (the caller's own, or their child's)."""
    await progress.require_family(session, actor, student_id)
    rows = (await session.execute(
        select(Exam.title, Course.code, Attempt.score, Attempt.max_score, Attempt.percentage, Attempt.submitted_at,
               Attempt.result).join(Exam, Exam.id == Attempt.exam_id).join(Course, Course.id == Exam.course_id)
        .where(Attempt.student_id == student_id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.submitted_at.desc()).limit(limit))).all()
    return [ResultLine(t, c, s, m, p, at, int((res or {}).get("pending", 0))) for t, c, s, m, p, at, res in rows]


# ---- leaderboards ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    rank: int
    name: str
    score: Decimal
    max_score: Decimal | None
    seconds: int | None
    me: bool


ANONYMOUS = N_("A student")


async def _names(session: AsyncSession, student_ids: Sequence[int], me: int | None) -> dict[int, str | None]:
    hidden = set((await session.scalars(select(LeaderboardOptOut.student_id).where(
        LeaderboardOptOut.student_id.in_(student_ids)))).all())
    names = dict((await session.execute(select(Student.id, Student.name).where(Student.id.in_(student_ids)))).all())
    return {sid: (None if sid in hidden and sid != me else names.get(sid)) for sid in student_ids}


async def _viewer(session: AsyncSession, actor: Actor) -> tuple[Student | None, bool]:
    """The student viewing (None for a teacher); students need a plan with the leaderboard."""
    if actor.has(Role.TEACHER, Role.ADMIN):
        return None, True
    student = await exams.student_row(session, actor)
    plan = await plans.plan_of(session, student)
    if not plan.leaderboard:
        raise Forbidden(N_("Your plan ({plan}) does not include the leaderboard."), plan=plan.name)
    return student, False


async def exam_leaderboard(session: AsyncSession, actor: Actor, exam_id: int) -> tuple[str, list[Standing]]:
    """Top of an exam: score, then time taken; students who opted out are shown anonymised."""
    student, staff = await _viewer(session, actor)
    if staff:
        exam, _ = await exams.require_exam_teacher(session, actor, exam_id)
    else:
        assert student is not None
        found = await session.scalar(select(Exam).join(ExamClass, ExamClass.exam_id == Exam.id).where(
            Exam.id == exam_id, Exam.org_id == student.org_id, ExamClass.class_id == student.class_id))
        if found is None:
            raise NotFound(N_("That exam is not one for you."))
        exam = found
    size = int(await sysconfig.get(session, exam.org_id, "leaderboard.size"))
    seconds = func.extract("epoch", Attempt.submitted_at - Attempt.started_at)
    rows = (await session.execute(
        select(Attempt.student_id, Attempt.score, Attempt.max_score, seconds)
        .where(Attempt.exam_id == exam.id, Attempt.scored_at.is_not(None))
        .order_by(Attempt.score.desc(), seconds, Attempt.id).limit(size))).all()
    me = student.id if student else None
    names = await _names(session, [r[0] for r in rows], me)
    return exam.title, [Standing(i, names[r[0]] or "", r[1] or Decimal(0), r[2], int(r[3]), r[0] == me)
                        for i, r in enumerate(rows, start=1)]


async def class_leaderboard(session: AsyncSession, actor: Actor, class_id: int | None = None
                            ) -> tuple[str, list[Standing]]:
    """Top of a class: mean percentage over its scored exams (a student's own class; a teacher's chosen)."""
    student, staff = await _viewer(session, actor)
    if staff:
        if class_id is None:
            raise NotFound(N_("Which class?"))
        from domain.services import classes

        cls = await classes.require_class_access(session, actor, class_id)
        org_id, cid, name = actor.org_id, cls.id, cls.name
    else:
        assert student is not None
        if student.class_id is None:
            raise NotFound(N_("You are not in a class yet."))
        org_id, cid = student.org_id, student.class_id
        name = await session.scalar(select(SchoolClass.name).where(SchoolClass.id == cid)) or ""
    assert org_id is not None
    size = int(await sysconfig.get(session, org_id, "leaderboard.size"))
    mean = func.avg(Attempt.percentage)
    rows = (await session.execute(
        select(Attempt.student_id, mean).join(Student, Student.id == Attempt.student_id)
        .where(Student.class_id == cid, Student.org_id == org_id, Attempt.scored_at.is_not(None))
        .group_by(Attempt.student_id).order_by(mean.desc(), Attempt.student_id).limit(size))).all()
    me = student.id if student else None
    names = await _names(session, [r[0] for r in rows], me)
    return name, [Standing(i, names[r[0]] or "", Decimal(r[1]).quantize(Decimal("0.1")), None, None, r[0] == me)
                  for i, r in enumerate(rows, start=1)]


async def set_opt_out(session: AsyncSession, actor: Actor, hidden: bool) -> bool:
    student = await exams.student_row(session, actor)
    if hidden:
        await session.merge(LeaderboardOptOut(student_id=student.id))
    else:
        row = await session.get(LeaderboardOptOut, student.id)
        if row is not None:
            await session.delete(row)
    await session.commit()
    return hidden


async def opted_out(session: AsyncSession, actor: Actor) -> bool:
    student = await exams.student_row(session, actor)
    return await session.get(LeaderboardOptOut, student.id) is not None


async def student_exams(session: AsyncSession, actor: Actor, *, limit: int = 8) -> list[tuple[int, str]]:
    """Exams the student has a score in (for choosing a leaderboard)."""
    student = await exams.student_row(session, actor)
    rows = (await session.execute(select(Exam.id, Exam.title).join(Attempt, Attempt.exam_id == Exam.id)
                                  .where(Attempt.student_id == student.id, Attempt.scored_at.is_not(None))
                                  .order_by(Attempt.scored_at.desc()).limit(limit))).all()
    return [(r[0], r[1]) for r in rows]


# ---- item analysis ---------------------------------------------------------------------------------


async def item_analysis_data(session: AsyncSession, exam_id: int
                             ) -> tuple[list[item_analysis.ItemKey], list[item_analysis.AttemptRow]]:
    """The keys (each question of any paper, by its bank version) and every scored attempt's responses."""
    attempts = (await session.execute(select(Attempt.id, Attempt.score, Attempt.paper).where(
        Attempt.exam_id == exam_id, Attempt.scored_at.is_not(None)).order_by(Attempt.id))).all()
    answers: dict[int, dict[int, AttemptAnswer]] = {}
    for row in (await session.scalars(select(AttemptAnswer).join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
                                    .where(Attempt.exam_id == exam_id, Attempt.scored_at.is_not(None)))).all():
        answers.setdefault(row.attempt_id, {})[row.position] = row
    keys: dict[int, item_analysis.ItemKey] = {}
    rows = []
    for attempt_id, total, paper in attempts:
        responses = {}
        for pos, q in enumerate(paper):
            qid = int(q["id"])
            if qid not in keys:
                keys[qid] = item_analysis.ItemKey(qid, f"{q['ref']} v{q['version']}", q["kind"],
                                                  len(q["options"]) if q["kind"] == "MCQ" else
                                                  (2 if q["kind"] == "TF" else 0),
                                                  tuple(q["correct"]), Decimal(q["marks"]))
            a: AttemptAnswer | None = answers.get(attempt_id, {}).get(pos)
            chosen = tuple(a.chosen) if a is not None and a.chosen else None
            if a is not None and a.number is not None:
                chosen = None
            responses[qid] = item_analysis.ItemResponse(chosen, a.marks if a is not None else Decimal(0))
        rows.append(item_analysis.AttemptRow(attempt_id, total or Decimal(0), responses,
                                             frozenset(int(q["id"]) for q in paper)))
    ordered = sorted(keys.values(), key=lambda k: k.label)
    return ordered, rows


async def mark_closed_exams(session: AsyncSession, now: dt.datetime | None = None) -> list[int]:
    ids = await exams.close_due(session, now)
    await session.commit()
    return ids
