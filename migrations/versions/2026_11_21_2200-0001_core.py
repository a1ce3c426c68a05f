"""Core tables: organizations, people, classes, courses, invites, config, holidays, updates, outbox, audit.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-21 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = sa.Enum(
    "student", "parent", "teacher", "admin", name="role", native_enum=False, create_constraint=True, length=16
)


def _ts(name: str, *, nullable: bool = True, default: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=sa.text("now()") if default else None,
    )


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("timezone", sa.Text(), nullable=False),
        sa.Column("country", sa.String(2), server_default="IN", nullable=False),
        sa.Column("subdivision", sa.Text(), nullable=True),
        sa.Column("work_start", sa.Time(), server_default=sa.text("'09:00'"), nullable=False),
        sa.Column("work_end", sa.Time(), server_default=sa.text("'18:00'"), nullable=False),
        sa.Column(
            "work_days",
            postgresql.ARRAY(sa.SmallInteger()),
            server_default=sa.text("'{1,2,3,4,5,6}'::smallint[]"),
            nullable=False,
        ),
        _ts("created_at", nullable=False, default=True),
        sa.CheckConstraint("work_start < work_end", name=op.f("ck_organizations_work_hours_order")),
        sa.CheckConstraint(
            "work_days <@ ARRAY[1,2,3,4,5,6,7]::smallint[]", name=op.f("ck_organizations_work_days_valid")
        ),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 200", name=op.f("ck_organizations_name_length")),
        sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name=op.f("ck_organizations_country_code")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("name", name=op.f("uq_organizations_name")),
    )
    op.create_table(
        "system_config",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", postgresql.JSONB(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        _ts("updated_at", nullable=False, default=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_system_config_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "key", name=op.f("pk_system_config")),
    )
    op.create_table(
        "holidays",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), server_default="country", nullable=False),
        _ts("created_at", nullable=False, default=True),
        sa.CheckConstraint("source IN ('country', 'admin')", name=op.f("ck_holidays_source_valid")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_holidays_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("org_id", "day", name=op.f("uq_holidays_org_id_day")),
    )
    op.create_index(op.f("ix_holidays_org_id"), "holidays", ["org_id"])

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.Text(), server_default="", nullable=False),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("language", sa.String(8), server_default="en", nullable=False),
        sa.Column("language_chosen", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("reachable", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        _ts("unreachable_at"),
        sa.Column("current_org_id", sa.BigInteger(), nullable=True),
        _ts("created_at", nullable=False, default=True),
        _ts("updated_at", nullable=False, default=True),
        sa.CheckConstraint("language IN ('en', 'hi')", name=op.f("ck_users_language_known")),
        sa.ForeignKeyConstraint(
            ["current_org_id"],
            ["organizations.id"],
            name=op.f("fk_users_current_org_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_users_telegram_id")),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        _ts("created_at", nullable=False, default=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_memberships_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("org_id", "user_id", "role", name=op.f("uq_memberships_org_id_user_id_role")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_memberships_org_id_id")),
    )
    op.create_index(op.f("ix_memberships_org_id"), "memberships", ["org_id"])
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"])

    op.create_table(
        "classes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        _ts("created_at", nullable=False, default=True),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 64", name=op.f("ck_classes_name_length")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_classes_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classes")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_classes_org_id_name")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_classes_org_id_id")),
    )
    op.create_index(op.f("ix_classes_org_id"), "classes", ["org_id"])

    op.create_table(
        "enrollments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("class_id", sa.BigInteger(), nullable=False),
        sa.Column("membership_id", sa.BigInteger(), nullable=False),
        _ts("created_at", nullable=False, default=True),
        sa.ForeignKeyConstraint(
            ["org_id", "class_id"],
            ["classes.org_id", "classes.id"],
            name=op.f("fk_enrollments_org_id_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "membership_id"],
            ["memberships.org_id", "memberships.id"],
            name=op.f("fk_enrollments_org_id_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_enrollments_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint("class_id", "membership_id", name=op.f("uq_enrollments_class_id_membership_id")),
    )
    op.create_index(op.f("ix_enrollments_org_id"), "enrollments", ["org_id"])
    op.create_index(op.f("ix_enrollments_membership_id"), "enrollments", ["membership_id"])

    op.create_table(
        "courses",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("program", sa.Text(), nullable=True),
        sa.Column("class_id", sa.BigInteger(), nullable=True),
        _ts("created_at", nullable=False, default=True),
        sa.CheckConstraint("length(code) BETWEEN 1 AND 32", name=op.f("ck_courses_code_length")),
        sa.ForeignKeyConstraint(
            ["org_id", "class_id"], ["classes.org_id", "classes.id"], name=op.f("fk_courses_org_id_class_id_classes")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_courses_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("org_id", "code", name=op.f("uq_courses_org_id_code")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_courses_org_id_id")),
    )
    op.create_index(op.f("ix_courses_org_id"), "courses", ["org_id"])

    op.create_table(
        "course_teachers",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("membership_id", sa.BigInteger(), nullable=False),
        _ts("created_at", nullable=False, default=True),
        sa.ForeignKeyConstraint(
            ["org_id", "course_id"],
            ["courses.org_id", "courses.id"],
            name=op.f("fk_course_teachers_org_id_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "membership_id"],
            ["memberships.org_id", "memberships.id"],
            name=op.f("fk_course_teachers_org_id_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_course_teachers_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("course_id", "membership_id", name=op.f("pk_course_teachers")),
    )
    op.create_index(op.f("ix_course_teachers_membership_id"), "course_teachers", ["membership_id"])

    op.create_table(
        "invites",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("code_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("class_id", sa.BigInteger(), nullable=True),
        sa.Column("student_membership_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("max_uses", sa.Integer(), server_default=sa.text("1"), nullable=True),
        sa.Column("uses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        _ts("expires_at", nullable=False),
        _ts("revoked_at"),
        _ts("last_used_at"),
        sa.Column("last_used_by_user_id", sa.BigInteger(), nullable=True),
        _ts("created_at", nullable=False, default=True),
        sa.CheckConstraint(
            "uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name=op.f("ck_invites_uses_within_max")
        ),
        sa.CheckConstraint(
            "role <> 'parent' OR student_membership_id IS NOT NULL", name=op.f("ck_invites_parent_bound_to_student")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "class_id"],
            ["classes.org_id", "classes.id"],
            name=op.f("fk_invites_org_id_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "student_membership_id"],
            ["memberships.org_id", "memberships.id"],
            name=op.f("fk_invites_org_id_student_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_invites_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_invites_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_used_by_user_id"],
            ["users.id"],
            name=op.f("fk_invites_last_used_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
    )
    op.create_index(op.f("ix_invites_org_id"), "invites", ["org_id"])

    op.create_table(
        "processed_updates",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        _ts("processed_at", nullable=False, default=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(op.f("ix_processed_updates_processed_at"), "processed_updates", ["processed_at"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("args", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("kwargs", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=True),
        _ts("not_before"),
        _ts("created_at", nullable=False, default=True),
        _ts("relayed_at"),
        sa.Column("relay_epoch", sa.Text(), nullable=True),
        sa.Column("relay_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        _ts("done_at"),
        _ts("failed_at"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index(
        "ix_outbox_pending", "outbox", ["id"], postgresql_where=sa.text("done_at IS NULL AND failed_at IS NULL")
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        _ts("at", nullable=False, default=True),
        sa.Column("org_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity", sa.Text(), server_default="", nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=True),
        sa.Column("data", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_org_at", "audit_log", ["org_id", "at"])
    op.execute(
        """
        CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log rows cannot be changed or deleted (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_immutable()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
    op.execute("DROP FUNCTION audit_log_immutable()")
    op.drop_index("ix_audit_log_org_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_processed_updates_processed_at"), table_name="processed_updates")
    op.drop_table("processed_updates")
    op.drop_index(op.f("ix_invites_org_id"), table_name="invites")
    op.drop_table("invites")
    op.drop_index(op.f("ix_course_teachers_membership_id"), table_name="course_teachers")
    op.drop_table("course_teachers")
    op.drop_index(op.f("ix_courses_org_id"), table_name="courses")
    op.drop_table("courses")
    op.drop_index(op.f("ix_enrollments_membership_id"), table_name="enrollments")
    op.drop_index(op.f("ix_enrollments_org_id"), table_name="enrollments")
    op.drop_table("enrollments")
    op.drop_index(op.f("ix_classes_org_id"), table_name="classes")
    op.drop_table("classes")
    op.drop_index(op.f("ix_memberships_user_id"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_org_id"), table_name="memberships")
    op.drop_table("memberships")
    op.drop_table("users")
    op.drop_index(op.f("ix_holidays_org_id"), table_name="holidays")
    op.drop_table("holidays")
    op.drop_table("system_config")
    op.drop_table("organizations")
