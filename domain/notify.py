"""The one way the product tells people things: ``notify(event, recipients)``.

A notification row per (event, recipient) is recorded in the caller's transaction, with a unique key,
so one event is never told twice to one person, however often the caller or a job runs. Delivery
jobs go through the outbox. A recipient's muted kinds are recorded as muted (not sent); quiet hours
(local time of the organization) hold a message until they end — delayed, never dropped.

Delivery is at least once: a message is claimed (``sending``) before it goes to Telegram and marked
``sent`` right after; only a message in flight when its worker is killed can be sent twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, cast, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import N_
from domain.model.base import utcnow
from domain.model.messaging import Notification, NotificationPrefs, StoredFile
from domain.model.org import Organization
from domain.model.people import User
from domain.outbox import enqueue

#: What people can be told, with the name shown in /notifications.
KINDS: dict[str, str] = {
    "exam": N_("exams opening"),
    "attempt": N_("your own exam attempts and scores"),
    "result": N_("exam results"),
    "marks": N_("published marks"),
    "evaluation": N_("evaluated answer sheets"),
    "sla": N_("answer sheets to evaluate: new ones, reminders, breaches"),
    "alert": N_("attendance and risk alerts"),
    "digest": N_("the weekly digest"),
    "account": N_("account changes"),
    "upload": N_("answers to files you sent"),
}
#: Kinds that cannot be muted: they answer something the person did, or are work owed by a deadline.
ALWAYS = frozenset({"account", "upload", "attempt", "sla"})
CHUNK = 100
HTML = "@html"  # a message written already (in its reader's language): params["html"] is sent as it is
#: A message built at sending time, in its reader's language, by the renderer of this name (the
#: presenters' ``RENDERERS``) from the notification's params: ``message=RENDER + "marks"``.
RENDER = "@render:"
QUEUE = "notify"
STALE_SENDING = dt.timedelta(seconds=30)  # a claim older than this belongs to a dead worker


@dataclass(frozen=True)
class Attachment:
    """A file sent with a notification; ``ephemeral`` files (holding secrets) are emptied once delivered."""

    name: str
    mime_type: str
    content: bytes
    ephemeral: bool = False


_INSERT = text(
    """
    INSERT INTO notifications (org_id, event_key, kind, recipient_user_id, message, params, file_id, buttons,
                               status, not_before)
    SELECT :org, r.key, :kind, r.person, :message, CAST(r.params AS jsonb), :file, CAST(:buttons AS jsonb),
           r.status, r.wait
      FROM unnest(CAST(:keys AS text[]), CAST(:people AS bigint[]), CAST(:params AS text[]),
                  CAST(:statuses AS text[]), CAST(:waits AS timestamptz[])) AS r(key, person, params, status, wait)
    ON CONFLICT (event_key, recipient_user_id) DO NOTHING
    RETURNING id, status, not_before
    """
)


@dataclass(frozen=True)
class NotifyOutcome:
    recorded: int
    muted: int
    deferred: int
    due: tuple[int, ...] = ()  # ids to deliver now (already scheduled unless ``schedule_now`` was False)


def quiet_until(local_now: dt.datetime, start: dt.time | None, end: dt.time | None) -> dt.datetime | None:
    """When quiet hours that contain ``local_now`` end (local time), or None outside them.

    Quiet hours may wrap midnight (22:00–07:00). ``start == end`` means no quiet hours.
    """
    if start is None or end is None or start == end:
        return None
    t = local_now.timetz().replace(tzinfo=None)
    today = local_now.date()
    if start < end:
        inside = start <= t < end
        end_day = today
    else:
        inside = t >= start or t < end
        end_day = today + dt.timedelta(days=1) if t >= start else today
    if not inside:
        return None
    naive = dt.datetime.combine(end_day, end)
    return naive.replace(tzinfo=local_now.tzinfo)


@dataclass(frozen=True)
class Entry:
    """One person to tell, under one event key, with their own values for the message's placeholders."""

    event_key: str
    recipient: int  # user id
    params: dict[str, Any] = field(default_factory=dict)


Buttons = list[list[dict[str, str]]]  # inline keyboard rows of {"text", "callback_data"}


