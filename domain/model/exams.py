"""Exams: subscription plans, the question bank (versioned), exams, attempts with their frozen paper,
answers as they are pressed, and practice polls.

An attempt's ``paper`` is a JSONB snapshot of its questions taken when it starts: editing the bank
later never changes an attempt in progress or its score. The timer lives here too: ``submit_due_at``
(the end of the duration plus the grace period) is what the scheduler's auto-submit sweep reads.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, BigId, CreatedAt
from domain.model.obe import MARKS

EXAM_KINDS = ("fixed", "blueprint", "adaptive", "practice")
QUESTION_KINDS = ("MCQ", "TF", "NUM", "VSA", "SA", "LA")


class Plan(Base):
    """A subscription plan of an organization: exams a month, exam kinds, leaderboard, and the SLA of its
    written answers' evaluation (working time, in seconds: 24 or 48 hours as seeded)."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("org_id", "name"),
        CheckConstraint("sla_seconds > 0", name="sla_positive"),
        CheckConstraint("exams_per_month IS NULL OR exams_per_month >= 0", name="quota_not_negative"),
        CheckConstraint("kinds <@ ARRAY['fixed','blueprint','adaptive','practice']::text[]", name="kinds_known"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    exams_per_month: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    kinds: Mapped[list[str]] = mapped_column(ARRAY(Text))
    written: Mapped[bool] = mapped_column(Boolean)  # exams with a written part
    leaderboard: Mapped[bool] = mapped_column(Boolean)
    sla_seconds: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(SmallInteger)


class Subscription(Base):
    """A student's plan from ``starts_at``; at most one is open (``ends_at`` NULL) per student."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "student_id"], ["students.org_id", "students.id"], ondelete="CASCADE"),
        CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
        Index("uq_subscriptions_one_open", "student_id", unique=True, postgresql_where=text("ends_at IS NULL")),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(BigInteger, index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    starts_at: Mapped[CreatedAt]
    ends_at: Mapped[dt.datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Question(Base):
    """One version of a bank question. ``ref`` is the teacher's ID; the newest version is ``current``."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("course_id", "ref", "version"),
        ForeignKeyConstraint(["org_id", "course_id"], ["courses.org_id", "courses.id"], ondelete="CASCADE"),
        Index("uq_questions_current_ref", "course_id", "ref", unique=True, postgresql_where=text("current")),
        CheckConstraint("kind IN ('MCQ', 'TF', 'NUM', 'VSA', 'SA', 'LA')", name="kind_known"),
        CheckConstraint("marks > 0", name="marks_positive"),
        CheckConstraint("kind <> 'VSA' OR marks = 2", name="vsa_marks"),
        CheckConstraint("kind <> 'SA' OR marks = 3", name="sa_marks"),
        CheckConstraint("kind <> 'LA' OR marks IN (5, 6)", name="la_marks"),
        CheckConstraint("kind <> 'MCQ' OR (jsonb_array_length(options) >= 2 AND cardinality(correct) >= 1)",
                        name="mcq_has_options_and_key"),
        CheckConstraint("kind <> 'TF' OR correct IN ('{0}', '{1}')", name="tf_key"),
        CheckConstraint("kind <> 'NUM' OR value IS NOT NULL", name="num_has_value"),
        CheckConstraint("tolerance >= 0", name="tolerance_not_negative"),
        CheckConstraint("bloom IS NULL OR bloom BETWEEN 1 AND 6", name="bloom_level"),
        CheckConstraint("difficulty IS NULL OR difficulty BETWEEN 0 AND 1", name="difficulty_range"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(BigInteger, index=True)
    ref: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    kind: Mapped[str] = mapped_column(Text)
    stem: Mapped[str] = mapped_column(Text)  # the question itself
    options: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    correct: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), server_default=text("'{}'::smallint[]"))
    value: Mapped[Decimal | None] = mapped_column(Numeric)
    tolerance: Mapped[Decimal] = mapped_column(Numeric, server_default=text("0"))
    model_answer: Mapped[str] = mapped_column(Text, server_default="")
    marks: Mapped[Decimal] = mapped_column(MARKS)
    co_code: Mapped[str | None] = mapped_column(Text)
    bloom: Mapped[int | None] = mapped_column(SmallInteger)
    topic: Mapped[str] = mapped_column(Text, server_default="")
    concept: Mapped[str] = mapped_column(Text, server_default="")
    difficulty: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    irt_a: Mapped[float | None] = mapped_column(Float)
    irt_b: Mapped[float | None] = mapped_column(Float)
    irt_c: Mapped[float | None] = mapped_column(Float)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]


