"""Attainment reports: asked for in chat (/attainment) or sent after an upload; built by a worker."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.attainment import AttainmentResult
from domain.model.obe import Assessment, AssessmentItem
from domain.model.people import Course
from domain.outbox import enqueue
from domain.reports.attainment_xlsx import ItemInfo
from domain.services import attainment, courses


async def request(session: AsyncSession, actor: Actor, course_id: int, *, why: str) -> str:
    """Queue the course's full report (text, charts, spreadsheet) for the actor; returns the course's label."""
    course = await courses.require_course(session, actor, course_id)
    await enqueue(session, "send_attainment_report", course.id, actor.user_id, why, True, queue="ingest",
                  dedupe_key=f"report:{why}")
    await session.commit()
    return f"{course.code} {course.name}"


async def items_info(session: AsyncSession, course_id: int) -> list[ItemInfo]:
    rows = (await session.execute(
        select(Assessment.name, Assessment.component, AssessmentItem.label, AssessmentItem.max_marks,
               AssessmentItem.co_code)
        .join(AssessmentItem, AssessmentItem.assessment_id == Assessment.id)
        .where(Assessment.course_id == course_id)
        .order_by(Assessment.created_at, AssessmentItem.position))).all()
    return [ItemInfo(*r) for r in rows]


async def current(session: AsyncSession, course_id: int) -> AttainmentResult:
    """The course's attainment: the cached result, or computed now (and cached)."""
    result = await attainment.cached(session, course_id)
    if result is None:
        course = await session.get(Course, course_id)
        assert course is not None
        result = await attainment.compute(session, course_id, await attainment.load_params(session, course.org_id))
        await attainment.cache(session, result)
    return result


async def recompute(session: AsyncSession, course_id: int) -> AttainmentResult:
    course = await session.get(Course, course_id)
    assert course is not None
    result = await attainment.compute(session, course_id, await attainment.load_params(session, course.org_id))
    await attainment.cache(session, result)
    return result
