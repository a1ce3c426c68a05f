"""The exam message's buttons and typed numbers: the hot path of an exam, one read and one write each.

A press is what an exam does most (500 students answering at once is a few hundred presses a second),
so it runs on the database driver's own connection (asyncpg) with statements written out here, not
through the ORM: an ORM statement costs about five times the CPU of the same statement sent by the
driver, and the bot's CPU is what limits how many presses a second it takes. The statements read and
write only what a press needs: the pressed question and every question's kind, not the whole paper.

:func:`press` is a use case of its own, two statements each atomic on its own, with no transaction
around them: the read, then the write, which happens only if the attempt's row is still the version read
(optimistic concurrency) and records the update in the same statement (the update's dedupe). One student's
presses on two devices, or a double tap, therefore never lose one another: the later write finds the row
changed and that press runs again from the read. The other presses of the exam message (submit, and the
confirmation before it) and typed numbers run in the bot's usual session; they share :func:`read` and
:func:`write`, on the session's connection.

Every press names its attempt and question position; the attempt must be the caller's own (their
student membership's), and a press sets a state (this option chosen, that flag on) rather than
flipping one, so the same press arriving twice has one effect.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor, MembershipView
from domain.db import driver
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.evaluation import AnswerPage
from domain.model.people import Role
from domain.scoring import WRITTEN
from domain.services.attempts import LATE_PRESS, AnswerState, AttemptView, mode_of, submit

#: The presses :func:`press` takes: o choose option ``arg`` (single answer, then the next open question),
#: T/t option ``arg`` on/off (several answers), n go to ``position``, F/f flag on/off, c confidence (1 sure,
#: 2 not sure), r review list, b back to ``position`` (from the confirmation). ``s`` (the confirmation)
#: and ``S`` (submit) are :func:`confirm` and :func:`submit_pressed`.
OPS = frozenset("oTtFfcnbr")
T = TypeVar("T")
log = logging.getLogger("edubot.exam")
_ANSWERING = frozenset("oTtcFf")


@dataclass
class Held:
    """An attempt as a press reads it: its row, its exam's title, the question at the pressed position,
    every question's kind and the answers so far."""

    id: int
    version: int  # of the attempt's row when read
    org_id: int
    position: int
    deadline_at: dt.datetime
    submitted_at: dt.datetime | None
    submitted_how: str | None
    title: str
    language: str
    question: dict[str, Any] | None  # at the position read (None past the paper's end)
    kinds: tuple[str, ...]
    answers: dict[int, AnswerState]


@dataclass(frozen=True)
class Pressed:
    view: AttemptView
    language: str  # the student's, for the message


#: $1 attempt, $2 the caller's Telegram id, $3 the position whose question is read. ``version`` (the row's
#: xmin) changes whenever the attempt's row is written.
_READ = """SELECT a.id, a.xmin AS version, a.org_id, a.position, a.deadline_at, a.submitted_at, a.submitted_how,
       e.title, u.language,
       a.paper -> $3::int AS question,
       ARRAY(SELECT jsonb_array_elements(a.paper) ->> 'kind') AS kinds,
       (SELECT json_agg(json_build_array(x.position, x.chosen, x.number::text, x.flagged, x.confidence))
          FROM attempt_answers x WHERE x.attempt_id = a.id) AS answers
FROM attempts a
JOIN students s ON s.id = a.student_id
JOIN memberships m ON m.id = s.membership_id AND m.role = 'student'
JOIN users u ON u.id = m.user_id
JOIN exams e ON e.id = a.exam_id
WHERE a.id = $1 AND u.telegram_id = $2"""
_MEMBERSHIPS = """SELECT m.id, m.org_id, o.name, m.role, u.id AS user_id, u.language, u.current_org_id
FROM users u
LEFT JOIN memberships m ON m.user_id = u.id
LEFT JOIN organizations o ON o.id = m.org_id
WHERE u.telegram_id = $1
ORDER BY m.org_id, m.role"""


