"""Roster files: students created or updated in one transaction, answered with their invite links."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain import notify
from domain.access import Actor
from domain.errors import N_
from domain.files.roster import has_class_column, parse_roster
from domain.files.table import Table
from domain.ingest import CHOICES, HANDLERS, XLSX, IngestContext, IngestReport, Question, ask
from domain.model.messaging import Upload
from domain.model.people import Role
from domain.reports.xlsx import Sheet, xlsx_bytes
from domain.services import classes, parents, students


async def ingest_roster(
    session: AsyncSession, actor: Actor, upload: Upload, table: Table, ctx: IngestContext
) -> IngestReport:
    me = actor.require(Role.TEACHER, Role.ADMIN)
    known = await classes.all_classes(session, me.org_id)
    if not known:
        return IngestReport("rejected", N_("There are no classes yet: create one with /newclass, then send the roster "
                                           "again."))
    default = upload.params.get("class")
    if default is None and not has_class_column(table.header):
        choices = await classes.offered(session, actor)
        if len(choices) == 1:
            default = choices[0].name
        else:
            return ask(upload, Question("class", N_("Which class is {name} for?"), {"name": upload.file_name},
                                        [c.name for c in choices]))
    parsed = parse_roster(table, known_classes=[c.name for c in known], default_class=default)
    ids = {c.name: c.id for c in known}
    entries = [students.RosterEntry(r.usn, r.name, ids[r.class_name], r.parent_phone) for r in parsed.rows]
    outcome = await students.apply_roster(session, actor, entries)

    def link(code: str | None) -> str:
        return f"https://t.me/{ctx.bot_username}?start={code}" if code else ""

    sheet = Sheet(
        title="Invites",
        header=["USN", "NAME", "CLASS", "STATUS", "STUDENT LINK (personal, once)", "PARENT LINK (once)",
                "PARENT CODE"],
        rows=[[ln.usn, ln.name, ln.class_name, "joined" if ln.joined else ln.status, link(ln.student_code),
               link(ln.parent_code), ln.parent_code or ""] for ln in outcome.lines],
    )
    class_ids = sorted({e.class_id for e in entries})
    blocked = await parents.unreachable_parents(session, me.org_id, class_ids)
    return IngestReport(
        "done",
        N_("Roster {name} applied: {new} new, {updated} updated, {unchanged} unchanged students. "
           "The file below has a personal link for each student who has not joined yet and a parent link for "
           "each student: share each link only with its owner. Links work once and expire in 7 days.{blocked}"),
        {"name": upload.file_name, "new": outcome.new, "updated": outcome.updated, "unchanged": outcome.unchanged,
         "ignored": ", ".join(parsed.ignored_columns)},
        attachment=notify.Attachment(f"invites-{upload.id}.xlsx", XLSX, xlsx_bytes([sheet]), ephemeral=True),
        rows=len(entries),
        summary={"new": outcome.new, "updated": outcome.updated, "unchanged": outcome.unchanged,
                 "ignored_columns": parsed.ignored_columns, "unreachable_parents": [list(b) for b in blocked]},
    )


async def class_choices(session: AsyncSession, actor: Actor, upload: Upload) -> list[str]:
    return [c.name for c in await classes.offered(session, actor)]


HANDLERS["roster"] = ingest_roster
CHOICES["class"] = class_choices
