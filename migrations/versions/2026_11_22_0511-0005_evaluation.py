"""Written answers and their evaluation: answer pages (large objects, unlinked by a trigger when their
row goes), evaluations with their working-hours deadline and reminder instants, a teacher's comment on
an answer, and plans' SLA in seconds of working time (was whole hours, 24 or 48).

Revision ID: 0005_evaluation
Revises: 0004_exams
Create Date: 2026-11-22 05:11:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_evaluation"
down_revision: str | None = "0004_exams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A page's large object goes with its row (deleted, or its content replaced): no orphans to vacuum.
UNLINK_FUNCTION = """
CREATE FUNCTION answer_pages_unlink() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.content IS NOT NULL AND (TG_OP = 'DELETE' OR NEW.content IS DISTINCT FROM OLD.content) THEN
        PERFORM lo_unlink(OLD.content);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "answer_pages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("page", sa.SmallInteger(), nullable=False),
        sa.Column("telegram_file_id", sa.Text(), nullable=False),
        sa.Column("telegram_file_unique_id", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), server_default="received", nullable=False),
        sa.Column("content", postgresql.OID(), nullable=True),
        sa.Column("sha256", sa.LargeBinary(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'stored') = (content IS NOT NULL AND sha256 IS NOT NULL)",
            name=op.f("ck_answer_pages_stored_complete"),
        ),
        sa.CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png', 'application/pdf')",
            name=op.f("ck_answer_pages_media_type_known"),
        ),
        sa.CheckConstraint("status IN ('received', 'stored', 'rejected')", name=op.f("ck_answer_pages_status_known")),
        sa.CheckConstraint("page >= 1", name=op.f("ck_answer_pages_page_positive")),
        sa.CheckConstraint("size > 0", name=op.f("ck_answer_pages_size_positive")),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_answer_pages_attempt_id_attempts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_answer_pages_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_pages")),
        sa.UniqueConstraint("attempt_id", "page", name=op.f("uq_answer_pages_attempt_id_page")),
    )
    op.create_index(op.f("ix_answer_pages_attempt_id"), "answer_pages", ["attempt_id"], unique=False)
    op.create_table(
        "evaluations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("exam_id", sa.BigInteger(), nullable=False),
        sa.Column("teacher_membership_id", sa.BigInteger(), nullable=True),
        sa.Column("sla_seconds", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_second_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_first_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_second_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("deadline_at >= submitted_at", name=op.f("ck_evaluations_deadline_after_submission")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_evaluations_position_not_negative")),
        sa.CheckConstraint(
            "remind_first_at <= remind_second_at AND remind_second_at <= deadline_at",
            name=op.f("ck_evaluations_reminders_in_order"),
        ),
        sa.CheckConstraint("sla_seconds > 0", name=op.f("ck_evaluations_sla_positive")),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_evaluations_attempt_id_attempts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exams.id"], name=op.f("fk_evaluations_exam_id_exams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["finished_by_user_id"],
            ["users.id"],
            name=op.f("fk_evaluations_finished_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "teacher_membership_id"],
            ["memberships.org_id", "memberships.id"],
            name=op.f("fk_evaluations_org_id_teacher_membership_id_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_evaluations_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_evaluations_attempt_id")),
    )
    op.create_index(op.f("ix_evaluations_exam_id"), "evaluations", ["exam_id"], unique=False)
    op.create_index(
        "ix_evaluations_open_deadline",
        "evaluations",
        ["deadline_at"],
        unique=False,
        postgresql_where=sa.text("finished_at IS NULL"),
    )
    op.create_index(
        "ix_evaluations_teacher_open",
        "evaluations",
        ["teacher_membership_id"],
        unique=False,
        postgresql_where=sa.text("finished_at IS NULL"),
    )
    op.execute(UNLINK_FUNCTION)
    op.execute(
        "CREATE TRIGGER answer_pages_unlink AFTER UPDATE OF content OR DELETE ON answer_pages "
        "FOR EACH ROW EXECUTE FUNCTION answer_pages_unlink()"
    )
    op.add_column("attempt_answers", sa.Column("comment", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_attempt_answers_comment_length"), "attempt_answers", "comment IS NULL OR length(comment) <= 500"
    )
    op.add_column("plans", sa.Column("sla_seconds", sa.Integer(), nullable=True))
    op.execute("UPDATE plans SET sla_seconds = sla_hours * 3600")
    op.alter_column("plans", "sla_seconds", nullable=False)
    op.create_check_constraint(op.f("ck_plans_sla_positive"), "plans", "sla_seconds > 0")
    op.drop_column("plans", "sla_hours")


def downgrade() -> None:
    op.add_column("plans", sa.Column("sla_hours", sa.SmallInteger(), nullable=True))
    # back to whole hours: 24 or 48, whichever is nearer
    op.execute("UPDATE plans SET sla_hours = CASE WHEN sla_seconds <= 36 * 3600 THEN 24 ELSE 48 END")
    op.alter_column("plans", "sla_hours", nullable=False)
    op.create_check_constraint(op.f("ck_plans_sla_hours_known"), "plans", "sla_hours IN (24, 48)")
    op.drop_column("plans", "sla_seconds")
    op.drop_column("attempt_answers", "comment")
    op.execute("DROP TRIGGER IF EXISTS answer_pages_unlink ON answer_pages")
    op.execute("SELECT lo_unlink(content) FROM answer_pages WHERE content IS NOT NULL")
    op.execute("DROP FUNCTION IF EXISTS answer_pages_unlink()")
    op.drop_index(
        "ix_evaluations_teacher_open", table_name="evaluations", postgresql_where=sa.text("finished_at IS NULL")
    )
    op.drop_index(
        "ix_evaluations_open_deadline", table_name="evaluations", postgresql_where=sa.text("finished_at IS NULL")
    )
    op.drop_index(op.f("ix_evaluations_exam_id"), table_name="evaluations")
    op.drop_table("evaluations")
    op.drop_index(op.f("ix_answer_pages_attempt_id"), table_name="answer_pages")
    op.drop_table("answer_pages")
