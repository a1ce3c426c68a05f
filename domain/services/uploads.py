"""Files sent to the bot: recorded (who, when, name, size, later hash and outcome) and queued for a worker."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from domain.errors import N_, Invalid, NotFound
from domain.model.base import utcnow
from domain.model.messaging import MAX_UPLOAD_BYTES, Upload
from domain.model.people import Role
from domain.outbox import enqueue
from domain.params import parse_args

QUEUE = "ingest"


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


async def receive(
    session: AsyncSession,
    actor: Actor,
    *,
    file_id: str,
    file_unique_id: str | None,
    file_name: str,
    file_size: int | None,
    chat_id: int,
    caption: str | None,
    language: str,
    progress_message_id: int | None,
) -> int:
    """Record a teacher's file and queue it; refuses at once what can be refused without reading it."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    if file_size is not None and file_size > MAX_UPLOAD_BYTES:
        raise Invalid(N_("{name} is {size} MB; files up to 20 MB are accepted. Split it, or remove unused sheets."),
                      name=file_name, size=megabytes(file_size))
    params = parse_args(caption).named
    upload = Upload(org_id=me.org_id, membership_id=me.membership_id, file_id=file_id, file_unique_id=file_unique_id,
                    file_name=file_name[:255], file_size=file_size, params=params, chat_id=chat_id,
                    language=language, progress_message_id=progress_message_id, kind=params.get("kind"))
    session.add(upload)
    await session.flush()
    await enqueue(session, "process_upload", upload.id, queue=QUEUE)
    await audit.record(session, "upload.received", org_id=me.org_id, actor_user_id=actor.user_id, entity="upload",
                       entity_id=upload.id, file=file_name, size=file_size)
    await session.commit()
    return upload.id


async def start(session: AsyncSession, upload_id: int) -> Upload | None:
    """Take a queued upload for processing (in the job's transaction); None if it is finished already."""
    upload = await session.scalar(select(Upload).where(Upload.id == upload_id).with_for_update())
    if upload is None or upload.status not in ("queued", "processing"):
        return None
    upload.status = "processing"
    return upload


def fingerprint(upload: Upload, data: bytes) -> None:
    upload.sha256 = hashlib.sha256(data).digest()
    upload.file_size = len(data)


async def finish(
    session: AsyncSession,
    upload: Upload,
    *,
    status: str,
    rows: int | None = None,
    problems: int | None = None,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    upload.status = status
    upload.rows, upload.problems, upload.summary, upload.error = rows, problems, summary, error
    upload.finished_at = utcnow()
    await audit.record(session, "upload.processed", org_id=upload.org_id, actor_user_id=None, entity="upload",
                       entity_id=upload.id, kind=upload.kind, status=status, rows=rows, problems=problems,
                       sha256=upload.sha256.hex() if upload.sha256 else None)


async def own_waiting_upload(session: AsyncSession, actor: Actor, upload_id: int) -> Upload:
    """An upload of this person, in this organization, that waits for their answer (ids are checked)."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    upload = await session.scalar(select(Upload).where(
        Upload.id == upload_id, Upload.org_id == me.org_id, Upload.membership_id == me.membership_id
    ).with_for_update())
    if upload is None:
        raise NotFound(N_("That file is not one you sent here."))
    if upload.status != "needs_input":
        raise Invalid(N_("That file has already been dealt with."))
    return upload


async def waiting_for_text(session: AsyncSession, actor: Actor, keys: list[str]) -> Upload | None:
    """This person's newest file that waits for an answer that can be typed."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    return await session.scalar(select(Upload).where(
        Upload.org_id == me.org_id, Upload.membership_id == me.membership_id, Upload.status == "needs_input",
        Upload.params["_awaiting"].astext.in_(keys)).order_by(Upload.id.desc()).limit(1))


async def answer_question(session: AsyncSession, actor: Actor, upload_id: int, key: str, value: str) -> Upload:
    """The uploader answers what the worker asked about a file (which class…); the file is processed again."""
    upload = await own_waiting_upload(session, actor, upload_id)
    params = {k: v for k, v in upload.params.items() if k != "_awaiting"}
    await session.execute(update(Upload).where(Upload.id == upload.id).values(
        params={**params, key: value}, status="queued"))
    await enqueue(session, "process_upload", upload.id, queue=QUEUE, dedupe_key=f"upload:{upload.id}:{key}:{value}")
    await session.commit()
    return upload
