"""Operational tables: processed updates (dedupe), the outbox of background jobs, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, BigId, CreatedAt


class ProcessedUpdate(Base):
    """One row per Telegram update handled; a repeat of the same update_id is skipped."""

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    processed_at: Mapped[CreatedAt] = mapped_column(index=True)


class OutboxJob(Base):
    """A background job recorded in the transaction that wants it; the relay hands it to Dramatiq."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "id", postgresql_where=text("done_at IS NULL AND failed_at IS NULL")),
    )

    id: Mapped[BigId]
    queue: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    args: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    dedupe_key: Mapped[str | None] = mapped_column(Text, unique=True)
    not_before: Mapped[dt.datetime | None]
    created_at: Mapped[CreatedAt]
    relayed_at: Mapped[dt.datetime | None]
    relay_epoch: Mapped[str | None] = mapped_column(Text)
    relay_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    done_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class AuditLog(Base):
    """Append-only record of changes; a database trigger refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_org_at", "org_id", "at"),)

    id: Mapped[BigId]
    at: Mapped[CreatedAt]
    org_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(Text, server_default="")
    entity_id: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
