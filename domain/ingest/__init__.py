"""Turning a teacher's file into changes: read it, recognise it, validate all of it, apply it or nothing.

``ingest`` runs in the worker's transaction and returns a report; the worker renders the report in
the teacher's language and records the answer with :func:`conclude`, in the same transaction.
Each file kind has a handler module (``roster``, ``outcomes``, ``marks``) registered in ``HANDLERS``;
a handler asks a question (which class? which assessment?) instead of guessing; the person's
answer (a button, or typed text) is stored on the upload and the file is processed again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import notify
from domain.access import Actor
from domain.attainment import AttainmentResult
from domain.errors import N_, Invalid, NotFound
from domain.files.detect import detect_kind
from domain.files.problems import FileProblems, Problem
from domain.files.table import Table, read_table
from domain.model.messaging import Upload
from domain.model.people import Course, Membership, Role, User
from domain.services import assessments, courses, uploads
from domain.services.users import load_actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"


@dataclass(frozen=True)
class Question:
    key: str
    message: str
    params: dict[str, Any]
    choices: list[str]
    free_text: bool = False  # the answer may also be typed


@dataclass
class IngestContext:
    """What a handler may use besides the database: the bot's username (for links) and progress."""

    bot_username: str
    progress: Callable[[int, int], None] = lambda done, total: None


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
    attainment: AttainmentResult | None = None  # after marks or outcomes: the course's new attainment
    course_label: str = ""
    buttons: notify.Buttons | None = None


Handler = Callable[[AsyncSession, Actor, Upload, Table, IngestContext], Awaitable[IngestReport]]
Choices = Callable[[AsyncSession, Actor, Upload], Awaitable[list[str]]]
HANDLERS: dict[str, Handler] = {}
#: For each question a handler may ask, the choices offered (the same list when a button is pressed).
CHOICES: dict[str, Choices] = {}


def ask(upload: Upload, question: Question) -> IngestReport:
    """A report that asks; the upload waits for the answer."""
    upload.status = "needs_input"
    upload.params = {**upload.params, "_awaiting": question.key}
    return IngestReport("needs_input", question.message, question.params, question=question)


async def choices_for(session: AsyncSession, actor: Actor, upload: Upload, key: str) -> list[str]:
    chooser = CHOICES.get(key)
    return await chooser(session, actor, upload) if chooser else []


Typed = Callable[[AsyncSession, Actor, str], Awaitable[str]]
#: Questions whose answer may be typed, with the check of what was typed.
TYPED: dict[str, Typed] = {}


async def answer(
    session: AsyncSession, actor: Actor, upload_id: int | None, *, index: int | None = None, typed: str | None = None
) -> tuple[Upload, str, str]:
    """The uploader answers the question their file waits on, by a button (``index``) or typing.

    Returns the upload, the question's key and the value; the file is queued to be processed again.
    ``upload_id`` None means "the file of mine that waits for a typed answer".
    """
    if upload_id is None:
        waiting = await uploads.waiting_for_text(session, actor, list(TYPED))
        if waiting is None:
            raise NotFound(N_("That file is not one you sent here."))
        upload_id = waiting.id
    upload = await uploads.own_waiting_upload(session, actor, upload_id)
    key = str(upload.params.get("_awaiting", ""))
    if index is not None:
        offered = await choices_for(session, actor, upload, key)
        if not 0 <= index < len(offered):
            raise NotFound(N_("That choice is no longer offered."))
        value = offered[index]
    elif typed is not None and key in TYPED:
        value = await TYPED[key](session, actor, typed)
    else:
        raise NotFound(N_("That choice is no longer offered."))
    return await uploads.answer_question(session, actor, upload.id, key, value), key, value


async def uploader(session: AsyncSession, upload: Upload) -> Actor:
    """The person who sent the file, acting in the organization they sent it in."""
    user = await session.scalar(
        select(User).join(Membership, Membership.user_id == User.id).where(Membership.id == upload.membership_id)
    )
    assert user is not None
    actor = await load_actor(session, user)
    return Actor(actor.user_id, actor.telegram_id, actor.first_name, upload.language, actor.memberships,
                 current_org_id=upload.org_id)


