"""Question bank files: the course's questions added, changed ones made a new version."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.errors import N_
from domain.files.questions import parse_questions
from domain.files.table import Table
from domain.ingest import HANDLERS, IngestContext, IngestReport, course_of
from domain.model.messaging import Upload
from domain.services import outcomes, questions


async def ingest_questions(
    session: AsyncSession, actor: Actor, upload: Upload, table: Table, ctx: IngestContext
) -> IngestReport:
    course = await course_of(session, actor, upload)
    if isinstance(course, IngestReport):
        return course
    known = [o.code for o in await outcomes.current_outcomes(session, course.id)]
    metric = str(upload.params.get("irt", "logistic")).strip().lower()
    if metric not in ("logistic", "normal"):
        return IngestReport("rejected", N_("irt= is logistic or normal (the metric of the IRT parameters), not "
                                           "{value}."), {"value": metric[:20]})
    parsed = parse_questions(table, known_cos=known, irt_metric=metric)
    applied = await questions.apply_bank(session, course, parsed.questions, upload_id=upload.id,
                                         user_id=actor.user_id)
    return IngestReport(
        "done",
        N_("Question bank of {course}: {new} new questions, {changed} changed (a new version each), {unchanged} "
           "unchanged. The bank has {total} questions; create an exam with /newexam."),
        {"course": course.code, "new": applied.new, "changed": applied.changed, "unchanged": applied.unchanged,
         "total": applied.total},
        rows=len(parsed.questions),
        summary={"new": applied.new, "changed": applied.changed, "unchanged": applied.unchanged},
    )


HANDLERS["questions"] = ingest_questions