def _held(row: asyncpg.Record) -> Held:
    answers = {p: AnswerState(tuple(chosen or ()), Decimal(number) if number is not None else None, flagged,
                              confidence)
               for p, chosen, number, flagged, confidence in row["answers"] or ()}
    return Held(row["id"], row["version"], row["org_id"], row["position"], row["deadline_at"], row["submitted_at"],
                row["submitted_how"], row["title"], row["language"], row["question"], tuple(row["kinds"]), answers)


async def _refusal(conn: asyncpg.Connection, telegram_id: int) -> Exception:
    """Why the caller may not press in that attempt: not a member, not a student, or not theirs."""
    rows = await conn.fetch(_MEMBERSHIPS, telegram_id)
    if rows:
        first = rows[0]
        actor = Actor(first["user_id"], telegram_id, "", first["language"],
                      tuple(MembershipView(r["id"], r["org_id"], r["name"], Role(r["role"])) for r in rows
                            if r["id"] is not None), first["current_org_id"])
        try:
            actor.require(Role.STUDENT)
        except Exception as exc:
            return exc
    return NotFound(N_("That exam attempt is not yours."))


async def read(conn: asyncpg.Connection, telegram_id: int, attempt_id: int, position: int) -> Held:
    """The caller's attempt with the question at ``position``."""
    row = await conn.fetchrow(_READ, attempt_id, telegram_id, position)
    if row is None:
        raise await _refusal(conn, telegram_id)
    return _held(row)


#: The answer's columns a press may set, with their types.
_ANSWER_COLUMNS = {"chosen": "smallint[]", "number": "numeric", "answered_at": "timestamptz", "flagged": "boolean",
                   "confidence": "text"}


class Changed(Exception):
    """The attempt was written by someone else between this press's read and its write."""


@cache
def _write_sql(columns: tuple[str, ...], once: bool) -> str:
    """One statement: if the attempt's row is still the version read, upsert the answer's ``columns`` (a change
    of the chosen options or number counts as a change) and move the attempt, returning the question there;
    with ``once``, only if the update is not recorded yet, recording it.

    $1 attempt, $2 version read, $3 position to move to; then (``once``) bot id and update id; then (with
    ``columns``) the answer's position, now and the columns' values. ``current`` is false when the row
    changed; ``done`` when the write happened."""
    assert set(columns) <= set(_ANSWER_COLUMNS)
    ctes = ["locked AS (SELECT id FROM attempts WHERE id = $1 AND xmin = $2::xid FOR UPDATE)",
            "fresh AS (INSERT INTO processed_updates (bot_id, update_id) SELECT $4, $5 FROM locked "
            "ON CONFLICT DO NOTHING RETURNING 1)" if once else "fresh AS (SELECT 1 FROM locked)"]
    if columns:
        at = 6 if once else 4
        names = ", ".join(columns)
        values = ", ".join(f"${at + 2 + i}::{_ANSWER_COLUMNS[c]}" for i, c in enumerate(columns))
        sets = [f"{c} = excluded.{c}" for c in columns]
        if "chosen" in columns or "number" in columns:
            sets.append("changes = x.changes + 1")
        ctes.append(f"stored AS (INSERT INTO attempt_answers AS x (attempt_id, position, first_seen_at, {names}) "  # noqa: S608
                    f"SELECT $1::bigint, ${at}::smallint, ${at + 1}::timestamptz, {values} FROM fresh "
                    f"ON CONFLICT (attempt_id, position) DO UPDATE SET {', '.join(sets)} RETURNING 1)")
    ctes.append("moved AS (UPDATE attempts SET position = $3::int FROM fresh WHERE attempts.id = $1 "
                "RETURNING attempts.paper -> $3::int AS question)")
    return (f"WITH {', '.join(ctes)} SELECT EXISTS (SELECT FROM locked) AS current, "  # noqa: S608
            "EXISTS (SELECT FROM moved) AS done, (SELECT question FROM moved) AS question")


