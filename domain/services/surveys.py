"""Course exit surveys: each enrolled student rates each course outcome 1–3; the mean per CO is the
indirect attainment. One survey is open per course at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, notify
from domain.access import Actor
from domain.errors import N_, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.obe import CourseOutcome, OutcomeSet, Survey, SurveyResponse
from domain.model.people import Course, CourseTeacher, Membership, Role, Student
from domain.services import assessments

INVITATION = N_("Course exit survey of {course}: how well did you achieve each outcome? "
                "1 = a little, 2 = fairly, 3 = well. Press one number per outcome.\n{outcomes}")


@dataclass(frozen=True)
class SurveyView:
    survey_id: int
    course: str
    outcomes: list[tuple[str, str]]  # (code, description)


def buttons(survey_id: int, codes: list[str]) -> notify.Buttons:
    return [[{"text": f"{code}: {r}", "callback_data": f"sv:{survey_id}:{pos}:{r}"} for r in (1, 2, 3)]
            for pos, code in enumerate(codes, start=1)]


async def _outcomes(session: AsyncSession, set_id: int) -> list[tuple[str, str]]:
    return [(c, d) for c, d in (await session.execute(
        select(CourseOutcome.code, CourseOutcome.description).where(CourseOutcome.set_id == set_id)
        .order_by(CourseOutcome.position))).all()]


async def _my_course(session: AsyncSession, actor: Actor, course_id: int) -> Course:
    me = actor.require(Role.TEACHER)
    course = await session.scalar(
        select(Course).join(CourseTeacher, CourseTeacher.course_id == Course.id)
        .where(Course.id == course_id, Course.org_id == me.org_id, CourseTeacher.membership_id == me.membership_id))
    if course is None:
        raise NotFound(N_("That course is not one of yours."))
    return course


async def open_survey(session: AsyncSession, actor: Actor, course_id: int) -> tuple[SurveyView, int]:
    """Open a survey for the course (closing an earlier open one) and invite its joined students."""
    course = await _my_course(session, actor, course_id)
    set_id = await session.scalar(select(OutcomeSet.id).where(OutcomeSet.course_id == course.id)
                                  .order_by(OutcomeSet.version.desc()).limit(1))
    if set_id is None:
        raise Invalid(N_("{course} has no course outcomes yet: send its outcomes file first."), course=course.code)
    await session.execute(update(Survey).where(Survey.course_id == course.id, Survey.closed_at.is_(None))
                          .values(closed_at=utcnow()))
    survey = Survey(org_id=course.org_id, course_id=course.id, set_id=set_id, opened_by_user_id=actor.user_id)
    session.add(survey)
    await session.flush()
    outcomes = await _outcomes(session, set_id)
    students = select(Membership.user_id).join(Student, Student.membership_id == Membership.id)
    if course.class_id is not None:
        students = students.where(Student.class_id == course.class_id)
    recipients = list((await session.execute(students.where(Student.org_id == course.org_id))).scalars())
    listing = "\n".join(f"{code}: {text}" for code, text in outcomes)
    out = await notify.notify(session, org_id=course.org_id, event_key=f"survey:{survey.id}", kind="account",
                              recipients=recipients, message=INVITATION,
                              params={"course": f"{course.code} {course.name}", "outcomes": listing},
                              buttons=buttons(survey.id, [c for c, _ in outcomes]))
    await audit.record(session, "survey.opened", org_id=course.org_id, actor_user_id=actor.user_id,
                       entity="survey", entity_id=survey.id, course=course.id, invited=out.recorded)
    await session.commit()
    return SurveyView(survey.id, course.code, outcomes), out.recorded


@dataclass(frozen=True)
class Answered:
    course: str
    answered: int
    of: int


async def answer(session: AsyncSession, actor: Actor, survey_id: int, position: int, rating: int) -> Answered:
    """A student's rating of one outcome (the ids come from a button: all of them are checked)."""
    me = actor.require(Role.STUDENT)
    if rating not in (1, 2, 3):
        raise Invalid(N_("A rating is 1, 2 or 3."))
    row = (await session.execute(
        select(Survey, Course).join(Course, Course.id == Survey.course_id)
        .where(Survey.id == survey_id, Survey.org_id == me.org_id)
    )).first()
    student = await session.scalar(select(Student).where(Student.membership_id == me.membership_id))
    if row is None or student is None:
        raise NotFound(N_("That survey is not for you."))
    survey, course = row
    if course.class_id is not None and student.class_id != course.class_id:
        raise NotFound(N_("That survey is not for you."))
    if survey.closed_at is not None:
        raise Invalid(N_("This survey is closed."))
    outcomes = await _outcomes(session, survey.set_id)
    if not 1 <= position <= len(outcomes):
        raise NotFound(N_("That survey is not for you."))
    code = outcomes[position - 1][0]
    await session.execute(
        insert(SurveyResponse).values(survey_id=survey.id, student_id=student.id, co_code=code, rating=rating)
        .on_conflict_do_update(index_elements=["survey_id", "student_id", "co_code"],
                               set_={"rating": rating, "answered_at": utcnow()}))
    done = await session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.student_id == student.id))
    await assessments.schedule_attainment(session, course.id, f"survey:{survey.id}:{utcnow():%Y%m%d%H%M}")
    await session.commit()
    return Answered(course.code, int(done or 0), len(outcomes))


async def close_survey(session: AsyncSession, actor: Actor, survey_id: int) -> tuple[str, int]:
    me = actor.require(Role.TEACHER)
    survey = await session.scalar(select(Survey).where(Survey.id == survey_id, Survey.org_id == me.org_id))
    if survey is None:
        raise NotFound(N_("That survey is not one of yours."))
    course = await _my_course(session, actor, survey.course_id)
    if survey.closed_at is None:
        survey.closed_at = utcnow()
    responders = await session.scalar(select(func.count(func.distinct(SurveyResponse.student_id))).where(
        SurveyResponse.survey_id == survey.id))
    await assessments.schedule_attainment(session, course.id, f"survey-closed:{survey.id}")
    await audit.record(session, "survey.closed", org_id=course.org_id, actor_user_id=actor.user_id,
                       entity="survey", entity_id=survey.id, responders=responders)
    await session.commit()
    return course.code, int(responders or 0)


async def open_for_student(session: AsyncSession, actor: Actor) -> list[SurveyView]:
    """Open surveys of the courses of the student's class (to answer again with /survey)."""
    me = actor.require(Role.STUDENT)
    student = await session.scalar(select(Student).where(Student.membership_id == me.membership_id))
    if student is None:
        return []
    rows = (await session.execute(
        select(Survey.id, Survey.set_id, Course.code).join(Course, Course.id == Survey.course_id)
        .where(Survey.org_id == me.org_id, Survey.closed_at.is_(None),
               (Course.class_id == student.class_id) | Course.class_id.is_(None))
    )).all()
    return [SurveyView(sid, code, await _outcomes(session, set_id)) for sid, set_id, code in rows]


async def open_for_course(session: AsyncSession, actor: Actor, course_id: int) -> int | None:
    await _my_course(session, actor, course_id)
    return await session.scalar(select(Survey.id).where(Survey.course_id == course_id, Survey.closed_at.is_(None)))
