"""The marks table's statement-level triggers: a batch referring to a missing item or student, or
carrying another maximum or course, is refused; deleting an item, an assessment (or its course) or a
student deletes their marks."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.test_attainment_sql import Stored, at_of, spec_from_rows, store

INSERT = text("INSERT INTO marks (item_id, student_id, course_id, assessment_id, marks, max_marks, absent) "
              "VALUES (:i, :s, :c, :a, 5, :x, false)")


async def _stored(session: AsyncSession) -> tuple[Stored, int, int]:
    stored = await store(session, spec_from_rows(at_of(2, 3) + at_of(1, 3, component="SEE")))
    item = await session.scalar(text("SELECT id FROM assessment_items WHERE assessment_id = :a"),
                                {"a": stored.assessments[0]})
    student = next(iter(stored.students.values()))
    return stored, int(item or 0), student


async def _count(session: AsyncSession, course_id: int) -> int:
    return int(await session.scalar(text("SELECT count(*) FROM marks WHERE course_id = :c"), {"c": course_id}) or 0)


@pytest.mark.parametrize("change", ["unknown item", "unknown student", "other maximum", "other course",
                                    "other assessment"])
async def test_a_batch_that_does_not_match_its_item_is_refused(session: AsyncSession, change: str) -> None:
    stored, item, _ = await _stored(session)
    await session.execute(text("DELETE FROM marks WHERE course_id = :c"), {"c": stored.course_id})
    student = next(iter(stored.students.values()))
    values = {"i": item, "s": student, "c": stored.course_id, "a": stored.assessments[0], "x": 10}
    values.update({"unknown item": {"i": item + 10_000}, "unknown student": {"s": student + 10_000},
                   "other maximum": {"x": 20}, "other course": {"c": stored.course_id + 1},
                   "other assessment": {"a": stored.assessments[1]}}[change])
    await session.execute(text("SAVEPOINT before"))
    with pytest.raises(DBAPIError, match="unknown item or student"):
        await session.execute(INSERT, values)
    await session.execute(text("ROLLBACK TO SAVEPOINT before"))
    await session.execute(INSERT, {"i": item, "s": student, "c": stored.course_id, "a": stored.assessments[0],
                                   "x": 10})  # the same row, right, is taken
    assert await _count(session, stored.course_id) == 1


async def test_deleting_an_item_an_assessment_or_a_student_deletes_their_marks(session: AsyncSession) -> None:
    stored, item, student = await _stored(session)
    assert await _count(session, stored.course_id) == 6
    await session.execute(text("DELETE FROM assessment_items WHERE id = :i"), {"i": item})
    assert await _count(session, stored.course_id) == 3  # the CIE item's three marks
    await session.execute(text("DELETE FROM students WHERE id = :s"), {"s": student})
    assert await _count(session, stored.course_id) == 2
    await session.execute(text("DELETE FROM assessments WHERE id = :a"), {"a": stored.assessments[1]})
    assert await _count(session, stored.course_id) == 0


async def test_deleting_a_course_deletes_its_marks(session: AsyncSession) -> None:
    stored, _, _ = await _stored(session)
    await session.execute(text("DELETE FROM courses WHERE id = :c"), {"c": stored.course_id})
    assert await _count(session, stored.course_id) == 0
