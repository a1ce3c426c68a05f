"""Program outcomes (seeded per organization) and course outcomes with their CO–PO mapping (versioned)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.errors import N_
from domain.model.obe import CoPo, CourseOutcome, OutcomeSet, ProgramOutcome
from domain.model.org import Organization
from domain.model.people import Course

#: The twelve NBA graduate attributes.
NBA_POS: tuple[tuple[str, str], ...] = (
    ("PO1", "Engineering knowledge"),
    ("PO2", "Problem analysis"),
    ("PO3", "Design/development of solutions"),
    ("PO4", "Conduct investigations of complex problems"),
    ("PO5", "Modern tool usage"),
    ("PO6", "The engineer and society"),
    ("PO7", "Environment and sustainability"),
    ("PO8", "Ethics"),
    ("PO9", "Individual and team work"),
    ("PO10", "Communication"),
    ("PO11", "Project management and finance"),
    ("PO12", "Life-long learning"),
)


async def seed_program_outcomes(session: AsyncSession, org: Organization) -> None:
    """PO1–PO12 for an organization (run when it is created; safe to run again)."""
    await session.execute(
        insert(ProgramOutcome)
        .values([{"org_id": org.id, "kind": "PO", "program": "", "code": code, "name": name, "position": i}
                 for i, (code, name) in enumerate(NBA_POS, start=1)])
        .on_conflict_do_nothing(index_elements=["org_id", "program", "code"])
    )



@dataclass(frozen=True)
class OutcomeInput:
    code: str
    description: str
    bloom: int
    correlations: dict[str, int]  # PO1…PO12, PSO1… → 1–3


@dataclass(frozen=True)
class AppliedOutcomes:
    version: int
    outcomes: int
    mapped: int
    replaced: bool


async def apply_outcomes(
    session: AsyncSession, course: Course, rows: Sequence[OutcomeInput], *, upload_id: int | None, user_id: int | None
) -> AppliedOutcomes:
    """Store a new version of the course's outcomes and mapping (the caller's transaction)."""
    org = await session.get(Organization, course.org_id)
    assert org is not None
    await seed_program_outcomes(session, org)
    program = course.program or ""
    needed_psos = sorted({k for r in rows for k in r.correlations if k.startswith("PSO")},
                         key=lambda c: int(c[3:]))
    if needed_psos:
        await session.execute(
            insert(ProgramOutcome)
            .values([{"org_id": course.org_id, "kind": "PSO", "program": program or "GENERAL", "code": code,
                      "name": N_("Program-specific outcome"), "position": 100 + int(code[3:])}
                     for code in needed_psos])
            .on_conflict_do_nothing(index_elements=["org_id", "program", "code"])
        )
    pos = dict((await session.execute(
        select(ProgramOutcome.code, ProgramOutcome.id).where(
            ProgramOutcome.org_id == course.org_id,
            ProgramOutcome.program.in_(["", program or "GENERAL"]),
        )
    )).all())
    last = await session.scalar(select(func.max(OutcomeSet.version)).where(OutcomeSet.course_id == course.id))
    version = (last or 0) + 1
    outcome_set = OutcomeSet(org_id=course.org_id, course_id=course.id, version=version, upload_id=upload_id)
    session.add(outcome_set)
    await session.flush()
    mapped = 0
    for position, row in enumerate(rows, start=1):
        co = CourseOutcome(set_id=outcome_set.id, code=row.code, description=row.description, bloom=row.bloom,
                           position=position)
        session.add(co)
        await session.flush()
        links = [{"co_id": co.id, "po_id": pos[k], "weight": w} for k, w in row.correlations.items() if w]
        if links:
            await session.execute(insert(CoPo).values(links))
            mapped += len(links)
    await audit.record(session, "outcomes.replaced" if last else "outcomes.created", org_id=course.org_id,
                       actor_user_id=user_id, entity="course", entity_id=course.id, version=version,
                       outcomes=len(rows), mapped=mapped, upload=upload_id)
    return AppliedOutcomes(version, len(rows), mapped, replaced=bool(last))


@dataclass(frozen=True)
class CurrentOutcome:
    code: str
    description: str
    bloom: int


async def current_outcomes(session: AsyncSession, course_id: int) -> list[CurrentOutcome]:
    """The course's outcomes in force (its newest version), in order."""
    newest = select(func.max(OutcomeSet.version)).where(OutcomeSet.course_id == course_id).scalar_subquery()
    rows = (await session.execute(
        select(CourseOutcome.code, CourseOutcome.description, CourseOutcome.bloom)
        .join(OutcomeSet, OutcomeSet.id == CourseOutcome.set_id)
        .where(OutcomeSet.course_id == course_id, OutcomeSet.version == newest)
        .order_by(CourseOutcome.position)
    )).all()
    return [CurrentOutcome(*r) for r in rows]
