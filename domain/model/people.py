"""People and their places: users, memberships with roles, classes, enrollments, courses, invites.

Rows that link two organization-owned rows carry ``org_id`` and reference ``(org_id, id)`` of both
sides, so the database itself refuses a link across organizations.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, BigId, CreatedAt


class Role(enum.StrEnum):
    STUDENT = "student"
    PARENT = "parent"
    TEACHER = "teacher"
    ADMIN = "admin"


ROLE_TYPE = Enum(
    Role,
    name="role",
    native_enum=False,
    create_constraint=True,
    length=16,
    values_callable=lambda e: [m.value for m in e],
)


class User(Base):
    """A Telegram account that has talked to the bot."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("language IN ('en', 'hi')", name="language_known"),)

    id: Mapped[BigId]
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(Text, server_default="")
    last_name: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), server_default="en")
    language_chosen: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    reachable: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    unreachable_at: Mapped[dt.datetime | None]
    current_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt]


class Membership(Base):
    """A user's role in one organization. A person may hold several."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id", "role"),
        UniqueConstraint("org_id", "id"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    display_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]


class SchoolClass(Base):
    __tablename__ = "classes"
    __table_args__ = (
        UniqueConstraint("org_id", "name"),
        UniqueConstraint("org_id", "id"),
        CheckConstraint("length(name) BETWEEN 1 AND 64", name="name_length"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[CreatedAt]


class Enrollment(Base):
    """A student membership in a class of the same organization."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("class_id", "membership_id"),
        ForeignKeyConstraint(
            ["org_id", "class_id"], ["classes.org_id", "classes.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["org_id", "membership_id"], ["memberships.org_id", "memberships.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(BigInteger)
    membership_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[CreatedAt]


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("org_id", "code"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "class_id"], ["classes.org_id", "classes.id"]),
        CheckConstraint("length(code) BETWEEN 1 AND 32", name="code_length"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    program: Mapped[str | None] = mapped_column(Text)
    class_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[CreatedAt]


class CourseTeacher(Base):
    __tablename__ = "course_teachers"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "course_id"], ["courses.org_id", "courses.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["org_id", "membership_id"], ["memberships.org_id", "memberships.id"], ondelete="CASCADE"
        ),
    )

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    membership_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    created_at: Mapped[CreatedAt]


class Invite(Base):
    """A one-time (or, for a class link, multi-use) code; only its SHA-256 is stored."""

    __tablename__ = "invites"
    __table_args__ = (
        CheckConstraint("uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="uses_within_max"),
        CheckConstraint("role <> 'parent' OR student_id IS NOT NULL", name="parent_invite_has_student"),
        CheckConstraint("role <> 'student' OR class_id IS NOT NULL OR student_id IS NOT NULL",
                        name="student_invite_has_place"),
        ForeignKeyConstraint(["org_id", "class_id"], ["classes.org_id", "classes.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["org_id", "student_id"], ["students.org_id", "students.id"], ondelete="CASCADE"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    class_id: Mapped[int | None] = mapped_column(BigInteger)
    student_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    max_uses: Mapped[int | None] = mapped_column(Integer)  # None: until it expires (a class link)
    uses: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    last_used_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]


class ClassTeacher(Base):
    """A teacher responsible for a class (told about its students, may invite them)."""

    __tablename__ = "class_teachers"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "class_id"], ["classes.org_id", "classes.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(
            ["org_id", "membership_id"], ["memberships.org_id", "memberships.id"], ondelete="CASCADE"
        ),
    )

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    membership_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    created_at: Mapped[CreatedAt]


class Student(Base):
    """A student as the school knows them (roster row), claimed by a Telegram account when they join."""

    __tablename__ = "students"
    __table_args__ = (
        UniqueConstraint("org_id", "usn"),
        UniqueConstraint("org_id", "id"),
        UniqueConstraint("membership_id"),
        ForeignKeyConstraint(["org_id", "class_id"], ["classes.org_id", "classes.id"]),
        ForeignKeyConstraint(["org_id", "membership_id"], ["memberships.org_id", "memberships.id"]),
        CheckConstraint("usn ~ '^[A-Z0-9][A-Z0-9/-]{0,31}$'", name="usn_format"),
        CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    usn: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    class_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    parent_phone: Mapped[str | None] = mapped_column(Text)
    membership_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt]


class ParentLink(Base):
    """A parent membership linked to one student of the same organization."""

    __tablename__ = "parent_links"
    __table_args__ = (
        UniqueConstraint("parent_membership_id", "student_id"),
        ForeignKeyConstraint(
            ["org_id", "parent_membership_id"], ["memberships.org_id", "memberships.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["org_id", "student_id"], ["students.org_id", "students.id"], ondelete="CASCADE"),
    )

    id: Mapped[BigId]
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    parent_membership_id: Mapped[int] = mapped_column(BigInteger)
    student_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[CreatedAt]
