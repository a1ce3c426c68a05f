"""Holiday files (admins): the organization's holidays set from a DATE, NAME list; open evaluations'
deadlines are counted again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.errors import N_
from domain.files.holidays import parse_holidays
from domain.files.table import Table
from domain.ingest import HANDLERS, IngestContext, IngestReport
from domain.model.messaging import Upload
from domain.model.people import Role
from domain.services import calendars


async def ingest_holidays(
    session: AsyncSession, actor: Actor, upload: Upload, table: Table, ctx: IngestContext
) -> IngestReport:
    if actor.membership(Role.ADMIN) is None:
        return IngestReport("rejected", N_("{name} is a list of holidays; only an admin sets the school's "
                                           "holidays."), {"name": upload.file_name})
    parsed = parse_holidays(table)
    added, renamed, moved = await calendars.apply_holidays(session, actor, list(parsed.rows))
    return IngestReport(
        "done",
        N_("Holidays: {count} days in the file, {added} new, {renamed} renamed; {moved} open evaluations have a new "
           "deadline. /calendar shows them."),
        {"count": len(parsed.rows), "added": added, "renamed": renamed, "moved": moved},
        rows=len(parsed.rows),
        summary={"added": added, "renamed": renamed, "moved": moved},
    )


HANDLERS["holidays"] = ingest_holidays
