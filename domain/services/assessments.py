"""Assessments and their marks: created from mark sheets, replaced whole on re-upload (PostgreSQL COPY),
published to students and parents through the notification engine."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, notify
from domain.access import Actor
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.obe import Assessment, AssessmentItem, AttainmentCache, Mark
from domain.model.people import Course, CourseTeacher, Role, Student
from domain.outbox import enqueue
from domain.services import parents

COMPONENTS = ("CIE", "SEE")
STANDARD_NAMES = ("IA 1", "IA 2", "IA 3", "Assignment", "Quiz", "SEE")
_NAME = re.compile(r"^[\w][\w .\-/&()#]{0,63}$")


def clean_assessment_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > 64 or not _NAME.match(name):
        raise Invalid(N_("{name} is not a usable assessment name: letters, digits, spaces and - / . (at most 64)."),
                      name=raw.strip()[:70])
    return name


def clean_component(raw: str) -> str:
    value = raw.strip().upper()
    if value not in COMPONENTS:
        raise Invalid(N_("component= is CIE (internal assessment) or SEE (end-semester exam), not {value}."),
                      value=raw.strip()[:20])
    return value


async def teachers_course(session: AsyncSession, actor: Actor, code: str) -> Course:
    """A course of the actor's organization that they teach (any course for an admin)."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    stmt = select(Course).where(Course.org_id == me.org_id, Course.code == code.strip().upper())
    if not actor.has(Role.ADMIN):
        stmt = stmt.join(CourseTeacher, CourseTeacher.course_id == Course.id).where(
            CourseTeacher.membership_id == me.membership_id)
    course = await session.scalar(stmt)
    if course is None:
        raise NotFound(N_("You do not teach a course with code {code}."), code=code.strip()[:32])
    return course


async def course_students(session: AsyncSession, course: Course) -> dict[str, int]:
    """USN → student id of the course's class (every student of the school when the course has no class)."""
    stmt = select(Student.usn, Student.id).where(Student.org_id == course.org_id)
    if course.class_id is not None:
        stmt = stmt.where(Student.class_id == course.class_id)
    return dict((await session.execute(stmt)).all())


async def find_assessment(session: AsyncSession, course: Course, name: str) -> Assessment | None:
    return await session.scalar(select(Assessment).where(
        Assessment.course_id == course.id, func.lower(Assessment.name) == name.lower()).with_for_update())


async def existing_items(session: AsyncSession, assessment: Assessment | None) -> dict[str, tuple[Decimal, str]] | None:
    if assessment is None:
        return None
    rows = (await session.execute(select(AssessmentItem.label, AssessmentItem.max_marks, AssessmentItem.co_code)
                                  .where(AssessmentItem.assessment_id == assessment.id))).all()
    return {label: (mx, co) for label, mx, co in rows}


async def assessment_names(session: AsyncSession, course_id: int) -> list[str]:
    names = list((await session.execute(select(Assessment.name).where(Assessment.course_id == course_id)
                                        .order_by(Assessment.created_at))).scalars())
    return names + [n for n in STANDARD_NAMES if n.lower() not in {x.lower() for x in names}]


@dataclass(frozen=True)
class ItemInput:
    label: str
    max_marks: Decimal
    co: str


@dataclass(frozen=True)
class MarksOutcome:
    assessment_id: int
    created: bool
    students: int
    cells: int
    absent: int
    insert_seconds: float


MARK_COLUMNS = ["item_id", "student_id", "course_id", "assessment_id", "marks", "max_marks", "absent", "upload_id"]


