"""Turning a teacher's file into changes: read it, recognise it, validate all of it, apply it or nothing.

``ingest`` runs in the worker's transaction and returns a report; the worker renders the report in
the teacher's language and records the answer with :func:`conclude`, in the same transaction.
Each file kind registers a handler in ``HANDLERS``; a handler may ask a question (which class?)
instead of guessing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import notify
from domain.access import Actor
from domain.errors import N_, Invalid
from domain.files.detect import detect_kind
from domain.files.problems import FileProblems, Problem
from domain.files.roster import has_class_column, parse_roster
from domain.files.table import Table, read_table
from domain.model.messaging import Upload
from domain.model.people import Membership, Role, User
from domain.reports.xlsx import Sheet, xlsx_bytes
from domain.services import classes, parents, students, uploads
from domain.services.users import load_actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Question:
    key: str
    message: str
    params: dict[str, Any]
    choices: list[str]


@dataclass
class IngestReport:
    status: str  # done / rejected / needs_input
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    attachment: notify.Attachment | None = None
    question: Question | None = None
    rows: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[AsyncSession, Actor, Upload, Table, str], Awaitable[IngestReport]]
HANDLERS: dict[str, Handler] = {}


async def uploader(session: AsyncSession, upload: Upload) -> Actor:
    """The person who sent the file, acting in the organization they sent it in."""
    user = await session.scalar(
        select(User).join(Membership, Membership.user_id == User.id).where(Membership.id == upload.membership_id)
    )
    assert user is not None
    actor = await load_actor(session, user)
    return Actor(actor.user_id, actor.telegram_id, actor.first_name, upload.language, actor.memberships,
                 current_org_id=upload.org_id)


async def ingest(session: AsyncSession, upload: Upload, data: bytes, *, bot_username: str) -> IngestReport:
    uploads.fingerprint(upload, data)
    try:
        table = read_table(data, upload.file_name)
    except Invalid as err:
        return IngestReport("rejected", err.message, err.params)
    kind = upload.kind or detect_kind(table.header)
    handler = HANDLERS.get(kind or "")
    if handler is None:
        return IngestReport(
            "rejected",
            N_("I could not tell what {name} is from its first row ({header}). I understand a roster "
               "(USN, NAME, CLASS, PARENT_PHONE)."),
            {"name": upload.file_name, "header": ", ".join(table.header[:8]) or "empty"},
        )
    upload.kind = kind
    actor = await uploader(session, upload)
    try:
        async with session.begin_nested():  # nothing of a rejected file is kept
            return await handler(session, actor, upload, table, bot_username)
    except FileProblems as problems:
        return IngestReport(
            "rejected",
            N_("{name} was not applied: {count} problems were found, and nothing was changed. "
               "Correct them and send the file again.{problems}"),
            {"name": upload.file_name, "count": len(problems.problems)},
            problems=problems.problems,
        )


async def conclude(
    session: AsyncSession, upload: Upload, report: IngestReport, text_params: dict[str, Any],
    attachment: notify.Attachment | None,
) -> None:
    """Record the outcome on the upload and tell the uploader (one notification, in this transaction)."""
    await uploads.finish(session, upload, status=report.status, rows=report.rows,
                         problems=len(report.problems) or None, summary=report.summary or None,
                         error=None if report.status != "rejected" else report.message)
    user_id = await session.scalar(select(Membership.user_id).where(Membership.id == upload.membership_id))
    assert user_id is not None
    await notify.notify(session, org_id=upload.org_id, event_key=f"upload:{upload.id}:{report.status}",
                        kind="upload", recipients=[user_id], message=report.message,
                        params={**report.params, **text_params}, attachment=attachment)


# ---- rosters ------------------------------------------------------------------------------------


async def ingest_roster(
    session: AsyncSession, actor: Actor, upload: Upload, table: Table, bot_username: str
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
            upload.status = "needs_input"
            return IngestReport(
                "needs_input", N_("Which class is {name} for?"), {"name": upload.file_name},
                question=Question("class", N_("Which class is {name} for?"), {"name": upload.file_name},
                                  [c.name for c in choices]),
            )
    parsed = parse_roster(table, known_classes=[c.name for c in known], default_class=default)
    ids = {c.name: c.id for c in known}
    entries = [students.RosterEntry(r.usn, r.name, ids[r.class_name], r.parent_phone) for r in parsed.rows]
    outcome = await students.apply_roster(session, actor, entries)

    def link(code: str | None) -> str:
        return f"https://t.me/{bot_username}?start={code}" if code else ""

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


HANDLERS["roster"] = ingest_roster