async def write(conn: asyncpg.Connection, attempt: Held, position: int, now: dt.datetime, move_to: int,
                values: dict[str, Any], update: tuple[int, int] | None = None) -> bool:
    """Store one answer's ``values`` (of the question at ``position``, the one read) and move the attempt to
    ``move_to``, reading the question there, in one statement, if the attempt is as it was read (else
    :class:`Changed`). With ``update`` (bot id, update id) only once per update: False when it was handled
    before. The attempt's row is written by every press that stores something, so a press of the same
    attempt at the same time (a second device, a double tap) finds it changed and runs again."""
    if not values and move_to == attempt.position == position:
        return True
    columns = tuple(sorted(values))
    args = [attempt.id, attempt.version, move_to, *(update or ())]
    if columns:
        args += [position, now, *(values[c] for c in columns)]
    row = await conn.fetchrow(_write_sql(columns, update is not None), *args)
    if not row["current"]:
        raise Changed
    if not row["done"]:
        return False
    attempt.question = row["question"]
    attempt.position = move_to
    return True


def next_open(answers: dict[int, AnswerState], kinds: tuple[str, ...], after: int) -> int:
    """The first question after ``after`` still to answer, else simply the next one (or the last)."""
    for i in range(after + 1, len(kinds)):
        if not answers.get(i, AnswerState()).answered and kinds[i] not in WRITTEN:
            return i
    return min(after + 1, len(kinds) - 1)


def view_of(attempt: Held, now: dt.datetime, mode: str = "question") -> AttemptView:
    mode = mode_of(attempt.submitted_at, attempt.deadline_at, now, mode)
    return AttemptView(attempt.id, attempt.title, attempt.position, attempt.question or {}, attempt.kinds,
                       attempt.answers, attempt.deadline_at, now, mode, attempt.submitted_how)


def _refuse() -> NotFound:
    return NotFound(N_("That exam attempt is not yours."))


def _valid_option(question: dict[str, Any], index: int) -> bool:
    count = len(question["options"]) if question["kind"] == "MCQ" else 2
    return 0 <= index < count


async def _apply(conn: asyncpg.Connection, attempt: Held, op: str, pos: int, arg: int, now: dt.datetime,
                 update: tuple[int, int] | None) -> AttemptView | None:
    """One press on ``attempt`` (read at ``pos``): what it stores, where it moves, what it shows (None: the
    update was handled before)."""
    if attempt.submitted_at is not None:
        return view_of(attempt, now)
    question = attempt.question
    if question is None or not 0 <= pos < len(attempt.kinds):
        raise _refuse()
    if op in _ANSWERING and now > attempt.deadline_at + LATE_PRESS:
        return view_of(attempt, now, "timeup")
    mode = "question"
    move_to = pos
    answers = attempt.answers
    state = answers.get(pos, AnswerState())
    values: dict[str, Any] = {}
    if op == "o":
        if question["kind"] not in ("MCQ", "TF") or not _valid_option(question, arg):
            raise _refuse()
        values = {"chosen": [arg], "answered_at": now}
        answers[pos] = replace(state, chosen=(arg,))
        move_to = next_open(answers, attempt.kinds, pos)
    elif op in ("T", "t"):
        if question["kind"] != "MCQ" or not _valid_option(question, arg):
            raise _refuse()
        chosen = sorted(set(state.chosen) | {arg}) if op == "T" else sorted(set(state.chosen) - {arg})
        values = {"chosen": chosen or None, "answered_at": now}
        answers[pos] = replace(state, chosen=tuple(chosen))
    elif op in ("F", "f"):
        values = {"flagged": op == "F"}
        answers[pos] = replace(state, flagged=op == "F")
    elif op == "c":
        if arg not in (1, 2):
            raise _refuse()
        values = {"confidence": "sure" if arg == 1 else "unsure"}
        answers[pos] = replace(state, confidence=values["confidence"])
    elif op == "r":
        mode = "review"
        move_to = attempt.position
    elif op not in ("n", "b"):
        raise _refuse()
    if not await write(conn, attempt, pos, now, move_to, values, update):
        return None
    return view_of(attempt, now, mode)


#: How many times a press runs when another press of the same attempt changed it meanwhile.
RUNS = 5


