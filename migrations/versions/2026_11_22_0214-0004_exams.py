"""Exams: subscription plans (seeded for every organization), subscriptions, the versioned question
bank, exams with their classes, attempts with frozen papers and answers, practice polls, leaderboard
opt-outs.

Revision ID: 0004_exams
Revises: 0003_obe
Create Date: 2026-11-22 02:14:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_exams"
down_revision: str | None = "0003_obe"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The four plans every organization starts with (the same values as domain.services.plans.SEEDED).
SEED_PLANS = """
    INSERT INTO plans (org_id, name, exams_per_month, kinds, written, leaderboard, sla_hours, position)
    SELECT o.id, p.name, p.quota, p.kinds, p.written, p.leaderboard, p.sla, p.position
      FROM organizations o CROSS JOIN (VALUES
        ('Basic', 5, ARRAY['fixed', 'blueprint', 'practice'], true, false, 48, 1),
        ('Premium MCQ', 15, ARRAY['fixed', 'blueprint', 'practice'], false, false, 48, 2),
        ('Premium', 50, ARRAY['fixed', 'blueprint', 'adaptive', 'practice'], true, true, 48, 3),
        ('Centum', 50, ARRAY['fixed', 'blueprint', 'adaptive', 'practice'], true, true, 24, 4)
      ) AS p(name, quota, kinds, written, leaderboard, sla, position)
    ON CONFLICT DO NOTHING