class Exam(Base):
    """An exam of a course: its window, duration, rules, and the classes it is for."""

    __tablename__ = "exams"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "course_id"], ["courses.org_id", "courses.id"], ondelete="CASCADE"),
        CheckConstraint("kind IN ('fixed', 'blueprint', 'adaptive')", name="kind_known"),
        CheckConstraint("closes_at > opens_at", name="window_order"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 600", name="duration_range"),
        CheckConstraint("negative >= 0 AND negative <= 1", name="negative_fraction"),
        CheckConstraint("length(title) BETWEEN 1 AND 120", name="title_length"),
        CheckConstraint("kind <> 'blueprint' OR blueprint IS NOT NULL", name="blueprint_has_rules"),
        Index("ix_exams_unannounced", "opens_at", postgresql_where=text("announced_at IS NULL")),
        Index("ix_exams_unclosed", "closes_at", postgresql_where=text("closed_at IS NULL")),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(BigInteger, index=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    opens_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    negative: Mapped[Decimal] = mapped_column(Numeric(3, 2), server_default=text("0"))
    partial: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    shuffle_options: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    written: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    review_after_close: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    refs: Mapped[list[str] | None] = mapped_column(JSONB)  # fixed: the question IDs in order
    blueprint: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)  # blueprint: its rules
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]
    announced_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    summary_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the teacher's live summary message
    summary_message_id: Mapped[int | None] = mapped_column(BigInteger)
    summary_language: Mapped[str | None] = mapped_column(Text)


class ExamClass(Base):
    __tablename__ = "exam_classes"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "exam_id"], ["exams.org_id", "exams.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["org_id", "class_id"], ["classes.org_id", "classes.id"], ondelete="CASCADE"),
    )

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    exam_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    class_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)


class Attempt(Base):
    """A student's one attempt at an exam, with the paper frozen when it started."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("exam_id", "student_id"),
        ForeignKeyConstraint(["org_id", "exam_id"], ["exams.org_id", "exams.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["org_id", "student_id"], ["students.org_id", "students.id"], ondelete="CASCADE"),
        CheckConstraint("submitted_at IS NULL OR submitted_at >= started_at", name="submitted_after_start"),
        CheckConstraint("submitted_how IS NULL OR submitted_how IN ('student', 'timer')", name="how_known"),
        CheckConstraint("(submitted_at IS NULL) = (submitted_how IS NULL)", name="submission_complete"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= max_score)", name="score_within_max"),
        CheckConstraint("percentage IS NULL OR percentage BETWEEN 0 AND 100", name="percentage_range"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        Index("ix_attempts_due", "submit_due_at", postgresql_where=text("submitted_at IS NULL")),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    exam_id: Mapped[int] = mapped_column(BigInteger, index=True)
    student_id: Mapped[int] = mapped_column(BigInteger, index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    paper: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    position: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    started_at: Mapped[CreatedAt]
    deadline_at: Mapped[dt.datetime]  # the end of the duration (never after the window closes)
    submit_due_at: Mapped[dt.datetime]  # the deadline plus the grace period: the scheduler submits then
    submitted_at: Mapped[dt.datetime | None]
    submitted_how: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[dt.datetime | None]
    score: Mapped[Decimal | None] = mapped_column(MARKS)
    max_score: Mapped[Decimal | None] = mapped_column(MARKS)
    percentage: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class AttemptAnswer(Base):
    """The student's answer to one question of an attempt (``position`` in its paper), kept as pressed."""

    __tablename__ = "attempt_answers"
    __table_args__ = (
        CheckConstraint("confidence IS NULL OR confidence IN ('sure', 'unsure')", name="confidence_known"),
        CheckConstraint("marks IS NULL OR marks <= max_marks", name="marks_within_max"),
        CheckConstraint("comment IS NULL OR length(comment) <= 500", name="comment_length"),
    )

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    chosen: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))  # option indices of the bank's order
    number: Mapped[Decimal | None] = mapped_column(Numeric)
    confidence: Mapped[str | None] = mapped_column(Text)
    flagged: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    changes: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    first_seen_at: Mapped[CreatedAt]
    answered_at: Mapped[dt.datetime | None]
    marks: Mapped[Decimal | None] = mapped_column(MARKS)
    max_marks: Mapped[Decimal | None] = mapped_column(MARKS)
    status: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)  # the teacher's, on a written answer


class PracticePoll(Base):
    """A practice question sent as a Telegram quiz poll, and the student's answer (never graded)."""

    __tablename__ = "practice_polls"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "student_id"], ["students.org_id", "students.id"], ondelete="CASCADE"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(BigInteger, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    poll_id: Mapped[str | None] = mapped_column(Text, unique=True)
    option_order: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))  # poll option i is bank option order[i]
    round: Mapped[int] = mapped_column(SmallInteger)  # position in the practice session (1-based)
    session_size: Mapped[int] = mapped_column(SmallInteger)
    sent_at: Mapped[CreatedAt]
    answered_at: Mapped[dt.datetime | None]
    chosen: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))
    correct: Mapped[bool | None] = mapped_column(Boolean)
    seconds: Mapped[float | None] = mapped_column(Float)


class LeaderboardOptOut(Base):
    """A student who asked to appear anonymised on leaderboards."""

    __tablename__ = "leaderboard_opt_outs"

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[CreatedAt]