async def replace_marks(
    session: AsyncSession,
    course: Course,
    *,
    name: str,
    component: str,
    items: Sequence[ItemInput],
    rows: Sequence[tuple[int, Sequence[Decimal | None]]],  # (student id, a value per item; None = absent)
    upload_id: int,
    user_id: int | None,
) -> MarksOutcome:
    """Create the assessment (or reuse it) and replace all its marks with these, in the caller's transaction."""
    assessment = await find_assessment(session, course, name)
    created = assessment is None
    if assessment is None:
        assessment = Assessment(org_id=course.org_id, course_id=course.id, name=name, component=component)
        session.add(assessment)
        await session.flush()
    elif assessment.component != component:
        raise Conflict(N_("{name} is a {component} assessment; send it with component={component}, or use another "
                          "name."), name=assessment.name, component=assessment.component)
    known = {i.label: i for i in (await session.execute(
        select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id))).scalars()}
    for position, item in enumerate(items, start=1):
        if item.label not in known:
            row = AssessmentItem(assessment_id=assessment.id, label=item.label, max_marks=item.max_marks,
                                 co_code=item.co, position=position)
            session.add(row)
            known[item.label] = row
    await session.flush()
    ids = [(known[i.label].id, known[i.label].max_marks) for i in items]
    await session.execute(delete(Mark).where(Mark.course_id == course.id, Mark.assessment_id == assessment.id))
    course_id, assessment_id = course.id, assessment.id  # (plain values: this loop runs once per mark)
    records = [(item_id, student_id, course_id, assessment_id, value, mx, value is None, upload_id)
               for student_id, values in rows for (item_id, mx), value in zip(ids, values, strict=True)]
    absent = sum(1 for r in records if r[6])
    started = time.perf_counter()
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table("marks", records=records, columns=MARK_COLUMNS)  # type: ignore[union-attr]
    insert_seconds = time.perf_counter() - started
    assessment.upload_id = upload_id
    assessment.published_at = None  # new marks: publish again to tell people
    await audit.record(session, "marks.uploaded" if created else "marks.replaced", org_id=course.org_id,
                       actor_user_id=user_id, entity="assessment", entity_id=assessment.id, upload=upload_id,
                       students=len(rows), cells=len(records), absent=absent)
    return MarksOutcome(assessment.id, created, len(rows), len(records), absent, insert_seconds)


async def schedule_attainment(session: AsyncSession, course_id: int, why: str) -> None:
    """Recompute a course's attainment in a worker once this transaction commits. The cached result is
    dropped in this transaction, so a report asked for before the worker is done is computed afresh."""
    await session.execute(delete(AttainmentCache).where(AttainmentCache.course_id == course_id))
    await enqueue(session, "compute_attainment", course_id, queue="ingest", dedupe_key=f"attainment:{course_id}:{why}")


# ---- publishing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Published:
    assessment: str
    students: int
    recipients: int


async def publish(session: AsyncSession, actor: Actor, assessment_id: int) -> Published:
    """Tell each student and their parents the student's marks on each question and the class average
    (the message is written when sent, in each reader's language: the presenters' "marks" renderer)."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    row = (await session.execute(
        select(Assessment, Course).join(Course, Course.id == Assessment.course_id)
        .where(Assessment.id == assessment_id, Assessment.org_id == me.org_id).with_for_update(of=Assessment)
    )).first()
    if row is None:
        raise NotFound(N_("That assessment is not one of yours."))
    assessment, course = row
    if not actor.has(Role.ADMIN):
        teaches = await session.scalar(select(func.count()).select_from(CourseTeacher).where(
            CourseTeacher.course_id == course.id, CourseTeacher.membership_id == me.membership_id))
        if not teaches:
            raise NotFound(N_("That assessment is not one of yours."))
    if assessment.upload_id is None:
        raise Invalid(N_("{name} has no marks yet."), name=assessment.name)
    per_student = (await session.execute(text(
        """
        SELECT s.id, s.name, s.usn, m.user_id AS student_user,
               sum(mk.marks) AS total,
               json_agg(json_build_array(i.label, mk.marks::text, i.max_marks::text) ORDER BY i.position)
                 AS questions,
               bool_and(mk.absent) AS all_absent
          FROM marks mk
          JOIN assessment_items i ON i.id = mk.item_id
          JOIN students s ON s.id = mk.student_id
          LEFT JOIN memberships m ON m.id = s.membership_id
         WHERE mk.course_id = :c AND mk.assessment_id = :a
         GROUP BY s.id, s.name, s.usn, m.user_id
        """), {"a": assessment.id, "c": course.id})).all()
    present = [r.total for r in per_student if not r.all_absent]
    average = (sum(present, Decimal(0)) / len(present)).quantize(Decimal("0.01")) if present else None
    family = await parents.parents_of(session, course.org_id, [r.id for r in per_student])
    key = f"marks:{assessment.id}:{assessment.upload_id}"
    entries = []
    for r in per_student:
        params = {"assessment": assessment.name, "course": course.code, "name": f"{r.name} ({r.usn})",
                  "questions": r.questions, "average": None if average is None else str(average)}
        for user_id in {*(family.get(r.id, [])), *([r.student_user] if r.student_user else [])}:
            entries.append(notify.Entry(f"{key}:{r.id}", user_id, params))
    out = await notify.notify_each(session, org_id=course.org_id, kind="marks", message=notify.RENDER + "marks",
                                   entries=entries)
    assessment.published_at = utcnow()
    await audit.record(session, "marks.published", org_id=course.org_id, actor_user_id=actor.user_id,
                       entity="assessment", entity_id=assessment.id, students=len(per_student),
                       recipients=out.recorded)
    await session.commit()
    return Published(assessment.name, len(per_student), len(entries))