"""


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("exams_per_month", sa.Integer(), nullable=True),
        sa.Column("kinds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("written", sa.Boolean(), nullable=False),
        sa.Column("leaderboard", sa.Boolean(), nullable=False),
        sa.Column("sla_hours", sa.SmallInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "kinds <@ ARRAY['fixed','blueprint','adaptive','practice']::text[]", name=op.f("ck_plans_kinds_known")
        ),
        sa.CheckConstraint("exams_per_month IS NULL OR exams_per_month >= 0", name=op.f("ck_plans_quota_not_negative")),
        sa.CheckConstraint("sla_hours IN (24, 48)", name=op.f("ck_plans_sla_hours_known")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_plans_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_plans_org_id_name")),
    )
    op.create_index(op.f("ix_plans_org_id"), "plans", ["org_id"], unique=False)
    op.create_table(
        "exams",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Numeric(precision=3, scale=2), server_default=sa.text("0"), nullable=False),
        sa.Column("partial", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("shuffle_questions", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("written", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("review_after_close", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("refs", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("blueprint", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("summary_message_id", sa.BigInteger(), nullable=True),
        sa.Column("summary_language", sa.Text(), nullable=True),
        sa.CheckConstraint("kind <> 'blueprint' OR blueprint IS NOT NULL", name=op.f("ck_exams_blueprint_has_rules")),
        sa.CheckConstraint("kind IN ('fixed', 'blueprint', 'adaptive')", name=op.f("ck_exams_kind_known")),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_exams_window_order")),
        sa.CheckConstraint("duration_minutes BETWEEN 1 AND 600", name=op.f("ck_exams_duration_range")),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 120", name=op.f("ck_exams_title_length")),
        sa.CheckConstraint("negative >= 0 AND negative <= 1", name=op.f("ck_exams_negative_fraction")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_exams_created_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "course_id"],
            ["courses.org_id", "courses.id"],
            name=op.f("fk_exams_org_id_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_exams_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exams")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_exams_org_id_id")),
    )
    op.create_index(op.f("ix_exams_course_id"), "exams", ["course_id"], unique=False)
    op.create_index(
        "ix_exams_unannounced", "exams", ["opens_at"], unique=False, postgresql_where=sa.text("announced_at IS NULL")
    )
    op.create_index(
        "ix_exams_unclosed", "exams", ["closes_at"], unique=False, postgresql_where=sa.text("closed_at IS NULL")
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("exam_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=True),
        sa.Column("paper", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submit_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_how", sa.Text(), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("max_score", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("percentage", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "submitted_how IS NULL OR submitted_how IN ('student', 'timer')", name=op.f("ck_attempts_how_known")
        ),
        sa.CheckConstraint(
            "(submitted_at IS NULL) = (submitted_how IS NULL)", name=op.f("ck_attempts_submission_complete")
        ),
        sa.CheckConstraint(
            "percentage IS NULL OR percentage BETWEEN 0 AND 100", name=op.f("ck_attempts_percentage_range")
        ),
        sa.CheckConstraint("position >= 0", name=op.f("ck_attempts_position_not_negative")),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= max_score)", name=op.f("ck_attempts_score_within_max")
        ),
        sa.CheckConstraint(
            "submitted_at IS NULL OR submitted_at >= started_at", name=op.f("ck_attempts_submitted_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "exam_id"],
            ["exams.org_id", "exams.id"],
            name=op.f("fk_attempts_org_id_exam_id_exams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "student_id"],
            ["students.org_id", "students.id"],
            name=op.f("fk_attempts_org_id_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_attempts_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_attempts_plan_id_plans"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
        sa.UniqueConstraint("exam_id", "student_id", name=op.f("uq_attempts_exam_id_student_id")),
    )
    op.create_index(
        "ix_attempts_due", "attempts", ["submit_due_at"], unique=False, postgresql_where=sa.text("submitted_at IS NULL")
    )
    op.create_index(op.f("ix_attempts_exam_id"), "attempts", ["exam_id"], unique=False)
    op.create_index(op.f("ix_attempts_student_id"), "attempts", ["student_id"], unique=False)
    op.create_table(
        "exam_classes",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("exam_id", sa.BigInteger(), nullable=False),
        sa.Column("class_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "class_id"],
            ["classes.org_id", "classes.id"],
            name=op.f("fk_exam_classes_org_id_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "exam_id"],
            ["exams.org_id", "exams.id"],
            name=op.f("fk_exam_classes_org_id_exam_id_exams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_exam_classes_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("exam_id", "class_id", name=op.f("pk_exam_classes")),
    )
    op.create_index(op.f("ix_exam_classes_class_id"), "exam_classes", ["class_id"], unique=False)
    op.create_table(
        "leaderboard_opt_outs",
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_leaderboard_opt_outs_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("student_id", name=op.f("pk_leaderboard_opt_outs")),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column(
            "options", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column(
            "correct", postgresql.ARRAY(sa.SmallInteger()), server_default=sa.text("'{}'::smallint[]"), nullable=False
        ),
        sa.Column("value", sa.Numeric(), nullable=True),
        sa.Column("tolerance", sa.Numeric(), server_default=sa.text("0"), nullable=False),
        sa.Column("model_answer", sa.Text(), server_default="", nullable=False),
        sa.Column("marks", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("co_code", sa.Text(), nullable=True),
        sa.Column("bloom", sa.SmallInteger(), nullable=True),
        sa.Column("topic", sa.Text(), server_default="", nullable=False),
        sa.Column("concept", sa.Text(), server_default="", nullable=False),
        sa.Column("difficulty", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column("irt_a", sa.Float(), nullable=True),
        sa.Column("irt_b", sa.Float(), nullable=True),
        sa.Column("irt_c", sa.Float(), nullable=True),
        sa.Column("upload_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind <> 'LA' OR marks IN (5, 6)", name=op.f("ck_questions_la_marks")),
        sa.CheckConstraint(
            "kind <> 'MCQ' OR (jsonb_array_length(options) >= 2 AND cardinality(correct) >= 1)",
            name=op.f("ck_questions_mcq_has_options_and_key"),
        ),
        sa.CheckConstraint("kind <> 'NUM' OR value IS NOT NULL", name=op.f("ck_questions_num_has_value")),
        sa.CheckConstraint("kind <> 'SA' OR marks = 3", name=op.f("ck_questions_sa_marks")),
        sa.CheckConstraint("kind <> 'TF' OR correct IN ('{0}', '{1}')", name=op.f("ck_questions_tf_key")),
        sa.CheckConstraint("kind <> 'VSA' OR marks = 2", name=op.f("ck_questions_vsa_marks")),
        sa.CheckConstraint("kind IN ('MCQ', 'TF', 'NUM', 'VSA', 'SA', 'LA')", name=op.f("ck_questions_kind_known")),
        sa.CheckConstraint("bloom IS NULL OR bloom BETWEEN 1 AND 6", name=op.f("ck_questions_bloom_level")),
        sa.CheckConstraint(
            "difficulty IS NULL OR difficulty BETWEEN 0 AND 1", name=op.f("ck_questions_difficulty_range")
        ),
        sa.CheckConstraint("marks > 0", name=op.f("ck_questions_marks_positive")),
        sa.CheckConstraint("tolerance >= 0", name=op.f("ck_questions_tolerance_not_negative")),
        sa.CheckConstraint("version > 0", name=op.f("ck_questions_version_positive")),
        sa.ForeignKeyConstraint(
            ["org_id", "course_id"],
            ["courses.org_id", "courses.id"],
            name=op.f("fk_questions_org_id_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_questions_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["uploads.id"], name=op.f("fk_questions_upload_id_uploads"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("course_id", "ref", "version", name=op.f("uq_questions_course_id_ref_version")),
    )
    op.create_index(op.f("ix_questions_course_id"), "questions", ["course_id"], unique=False)
    op.create_index(
        "uq_questions_current_ref", "questions", ["course_id", "ref"], unique=True, postgresql_where=sa.text("current")
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name=op.f("ck_subscriptions_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_subscriptions_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "student_id"],
            ["students.org_id", "students.id"],
            name=op.f("fk_subscriptions_org_id_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_subscriptions_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_subscriptions_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index(op.f("ix_subscriptions_student_id"), "subscriptions", ["student_id"], unique=False)
    op.create_index(
        "uq_subscriptions_one_open",
        "subscriptions",
        ["student_id"],
        unique=True,
        postgresql_where=sa.text("ends_at IS NULL"),
    )
    op.create_table(
        "attempt_answers",
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("chosen", postgresql.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("number", sa.Numeric(), nullable=True),
        sa.Column("confidence", sa.Text(), nullable=True),
        sa.Column("flagged", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("changes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("marks", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("max_marks", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "confidence IS NULL OR confidence IN ('sure', 'unsure')", name=op.f("ck_attempt_answers_confidence_known")
        ),
        sa.CheckConstraint("marks IS NULL OR marks <= max_marks", name=op.f("ck_attempt_answers_marks_within_max")),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_attempt_answers_attempt_id_attempts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("attempt_id", "position", name=op.f("pk_attempt_answers")),
    )
    op.create_table(
        "practice_polls",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("poll_id", sa.Text(), nullable=True),
        sa.Column("option_order", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("round", sa.SmallInteger(), nullable=False),
        sa.Column("session_size", sa.SmallInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("chosen", postgresql.ARRAY(sa.SmallInteger()), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_practice_polls_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "student_id"],
            ["students.org_id", "students.id"],
            name=op.f("fk_practice_polls_org_id_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_practice_polls_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_practice_polls_question_id_questions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_polls")),
        sa.UniqueConstraint("poll_id", name=op.f("uq_practice_polls_poll_id")),
    )
    op.create_index(op.f("ix_practice_polls_student_id"), "practice_polls", ["student_id"], unique=False)
    op.execute(SEED_PLANS)


def downgrade() -> None:
    op.drop_index(op.f("ix_practice_polls_student_id"), table_name="practice_polls")
    op.drop_table("practice_polls")
    op.drop_table("attempt_answers")
    op.drop_index("uq_subscriptions_one_open", table_name="subscriptions", postgresql_where=sa.text("ends_at IS NULL"))
    op.drop_index(op.f("ix_subscriptions_student_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_index("uq_questions_current_ref", table_name="questions", postgresql_where=sa.text("current"))
    op.drop_index(op.f("ix_questions_course_id"), table_name="questions")
    op.drop_table("questions")
    op.drop_table("leaderboard_opt_outs")
    op.drop_index(op.f("ix_exam_classes_class_id"), table_name="exam_classes")
    op.drop_table("exam_classes")
    op.drop_index(op.f("ix_attempts_student_id"), table_name="attempts")
    op.drop_index(op.f("ix_attempts_exam_id"), table_name="attempts")
    op.drop_index("ix_attempts_due", table_name="attempts", postgresql_where=sa.text("submitted_at IS NULL"))
    op.drop_table("attempts")
    op.drop_index("ix_exams_unclosed", table_name="exams", postgresql_where=sa.text("closed_at IS NULL"))
    op.drop_index("ix_exams_unannounced", table_name="exams", postgresql_where=sa.text("announced_at IS NULL"))
    op.drop_index(op.f("ix_exams_course_id"), table_name="exams")
    op.drop_table("exams")
    op.drop_index(op.f("ix_plans_org_id"), table_name="plans")
    op.drop_table("plans")