async def notify(
    session: AsyncSession,
    *,
    org_id: int,
    event_key: str,
    kind: str,
    recipients: Iterable[int],
    message: str,
    params: dict[str, Any] | None = None,
    attachment: Attachment | None = None,
    buttons: Buttons | None = None,
    now: dt.datetime | None = None,
    schedule_now: bool = True,
) -> NotifyOutcome:
    """Record that ``recipients`` (user ids) are to be told ``message`` about ``event_key``.

    ``schedule_now=False`` leaves delivery to the caller (``schedule`` several notifications together
    to have them delivered in order, by one job)."""
    entries = [Entry(event_key, r, params or {}) for r in sorted(set(recipients))]
    return await notify_each(session, org_id=org_id, kind=kind, message=message, entries=entries,
                             attachment=attachment, buttons=buttons, now=now, schedule_now=schedule_now)


async def notify_each(
    session: AsyncSession,
    *,
    org_id: int,
    kind: str,
    message: str,
    entries: Sequence[Entry],
    attachment: Attachment | None = None,
    buttons: Buttons | None = None,
    now: dt.datetime | None = None,
    schedule_now: bool = True,
) -> NotifyOutcome:
    """Like :func:`notify`, with a key and values per person (a child's own marks, say) — one statement."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not entries:
        return NotifyOutcome(0, 0, 0)
    now = now or utcnow()
    people = sorted({e.recipient for e in entries})
    tz = ZoneInfo(await session.scalar(select(Organization.timezone).where(Organization.id == org_id)) or "UTC")
    prefs = {
        p.user_id: p
        for p in (await session.execute(
            select(NotificationPrefs).where(NotificationPrefs.user_id == func.any(cast(people, ARRAY(BigInteger))))
        )).scalars().all()
    }
    file_id = None
    if attachment is not None:
        stored = StoredFile(org_id=org_id, name=attachment.name, mime_type=attachment.mime_type,
                            content=attachment.content, size=len(attachment.content),
                            sha256=hashlib.sha256(attachment.content).digest(), ephemeral=attachment.ephemeral)
        session.add(stored)
        await session.flush()
        file_id = stored.id
    statuses: list[str] = []
    waits: list[dt.datetime | None] = []
    for entry in entries:
        pref = prefs.get(entry.recipient)
        status, not_before = "pending", None
        if pref is not None and kind in (pref.muted_kinds or []) and kind not in ALWAYS:
            status = "muted"
        elif pref is not None:
            until = quiet_until(now.astimezone(tz), pref.quiet_start, pref.quiet_end)
            not_before = until.astimezone(dt.UTC) if until else None
        statuses.append(status)
        waits.append(not_before)
    inserted = (await session.execute(_INSERT, {
        "org": org_id, "kind": kind, "message": message, "file": file_id,
        "buttons": json.dumps(buttons) if buttons else None,
        "keys": [e.event_key for e in entries], "people": [e.recipient for e in entries],
        "params": [json.dumps(e.params, default=str) for e in entries], "statuses": statuses, "waits": waits,
    })).all()  # one statement with arrays: any number of recipients
    due = [r.id for r in inserted if r.status == "pending" and r.not_before is None]
    if schedule_now:
        await schedule(session, due)
    return NotifyOutcome(
        recorded=len(inserted),
        muted=sum(1 for r in inserted if r.status == "muted"),
        deferred=sum(1 for r in inserted if r.status == "pending" and r.not_before is not None),
        due=tuple(due),
    )


async def schedule(session: AsyncSession, ids: Sequence[int]) -> int:
    """Enqueue delivery jobs for these notification ids (in chunks, each delivered in id order), in the
    caller's transaction."""
    ids = sorted(ids)
    for i in range(0, len(ids), CHUNK):
        await enqueue(session, "deliver_notifications", ids[i : i + CHUNK], queue=QUEUE)
    if ids:
        await session.execute(text("UPDATE notifications SET enqueued_at = now() WHERE id = ANY(:ids)"), {"ids": ids})
    return len(ids)


# ---- delivery (used by the worker) ----------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    org_id: int
    kind: str
    message: str
    params: dict[str, Any]
    telegram_id: int
    language: str
    reachable: bool
    attempts: int
    file_id: int | None
    buttons: Buttons | None


_CLAIM = text(
    """
    UPDATE notifications n
       SET status = 'sending', sending_at = now(), attempts = n.attempts + 1
      FROM users u
     WHERE n.id = :id AND u.id = n.recipient_user_id
       AND (n.status = 'pending' OR (n.status = 'sending' AND n.sending_at < now() - make_interval(secs => :stale)))
       AND (n.not_before IS NULL OR n.not_before <= now())
    RETURNING n.id, n.org_id, n.kind, n.message, n.params, u.telegram_id, u.language, u.reachable, n.attempts,
              n.file_id, n.buttons
    """
)


