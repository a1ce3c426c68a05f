"""Outcome-based education: program outcomes, course outcomes with their mapping (versioned), assessments,
their items (questions with a maximum and a CO), row-based marks, exit surveys, and cached attainment.

Marks carry their item's maximum, and the database checks the pair against the item, so it refuses a
mark above the maximum itself.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, BigId, CreatedAt

MARKS = Numeric(7, 2)


class ProgramOutcome(Base):
    """PO1–PO12 (NBA graduate attributes, seeded per organization) and each program's PSOs."""

    __tablename__ = "program_outcomes"
    __table_args__ = (
        UniqueConstraint("org_id", "program", "code"),
        CheckConstraint("kind IN ('PO', 'PSO')", name="kind_known"),
        CheckConstraint("(kind = 'PO') = (program = '')", name="pso_has_program"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(Text)
    program: Mapped[str] = mapped_column(Text, server_default="")  # '' for POs
    code: Mapped[str] = mapped_column(Text)  # PO1 … PO12, PSO1 …
    name: Mapped[str] = mapped_column(Text, server_default="")
    position: Mapped[int] = mapped_column(SmallInteger)


class OutcomeSet(Base):
    """One version of a course's outcomes and their mapping; the newest version is the one in force."""

    __tablename__ = "outcome_sets"
    __table_args__ = (
        UniqueConstraint("course_id", "version"),
        ForeignKeyConstraint(["org_id", "course_id"], ["courses.org_id", "courses.id"], ondelete="CASCADE"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(BigInteger, index=True)
    version: Mapped[int] = mapped_column(Integer)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]


class CourseOutcome(Base):
    __tablename__ = "course_outcomes"
    __table_args__ = (
        UniqueConstraint("set_id", "code"),
        CheckConstraint("bloom BETWEEN 1 AND 6", name="bloom_level"),
        CheckConstraint("code ~ '^CO[0-9]{1,2}$'", name="code_format"),
    )

    id: Mapped[BigId]
    set_id: Mapped[int] = mapped_column(ForeignKey("outcome_sets.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    bloom: Mapped[int] = mapped_column(SmallInteger)
    position: Mapped[int] = mapped_column(SmallInteger)


class CoPo(Base):
    """How strongly (1–3) a course outcome supports a program outcome."""

    __tablename__ = "co_po"
    __table_args__ = (CheckConstraint("weight BETWEEN 1 AND 3", name="weight_range"),)

    co_id: Mapped[int] = mapped_column(ForeignKey("course_outcomes.id", ondelete="CASCADE"), primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("program_outcomes.id", ondelete="CASCADE"), primary_key=True)
    weight: Mapped[int] = mapped_column(SmallInteger)


class Assessment(Base):
    """An internal assessment (CIE) or the end-semester exam (SEE) of a course."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("course_id", "name"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "course_id"], ["courses.org_id", "courses.id"], ondelete="CASCADE"),
        CheckConstraint("component IN ('CIE', 'SEE')", name="component_known"),
        CheckConstraint("length(name) BETWEEN 1 AND 64", name="name_length"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(Text)
    component: Mapped[str] = mapped_column(Text)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[CreatedAt]


class AssessmentItem(Base):
    """A question column of a marks sheet: its label, maximum and course outcome."""

    __tablename__ = "assessment_items"
    __table_args__ = (
        UniqueConstraint("assessment_id", "label"),
        UniqueConstraint("id", "max_marks"),
        CheckConstraint("max_marks > 0", name="max_positive"),
        CheckConstraint("co_code ~ '^CO[0-9]{1,2}$'", name="co_format"),
    )

    id: Mapped[BigId]
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(Text)
    max_marks: Mapped[Decimal] = mapped_column(MARKS)
    co_code: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(SmallInteger)


class Mark(Base):
    """One student's marks on one item; NULL marks with ``absent`` true mean absent (not zero).

    Each mark carries its item's maximum; a trigger checks it equals the item's, so the CHECK below
    holds against the real maximum."""

    __tablename__ = "marks"
    __table_args__ = (
        CheckConstraint("absent = (marks IS NULL)", name="absent_means_no_marks"),
        CheckConstraint("marks >= 0 AND marks <= max_marks", name="within_max"),
    )

    # references checked per statement by triggers (see the migration): a batch of 200,000 marks is
    # checked with one join instead of 400,000 key look-ups. The key is the one index: a course's marks
    # (attainment, publishing, replacing) and one student's marks in a course (/progress) are prefixes
    # of it, and every further index would slow each COPY.
    course_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    student_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(BigInteger)
    marks: Mapped[Decimal | None] = mapped_column(MARKS)
    max_marks: Mapped[Decimal] = mapped_column(MARKS)
    absent: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    upload_id: Mapped[int | None] = mapped_column(BigInteger)


class Survey(Base):
    """A course exit survey: students rate each course outcome 1–3 (the indirect attainment)."""

    __tablename__ = "surveys"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "course_id"], ["courses.org_id", "courses.id"], ondelete="CASCADE"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(BigInteger, index=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("outcome_sets.id", ondelete="CASCADE"))
    opened_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[CreatedAt]
    closed_at: Mapped[dt.datetime | None]


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 3", name="rating_range"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    co_code: Mapped[str] = mapped_column(Text, primary_key=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    answered_at: Mapped[CreatedAt]


class AttainmentCache(Base):
    """The last computed attainment of a course (recomputed by a worker when its inputs change)."""

    __tablename__ = "attainment_cache"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[CreatedAt]
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
