"""Organizations (schools), their calendar settings, system configuration and holidays."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, BigId, CreatedAt

DEFAULT_WORK_DAYS = (1, 2, 3, 4, 5, 6)  # ISO weekdays: Monday … Saturday


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("work_start < work_end", name="work_hours_order"),
        CheckConstraint("work_days <@ ARRAY[1,2,3,4,5,6,7]::smallint[]", name="work_days_valid"),
        CheckConstraint("length(name) BETWEEN 1 AND 200", name="name_length"),
        CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_code"),
    )

    id: Mapped[BigId]
    name: Mapped[str] = mapped_column(Text, unique=True)
    timezone: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2), server_default="IN")
    subdivision: Mapped[str | None] = mapped_column(Text)
    work_start: Mapped[dt.time] = mapped_column(Time, server_default=text("'09:00'"))
    work_end: Mapped[dt.time] = mapped_column(Time, server_default=text("'18:00'"))
    work_days: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), server_default=text("'{1,2,3,4,5,6}'::smallint[]")
    )
    created_at: Mapped[CreatedAt]


class SystemConfig(Base):
    """Per-organization settings (grace period, upload limits, leaderboard size…) as JSON values."""

    __tablename__ = "system_config"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    description: Mapped[str] = mapped_column(Text, server_default="")
    updated_at: Mapped[CreatedAt]


class Holiday(Base):
    __tablename__ = "holidays"
    __table_args__ = (
        UniqueConstraint("org_id", "day"),
        CheckConstraint("source IN ('country', 'admin')", name="source_valid"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, server_default="country")
    created_at: Mapped[CreatedAt]