async def claim(session: AsyncSession, notification_id: int) -> Claimed | None:
    """Take one notification for sending (committed at once); None if it is not due or not ours."""
    row = (
        await session.execute(_CLAIM, {"id": notification_id, "stale": STALE_SENDING.total_seconds()})
    ).first()
    await session.commit()
    if row is None:
        return None
    return Claimed(row.id, row.org_id, row.kind, row.message, dict(row.params), row.telegram_id, row.language,
                   row.reachable, row.attempts, row.file_id, row.buttons)


async def being_sent(session: AsyncSession, notification_id: int) -> bool:
    """Whether another worker is sending this notification right now (a claim younger than a stale one)."""
    return bool(await session.scalar(text(
        "SELECT status = 'sending' AND sending_at >= now() - make_interval(secs => :stale) "
        "FROM notifications WHERE id = :id"), {"id": notification_id, "stale": STALE_SENDING.total_seconds()}))


@dataclass(frozen=True)
class FileToSend:
    name: str
    mime_type: str
    content: bytes


async def file_to_send(session: AsyncSession, file_id: int) -> FileToSend | None:
    row = (await session.execute(
        select(StoredFile.name, StoredFile.mime_type, StoredFile.content).where(StoredFile.id == file_id)
    )).first()
    if row is None or row.content is None:
        return None
    return FileToSend(row.name, row.mime_type, row.content)


_SENT = text(
    "UPDATE notifications SET status = 'sent', sent_at = now(), telegram_message_ids = CAST(:ids AS bigint[]), "
    "error = NULL WHERE id = :id RETURNING file_id"
)


async def mark_sent(session: AsyncSession, notification_id: int, message_ids: Sequence[int]) -> None:
    """Record the delivery; an ephemeral file is emptied once nobody else is waiting for it."""
    file_id = (await session.execute(_SENT, {"id": notification_id, "ids": list(message_ids)})).scalar_one_or_none()
    if file_id is not None:
        await session.execute(
            text(
                "UPDATE files SET content = NULL WHERE id = :f AND ephemeral AND NOT EXISTS ("
                " SELECT 1 FROM notifications WHERE file_id = :f AND status IN ('pending', 'sending'))"
            ),
            {"f": file_id},
        )
    await session.commit()


async def mark_unreachable(session: AsyncSession, notification_id: int, telegram_id: int, why: str) -> None:
    """The person blocked the bot (or never started it): stop trying, remember it for the reports."""
    await session.execute(
        update(Notification).where(Notification.id == notification_id).values(status="unreachable", error=why)
    )
    await session.execute(
        update(User)
        .where(User.telegram_id == telegram_id, User.reachable.is_(True))
        .values(reachable=False, unreachable_at=text("now()"))
    )
    await session.commit()


async def mark_failed(session: AsyncSession, notification_id: int, why: str) -> None:
    await session.execute(
        update(Notification).where(Notification.id == notification_id).values(status="failed", error=why[:2000])
    )
    await session.commit()


async def release(session: AsyncSession, notification_id: int, why: str, delay: dt.timedelta) -> None:
    """Give a claimed notification back to be tried again after ``delay`` (the due sweep picks it up)."""
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "sending")
        .values(status="pending", error=why[:2000], enqueued_at=None,
                not_before=text("now() + make_interval(secs => :d)").bindparams(d=delay.total_seconds()))
    )
    await session.commit()


async def schedule_due(session: AsyncSession, *, limit: int = 5000) -> int:
    """Enqueue delivery of notifications that became due: quiet hours over, a retry's time reached,
    a claim left by a worker that died, or a delivery job that never ran."""
    await session.execute(
        text(
            "UPDATE notifications SET status = 'pending', enqueued_at = NULL "
            "WHERE (status = 'sending' AND sending_at < now() - interval '60 seconds') "
            "   OR (status = 'pending' AND enqueued_at < now() - interval '15 minutes')"
        )
    )
    ids = (
        await session.execute(
            text(
                "SELECT id FROM notifications WHERE status = 'pending' AND enqueued_at IS NULL "
                "AND (not_before IS NULL OR not_before <= now()) ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"n": limit},
        )
    ).scalars().all()
    await schedule(session, list(ids))
    await session.commit()
    return len(ids)
