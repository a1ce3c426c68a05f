"""Written answers and their evaluation: the pages a student sends during an attempt, and the
evaluation a teacher does against a deadline counted in working hours.

Pages are kept in PostgreSQL large objects (``answer_pages.content``, an OID), with their SHA-256:
they are written in the same transactions as the rows that point to them, go into the same backups,
and are reachable from every server the deployment grows to — a directory of files would tie them to
one machine's disk. A trigger unlinks a page's large object when its row is deleted or replaced.

An evaluation's deadline and reminder instants are computed once, when it is created (the
organization's calendar, the plan's SLA); the scheduler's SLA sweep compares them with the clock and
records each reminder and the breach in the row itself, so each is sent exactly once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import OID
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, BigId, CreatedAt

PAGE_TYPES = ("image/jpeg", "image/png", "application/pdf")


class AnswerPage(Base):
    """One page of a student's written answers to an attempt, numbered in the order sent."""

    __tablename__ = "answer_pages"
    __table_args__ = (
        UniqueConstraint("attempt_id", "page"),
        CheckConstraint("page >= 1", name="page_positive"),
        CheckConstraint("media_type IN ('image/jpeg', 'image/png', 'application/pdf')", name="media_type_known"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("status IN ('received', 'stored', 'rejected')", name="status_known"),
        CheckConstraint("(status = 'stored') = (content IS NOT NULL AND sha256 IS NOT NULL)", name="stored_complete"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(SmallInteger)
    telegram_file_id: Mapped[str] = mapped_column(Text)
    telegram_file_unique_id: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text, server_default="received")
    content: Mapped[int | None] = mapped_column(OID)
    sha256: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[CreatedAt]
    stored_at: Mapped[dt.datetime | None]


class Evaluation(Base):
    """A submitted attempt's written part, assigned to a teacher with a deadline in working hours."""

    __tablename__ = "evaluations"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "teacher_membership_id"], ["memberships.org_id", "memberships.id"]),
        CheckConstraint("deadline_at >= submitted_at", name="deadline_after_submission"),
        CheckConstraint("remind_first_at <= remind_second_at AND remind_second_at <= deadline_at",
                        name="reminders_in_order"),
        CheckConstraint("sla_seconds > 0", name="sla_positive"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        Index("ix_evaluations_open_deadline", "deadline_at", postgresql_where=text("finished_at IS NULL")),
        Index("ix_evaluations_teacher_open", "teacher_membership_id", postgresql_where=text("finished_at IS NULL")),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), unique=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    teacher_membership_id: Mapped[int | None] = mapped_column(BigInteger)
    sla_seconds: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[dt.datetime]
    deadline_at: Mapped[dt.datetime]
    remind_first_at: Mapped[dt.datetime]
    remind_second_at: Mapped[dt.datetime]
    reminded_first_at: Mapped[dt.datetime | None]
    reminded_second_at: Mapped[dt.datetime | None]
    breached_at: Mapped[dt.datetime | None]
    assigned_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    finished_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))  # the written question shown
    created_at: Mapped[CreatedAt]