async def _rerun_on_change(work: Callable[[], Awaitable[T]]) -> T:
    for _ in range(RUNS - 1):
        with suppress(Changed):
            return await work()
        log.info("press runs again: its attempt changed meanwhile")
    try:
        return await work()
    except Changed:
        raise Conflict(N_("Your exam changed on another device meanwhile; press again.")) from None


async def press(conn: asyncpg.Connection, telegram_id: int, attempt_id: int, op: str, position: int, arg: int,
                *, update: tuple[int, int], now: dt.datetime | None = None) -> Pressed | None:
    """One button of the exam message (see :data:`OPS`) by the person with ``telegram_id``, for the Telegram
    ``update`` (bot id, update id): None when that update was handled before.

    Two statements, each atomic on its own: the read, then (if the press stores or moves anything) the
    write, which happens only if the attempt is still as read and records the update in the same
    statement (the update's dedupe). When another press of the attempt (a second device, a double tap)
    was written in between, the press runs again from the read. A press that only shows something (the
    review list) writes nothing: shown twice, it has no effect twice."""
    now = now or utcnow()

    async def run() -> Pressed | None:
        attempt = await read(conn, telegram_id, attempt_id, position)
        view = await _apply(conn, attempt, op, position, arg, now, update)
        return Pressed(view, attempt.language) if view is not None else None

    return await _rerun_on_change(run)


async def _own(session: AsyncSession, actor: Actor, attempt_id: int, position: int) -> tuple[asyncpg.Connection, Held]:
    actor.require(Role.STUDENT)
    conn = await driver(session)
    return conn, await read(conn, actor.telegram_id, attempt_id, position)


async def confirm(session: AsyncSession, actor: Actor, attempt_id: int, position: int,
                  now: dt.datetime | None = None) -> AttemptView:
    """The confirmation before submitting: how many questions are unanswered (and pages sent)."""
    now = now or utcnow()
    _conn, attempt = await _own(session, actor, attempt_id, position)
    if attempt.submitted_at is None and not 0 <= position < len(attempt.kinds):
        raise _refuse()
    view = view_of(attempt, now, "confirm")
    if view.mode == "confirm" and any(k in WRITTEN for k in attempt.kinds):
        pages = await session.scalar(select(func.count()).select_from(AnswerPage).where(
            AnswerPage.attempt_id == attempt.id, AnswerPage.status != "rejected"))
        view.extra["pages"] = int(pages or 0)
    await session.commit()
    return view


async def submit_pressed(session: AsyncSession, actor: Actor, attempt_id: int, position: int,
                         now: dt.datetime | None = None) -> AttemptView:
    """The student's own submit (once; a repeat shows the submitted message)."""
    now = now or utcnow()
    _conn, attempt = await _own(session, actor, attempt_id, position)
    await submit(session, attempt, "student", now, user_id=actor.user_id)
    await session.commit()
    return view_of(attempt, now)


def read_number(text: str) -> Decimal:
    cleaned = text.strip().replace(" ", "").replace("−", "-")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(N_("{value} is not a number; type the answer as a number, like 12.5."), value=text[:40]) from None
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        raise Invalid(N_("{value} is not a number; type the answer as a number, like 12.5."), value=text[:40])
    return value


async def type_number(session: AsyncSession, actor: Actor, attempt_id: int, position: int, text: str,
                      now: dt.datetime | None = None) -> AttemptView:
    """A number typed for the question at ``position`` (the attempt's current, numeric one); then the next
    open question."""
    now = now or utcnow()
    value = read_number(text)

    async def run() -> AttemptView:
        conn, attempt = await _own(session, actor, attempt_id, position)
        if attempt.submitted_at is not None or now > attempt.deadline_at + LATE_PRESS:
            return view_of(attempt, now, "timeup")
        answers = attempt.answers
        answers[position] = replace(answers.get(position, AnswerState()), number=value)
        await write(conn, attempt, position, now, next_open(answers, attempt.kinds, position),
                    {"number": value, "answered_at": now})
        return view_of(attempt, now)

    view = await _rerun_on_change(run)
    await session.commit()
    return view
