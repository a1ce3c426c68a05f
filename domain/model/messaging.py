"""Notifications (one row per event and recipient), recipients' preferences, and uploaded files."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, BigId, CreatedAt

NOTIFICATION_STATES = ("pending", "sending", "sent", "muted", "unreachable", "failed")
UPLOAD_STATES = ("queued", "processing", "needs_input", "done", "rejected", "failed")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class StoredFile(Base):
    """A file the product sends (a report, a list of invite codes). Files holding secrets are
    emptied once delivered (``ephemeral``); the row stays for the record."""

    __tablename__ = "files"

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    mime_type: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    ephemeral: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[CreatedAt]


class Notification(Base):
    """What one person is to be told about one event; the unique key makes it once per person."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_key", "recipient_user_id"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'muted', 'unreachable', 'failed')",
                        name="status_known"),
        Index("ix_notifications_due", "not_before", postgresql_where=text("status IN ('pending', 'sending')")),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    event_key: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    buttons: Mapped[list[list[dict[str, str]]] | None] = mapped_column(JSONB)  # an inline keyboard
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    not_before: Mapped[dt.datetime | None]
    enqueued_at: Mapped[dt.datetime | None]
    sending_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    telegram_message_ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]


class NotificationPrefs(Base):
    """A person's choices: kinds they do not want, and quiet hours (local time of the organization)."""

    __tablename__ = "notification_prefs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    muted_kinds: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    quiet_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time)
    updated_at: Mapped[CreatedAt]


class Upload(Base):
    """A file a teacher or admin sent: who, when, what it was, its hash, and what came of it."""

    __tablename__ = "uploads"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "membership_id"], ["memberships.org_id", "memberships.id"]),
        CheckConstraint(
            "status IN ('queued', 'processing', 'needs_input', 'done', 'rejected', 'failed')", name="status_known"
        ),
        CheckConstraint(f"file_size IS NULL OR file_size <= {MAX_UPLOAD_BYTES}", name="size_limit"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="queued")
    file_id: Mapped[str] = mapped_column(Text)
    file_unique_id: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text, server_default="")
    file_size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(Text, server_default="en")
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    rows: Mapped[int | None] = mapped_column(Integer)
    problems: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    finished_at: Mapped[dt.datetime | None]
