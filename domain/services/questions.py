"""The question bank of a course: a bank file adds questions and makes a new version of each one whose
content changed; the newest version is current. Attempts keep the snapshot they started with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.files.questions import QuestionRow
from domain.model.exams import Question
from domain.model.people import Course

#: The columns that make a question what it is; a change in any of them is a new version.
CONTENT = ("kind", "stem", "options", "correct", "value", "tolerance", "model_answer", "marks", "co_code", "bloom",
           "topic", "concept", "difficulty", "irt_a", "irt_b", "irt_c")


def _values(row: QuestionRow) -> dict[str, Any]:
    a, b, c = row.irt if row.irt is not None else (None, None, None)
    return {"kind": row.kind, "stem": row.text, "options": list(row.options), "correct": list(row.correct),
            "value": row.value, "tolerance": row.tolerance, "model_answer": row.model_answer, "marks": row.marks,
            "co_code": row.co, "bloom": row.bloom, "topic": row.topic, "concept": row.concept,
            "difficulty": row.difficulty, "irt_a": a, "irt_b": b, "irt_c": c}


def _norm(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list | tuple):
        return list(value)
    return value


def _same(q: Question, values: dict[str, Any]) -> bool:
    return all(_norm(getattr(q, key)) == _norm(values[key]) for key in CONTENT)


@dataclass(frozen=True)
class BankApplied:
    new: int
    changed: int
    unchanged: int
    total: int  # current questions of the course after the file


async def apply_bank(session: AsyncSession, course: Course, rows: Sequence[QuestionRow], *, upload_id: int | None,
                     user_id: int | None) -> BankApplied:
    """Add the file's questions to the course's bank (in the caller's transaction)."""
    current = {q.ref.upper(): q for q in (await session.scalars(
        select(Question).where(Question.course_id == course.id, Question.current).with_for_update())).all()}
    new = changed = unchanged = 0
    for row in rows:
        values = _values(row)
        old = current.get(row.ref.upper())
        if old is not None and _same(old, values):
            unchanged += 1
            continue
        version = 1
        if old is not None:
            await session.execute(update(Question).where(Question.id == old.id).values(current=False))
            await session.flush()
            version = old.version + 1
            changed += 1
        else:
            version = 1 + int(await session.scalar(select(func.coalesce(func.max(Question.version), 0)).where(
                Question.course_id == course.id, func.upper(Question.ref) == row.ref.upper())) or 0)
            new += 1
        session.add(Question(org_id=course.org_id, course_id=course.id, ref=row.ref, version=version, current=True,
                             upload_id=upload_id, **values))
    await session.flush()
    total = int(await session.scalar(select(func.count()).select_from(Question).where(
        Question.course_id == course.id, Question.current)) or 0)
    await audit.record(session, "questions.uploaded", org_id=course.org_id, actor_user_id=user_id, entity="course",
                       entity_id=course.id, new=new, changed=changed, unchanged=unchanged, upload=upload_id)
    return BankApplied(new, changed, unchanged, total)


async def current_bank(session: AsyncSession, course_id: int) -> list[Question]:
    return list((await session.scalars(select(Question).where(Question.course_id == course_id, Question.current)
                                       .order_by(Question.ref))).all())