def guess_kind(table: Table, params: dict[str, Any]) -> str | None:
    """The file's kind from its header, corrected by what else it shows: a MAX or CO row, or a caption
    naming an assessment, makes a sheet of USNs a marks sheet whatever its question columns are called."""
    kind = detect_kind(table.header)
    if kind == "roster":
        firsts = {r.cells[0].strip().upper() for r in table.rows[:3] if r.cells}
        if firsts & {"MAX", "MAX MARKS", "CO"} or {"assessment", "component"} & set(params):
            return "marks"
    return kind


async def ingest(session: AsyncSession, upload: Upload, data: bytes, ctx: IngestContext) -> IngestReport:
    uploads.fingerprint(upload, data)
    try:
        table = read_table(data, upload.file_name)
    except Invalid as err:
        return IngestReport("rejected", err.message, err.params)
    kind = upload.kind or guess_kind(table, upload.params)
    handler = HANDLERS.get(kind or "")
    if handler is None:
        return IngestReport(
            "rejected",
            N_("I could not tell what {name} is from its first row ({header}). I understand a roster "
               "(USN, NAME, CLASS, PARENT_PHONE), a course outcomes file (CO, DESCRIPTION, BLOOM, PO1…), a "
               "marks sheet (USN, NAME, then one column per question, with MAX and CO rows), a question bank "
               "(ID, TYPE, QUESTION, A, B, C, D, ANSWER, MARKS, CO…) and a list of holidays (DATE, NAME)."),
            {"name": upload.file_name, "header": ", ".join(table.header[:8]) or "empty"},
        )
    upload.kind = kind
    actor = await uploader(session, upload)
    try:
        async with session.begin_nested():  # nothing of a rejected file is kept
            return await handler(session, actor, upload, table, ctx)
    except FileProblems as problems:
        return IngestReport(
            "rejected",
            N_("{name} was not applied, and nothing was changed. Problems found: {count}. "
               "Correct them and send the file again.{problems}"),
            {"name": upload.file_name, "count": len(problems.problems)},
            problems=problems.problems,
        )


async def uploader_user_id(session: AsyncSession, upload: Upload) -> int:
    user_id = await session.scalar(select(Membership.user_id).where(Membership.id == upload.membership_id))
    assert user_id is not None
    return int(user_id)


async def conclude(
    session: AsyncSession,
    upload: Upload,
    report: IngestReport,
    text_params: dict[str, Any],
    attachment: notify.Attachment | None,
    *,
    html: str | None = None,
    buttons: notify.Buttons | None = None,
) -> tuple[int, ...]:
    """Record the outcome on the upload and tell the uploader (one notification, in this transaction);
    returns the notification's id (if it is due now).

    ``html`` is the answer already written in the uploader's language (a report with a table)."""
    await uploads.finish(session, upload, status=report.status, rows=report.rows,
                         problems=len(report.problems) or None, summary=report.summary or None,
                         error=None if report.status != "rejected" else report.message)
    message, params = (notify.HTML, {"html": html}) if html is not None else \
        (report.message, {**report.params, **text_params})
    told = await notify.notify(session, org_id=upload.org_id, event_key=f"upload:{upload.id}:{report.status}",
                               kind="upload", recipients=[await uploader_user_id(session, upload)], message=message,
                               params=params, attachment=attachment, buttons=buttons)
    return told.due




async def course_of(session: AsyncSession, actor: Actor, upload: Upload) -> Course | IngestReport:
    """The course a file is for: from the caption (``course=CS101``), the only course taught, or a question."""
    code = upload.params.get("course")
    if code:
        return await assessments.teachers_course(session, actor, str(code))
    mine = await courses.my_courses(session, actor) if actor.has(Role.TEACHER) else []
    if len(mine) == 1:
        return await assessments.teachers_course(session, actor, mine[0].code)
    if not mine:
        return IngestReport("rejected", N_("You teach no course yet: create one with /newcourse, then send the file "
                                           "again."))
    return ask(upload, Question("course", N_("Which course is {name} for?"), {"name": upload.file_name},
                                [c.code for c in mine]))


async def course_choices(session: AsyncSession, actor: Actor, upload: Upload) -> list[str]:
    return [c.code for c in await courses.my_courses(session, actor)] if actor.has(Role.TEACHER) else []


CHOICES["course"] = course_choices

from domain.ingest import holidays, marks, outcomes, questions, roster  # noqa: E402  (each registers its handler)

__all__ = ["CHOICES", "HANDLERS", "TYPED", "IngestContext", "IngestReport", "Question", "answer", "ask",
           "choices_for", "conclude", "holidays", "ingest", "marks", "outcomes", "questions", "roster", "uploader"]
