"""People: students (roster rows) and parent links, class teachers, notifications, preferences, uploads.

Invites now point at a student record (a personal student link or a parent code) instead of a
membership, because a student exists on the roster before joining. Two triggers keep a person from
being linked as their own parent, whichever of the two links comes first.

Revision ID: 0002_people
Revises: 0001_core
Create Date: 2026-11-21 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_people"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARENT_LINK_NOT_SELF = """
CREATE FUNCTION parent_link_not_self() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_user bigint;
    student_user bigint;
BEGIN
    SELECT user_id INTO parent_user FROM memberships WHERE id = NEW.parent_membership_id;
    SELECT m.user_id INTO student_user
      FROM students s JOIN memberships m ON m.id = s.membership_id
     WHERE s.id = NEW.student_id;
    IF student_user IS NOT NULL AND student_user = parent_user THEN
        RAISE EXCEPTION 'a student cannot be linked as their own parent' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

STUDENT_CLAIM_NOT_PARENT = """
CREATE FUNCTION student_claim_not_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.membership_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM parent_links pl
          JOIN memberships pm ON pm.id = pl.parent_membership_id
          JOIN memberships sm ON sm.id = NEW.membership_id
         WHERE pl.student_id = NEW.id AND pm.user_id = sm.user_id
    ) THEN
        RAISE EXCEPTION 'a student cannot be linked as their own parent' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "notification_prefs",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("muted_kinds", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_prefs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_prefs")),
    )
    op.create_table(
        "files",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mime_type", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("ephemeral", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_files_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
    )
    op.create_index(op.f("ix_files_org_id"), "files", ["org_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("event_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("recipient_user_id", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("file_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("telegram_message_ids", postgresql.ARRAY(sa.BigInteger()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'muted', 'unreachable', 'failed')",
            name=op.f("ck_notifications_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_notifications_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_notifications_file_id_files"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"],
            ["users.id"],
            name=op.f("fk_notifications_recipient_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "event_key", "recipient_user_id", name=op.f("uq_notifications_event_key_recipient_user_id")
        ),
    )
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["not_before"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_index(op.f("ix_notifications_org_id"), "notifications", ["org_id"], unique=False)
    op.create_index(op.f("ix_notifications_recipient_user_id"), "notifications", ["recipient_user_id"], unique=False)
    op.create_table(
        "class_teachers",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("class_id", sa.BigInteger(), nullable=False),
        sa.Column("membership_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "class_id"],
            ["classes.org_id", "classes.id"],
            name=op.f("fk_class_teachers_org_id_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "membership_id"],
            ["memberships.org_id", "memberships.id"],
            name=op.f("fk_class_teachers_org_id_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_class_teachers_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("class_id", "membership_id", name=op.f("pk_class_teachers")),
    )
    op.create_index(op.f("ix_class_teachers_membership_id"), "class_teachers", ["membership_id"], unique=False)
    op.create_table(
        "students",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("usn", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("class_id", sa.BigInteger(), nullable=True),
        sa.Column("parent_phone", sa.Text(), nullable=True),
        sa.Column("membership_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("usn ~ '^[A-Z0-9][A-Z0-9/-]{0,31}$'", name=op.f("ck_students_usn_format")),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name=op.f("ck_students_name_length")),
        sa.ForeignKeyConstraint(
            ["org_id", "class_id"], ["classes.org_id", "classes.id"], name=op.f("fk_students_org_id_class_id_classes")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "membership_id"],
            ["memberships.org_id", "memberships.id"],
            name=op.f("fk_students_org_id_membership_id_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_students_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
        sa.UniqueConstraint("membership_id", name=op.f("uq_students_membership_id")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_students_org_id_id")),
        sa.UniqueConstraint("org_id", "usn", name=op.f("uq_students_org_id_usn")),
    )
    op.create_index(op.f("ix_students_class_id"), "students", ["class_id"], unique=False)
    op.create_index(op.f("ix_students_org_id"), "students", ["org_id"], unique=False)
    op.create_table(
        "uploads",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("membership_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="queued", nullable=False),
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("file_unique_id", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), server_default="", nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.LargeBinary(length=32), nullable=True),
        sa.Column("params", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.Text(), server_default="en", nullable=False),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("problems", sa.Integer(), nullable=True),
        sa.Column("summary", postgresql.JSONB(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'processing', 'needs_input', 'done', 'rejected', 'failed')",
            name=op.f("ck_uploads_status_known"),
        ),
        sa.CheckConstraint("file_size IS NULL OR file_size <= 20971520", name=op.f("ck_uploads_size_limit")),
        sa.ForeignKeyConstraint(
            ["org_id", "membership_id"],
            ["memberships.org_id", "memberships.id"],
            name=op.f("fk_uploads_org_id_membership_id_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_uploads_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    op.create_index(op.f("ix_uploads_membership_id"), "uploads", ["membership_id"], unique=False)
    op.create_index(op.f("ix_uploads_org_id"), "uploads", ["org_id"], unique=False)
    op.create_table(
        "parent_links",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_membership_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "parent_membership_id"],
            ["memberships.org_id", "memberships.id"],
            name=op.f("fk_parent_links_org_id_parent_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "student_id"],
            ["students.org_id", "students.id"],
            name=op.f("fk_parent_links_org_id_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_parent_links_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_links")),
        sa.UniqueConstraint(
            "parent_membership_id", "student_id", name=op.f("uq_parent_links_parent_membership_id_student_id")
        ),
    )
    op.create_index(op.f("ix_parent_links_org_id"), "parent_links", ["org_id"], unique=False)
    op.create_index(op.f("ix_parent_links_student_id"), "parent_links", ["student_id"], unique=False)
    op.add_column("invites", sa.Column("student_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_invites_student_id"), "invites", ["student_id"], unique=False)
    op.drop_constraint(op.f("fk_invites_org_id_student_membership_id_memberships"), "invites", type_="foreignkey")
    op.create_foreign_key(
        op.f("fk_invites_org_id_student_id_students"),
        "invites",
        "students",
        ["org_id", "student_id"],
        ["org_id", "id"],
        ondelete="CASCADE",
    )
    op.drop_constraint(op.f("ck_invites_parent_bound_to_student"), "invites", type_="check")
    op.drop_column("invites", "student_membership_id")
    op.create_check_constraint(
        op.f("ck_invites_parent_invite_has_student"), "invites", "role <> 'parent' OR student_id IS NOT NULL"
    )
    op.create_check_constraint(
        op.f("ck_invites_student_invite_has_place"),
        "invites",
        "role <> 'student' OR class_id IS NOT NULL OR student_id IS NOT NULL",
    )
    op.alter_column("invites", "max_uses", server_default=None)
    op.execute(PARENT_LINK_NOT_SELF)
    op.execute(STUDENT_CLAIM_NOT_PARENT)
    op.execute(
        "CREATE TRIGGER parent_links_not_self BEFORE INSERT OR UPDATE ON parent_links "
        "FOR EACH ROW EXECUTE FUNCTION parent_link_not_self()"
    )
    op.execute(
        "CREATE TRIGGER students_claim_not_parent BEFORE UPDATE OF membership_id ON students "
        "FOR EACH ROW EXECUTE FUNCTION student_claim_not_parent()"
    )


def downgrade() -> None:
    op.alter_column("invites", "max_uses", server_default=sa.text("1"))
    op.execute("DROP TRIGGER students_claim_not_parent ON students")
    op.execute("DROP TRIGGER parent_links_not_self ON parent_links")
    op.execute("DROP FUNCTION student_claim_not_parent()")
    op.execute("DROP FUNCTION parent_link_not_self()")
    op.drop_constraint(op.f("ck_invites_student_invite_has_place"), "invites", type_="check")
    op.drop_constraint(op.f("ck_invites_parent_invite_has_student"), "invites", type_="check")
    op.add_column("invites", sa.Column("student_membership_id", sa.BigInteger(), nullable=True))
    op.execute("DELETE FROM invites WHERE role = 'parent' OR student_id IS NOT NULL")
    op.create_check_constraint(
        op.f("ck_invites_parent_bound_to_student"), "invites", "role <> 'parent' OR student_membership_id IS NOT NULL"
    )
    op.drop_constraint(op.f("fk_invites_org_id_student_id_students"), "invites", type_="foreignkey")
    op.create_foreign_key(
        op.f("fk_invites_org_id_student_membership_id_memberships"),
        "invites",
        "memberships",
        ["org_id", "student_membership_id"],
        ["org_id", "id"],
        ondelete="CASCADE",
    )
    op.drop_index(op.f("ix_invites_student_id"), table_name="invites")
    op.drop_column("invites", "student_id")
    op.drop_index(op.f("ix_parent_links_student_id"), table_name="parent_links")
    op.drop_index(op.f("ix_parent_links_org_id"), table_name="parent_links")
    op.drop_table("parent_links")
    op.drop_index(op.f("ix_uploads_org_id"), table_name="uploads")
    op.drop_index(op.f("ix_uploads_membership_id"), table_name="uploads")
    op.drop_table("uploads")
    op.drop_index(op.f("ix_students_org_id"), table_name="students")
    op.drop_index(op.f("ix_students_class_id"), table_name="students")
    op.drop_table("students")
    op.drop_index(op.f("ix_class_teachers_membership_id"), table_name="class_teachers")
    op.drop_table("class_teachers")
    op.drop_index(op.f("ix_notifications_recipient_user_id"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_org_id"), table_name="notifications")
    op.drop_index(
        "ix_notifications_due", table_name="notifications", postgresql_where=sa.text("status IN ('pending', 'sending')")
    )
    op.drop_table("notifications")
    op.drop_index(op.f("ix_files_org_id"), table_name="files")
    op.drop_table("files")
    op.drop_table("notification_prefs")
