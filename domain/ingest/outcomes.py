"""Course outcomes files (the articulation matrix): a new version of a course's COs and CO–PO mapping."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.errors import N_
from domain.files.outcomes import parse_outcomes
from domain.files.table import Table
from domain.ingest import HANDLERS, IngestContext, IngestReport, course_of
from domain.model.messaging import Upload
from domain.services import attainment, outcomes


async def ingest_outcomes(
    session: AsyncSession, actor: Actor, upload: Upload, table: Table, ctx: IngestContext
) -> IngestReport:
    course = await course_of(session, actor, upload)
    if isinstance(course, IngestReport):
        return course
    parsed = parse_outcomes(table)
    applied = await outcomes.apply_outcomes(
        session, course,
        [outcomes.OutcomeInput(r.code, r.description, r.bloom, dict(r.correlations)) for r in parsed.outcomes],
        upload_id=upload.id, user_id=actor.user_id,
    )
    result = await attainment.compute(session, course.id, await attainment.load_params(session, course.org_id))
    await attainment.cache(session, result)
    message = (N_("Course outcomes of {course} replaced (version {version}): {count} outcomes, {links} links to "
                  "program outcomes. Attainment is computed again with them.")
               if applied.replaced else
               N_("Course outcomes of {course} saved: {count} outcomes, {links} links to program outcomes."))
    return IngestReport(
        "done", message,
        {"course": course.code, "version": applied.version, "count": applied.outcomes, "links": applied.mapped},
        rows=applied.outcomes, summary={"version": applied.version, "links": applied.mapped},
        attainment=result if result.students else None, course_label=f"{course.code} {course.name}",
    )


HANDLERS["outcomes"] = ingest_outcomes
