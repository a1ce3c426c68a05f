"""Outcome-based education: program outcomes, versioned course outcomes and their mapping, assessments,
their items, row-based marks, exit surveys, the attainment cache; notifications may carry buttons.

Revision ID: 0003_obe
Revises: 0002_people
Create Date: 2026-11-21 23:53:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Marks arrive by the hundred thousand (COPY). Instead of row-by-row foreign keys, statement-level
# triggers check a whole batch with one join each: every mark's item exists with the same maximum
# (so the CHECK marks <= max_marks holds against the real maximum), every student exists, and the
# course and assessment stored on a mark are its item's; deleting items or students deletes marks.
MARKS_INTEGRITY = (
    """
    CREATE FUNCTION marks_check_batch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM new_marks n
              LEFT JOIN assessment_items i ON i.id = n.item_id
              LEFT JOIN assessments a ON a.id = i.assessment_id
              LEFT JOIN students s ON s.id = n.student_id
             WHERE i.id IS NULL OR s.id IS NULL OR i.max_marks <> n.max_marks
                OR a.id <> n.assessment_id OR a.course_id <> n.course_id OR s.org_id <> a.org_id
        ) THEN
            RAISE EXCEPTION 'marks refer to an unknown item or student, or to another maximum or course'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER marks_checked_on_insert AFTER INSERT ON marks REFERENCING NEW TABLE AS new_marks "
    "FOR EACH STATEMENT EXECUTE FUNCTION marks_check_batch()",
    "CREATE TRIGGER marks_checked_on_update AFTER UPDATE ON marks REFERENCING NEW TABLE AS new_marks "
    "FOR EACH STATEMENT EXECUTE FUNCTION marks_check_batch()",
    """
    CREATE FUNCTION marks_follow_items() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- items deleted one by one (their assessment stays); an assessment's own deletion is below
        DELETE FROM marks m USING gone g JOIN assessments a ON a.id = g.assessment_id
         WHERE m.course_id = a.course_id AND m.item_id = g.id;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER items_take_their_marks AFTER DELETE ON assessment_items REFERENCING OLD TABLE AS gone "
    "FOR EACH STATEMENT EXECUTE FUNCTION marks_follow_items()",
    """
    CREATE FUNCTION marks_follow_assessments() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM marks m USING gone g WHERE m.course_id = g.course_id AND m.assessment_id = g.id;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER assessments_take_their_marks AFTER DELETE ON assessments REFERENCING OLD TABLE AS gone "
    "FOR EACH STATEMENT EXECUTE FUNCTION marks_follow_assessments()",
    """
    CREATE FUNCTION marks_follow_students() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- no index leads with the student (each would slow every COPY); students are rarely deleted
        DELETE FROM marks m USING gone g WHERE m.student_id = g.id;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER students_take_their_marks AFTER DELETE ON students REFERENCING OLD TABLE AS gone "
    "FOR EACH STATEMENT EXECUTE FUNCTION marks_follow_students()",
)
MARKS_INTEGRITY_DOWN = (
    "DROP TRIGGER students_take_their_marks ON students",
    "DROP TRIGGER assessments_take_their_marks ON assessments",
    "DROP TRIGGER items_take_their_marks ON assessment_items",
    "DROP TRIGGER marks_checked_on_update ON marks",
    "DROP TRIGGER marks_checked_on_insert ON marks",
    "DROP FUNCTION marks_follow_students()",
    "DROP FUNCTION marks_follow_assessments()",
    "DROP FUNCTION marks_follow_items()",
    "DROP FUNCTION marks_check_batch()",
)

revision: str = "0003_obe"
down_revision: str | None = "0002_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "program_outcomes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("program", sa.Text(), server_default="", nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("(kind = 'PO') = (program = '')", name=op.f("ck_program_outcomes_pso_has_program")),
        sa.CheckConstraint("kind IN ('PO', 'PSO')", name=op.f("ck_program_outcomes_kind_known")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_program_outcomes_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_outcomes")),
        sa.UniqueConstraint("org_id", "program", "code", name=op.f("uq_program_outcomes_org_id_program_code")),
    )
    op.create_index(op.f("ix_program_outcomes_org_id"), "program_outcomes", ["org_id"], unique=False)
    op.create_table(
        "attainment_cache",
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_attainment_cache_course_id_courses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_attainment_cache")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("upload_id", sa.BigInteger(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("component IN ('CIE', 'SEE')", name=op.f("ck_assessments_component_known")),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 64", name=op.f("ck_assessments_name_length")),
        sa.ForeignKeyConstraint(
            ["org_id", "course_id"],
            ["courses.org_id", "courses.id"],
            name=op.f("fk_assessments_org_id_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_assessments_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["uploads.id"], name=op.f("fk_assessments_upload_id_uploads"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("course_id", "name", name=op.f("uq_assessments_course_id_name")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_assessments_org_id_id")),
    )
    op.create_index(op.f("ix_assessments_course_id"), "assessments", ["course_id"], unique=False)
    op.create_table(
        "outcome_sets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "course_id"],
            ["courses.org_id", "courses.id"],
            name=op.f("fk_outcome_sets_org_id_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_outcome_sets_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["uploads.id"], name=op.f("fk_outcome_sets_upload_id_uploads"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_sets")),
        sa.UniqueConstraint("course_id", "version", name=op.f("uq_outcome_sets_course_id_version")),
    )
    op.create_index(op.f("ix_outcome_sets_course_id"), "outcome_sets", ["course_id"], unique=False)
    op.create_table(
        "assessment_items",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("assessment_id", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("max_marks", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("co_code", sa.Text(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("co_code ~ '^CO[0-9]{1,2}$'", name=op.f("ck_assessment_items_co_format")),
        sa.CheckConstraint("max_marks > 0", name=op.f("ck_assessment_items_max_positive")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_items_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_items")),
        sa.UniqueConstraint("assessment_id", "label", name=op.f("uq_assessment_items_assessment_id_label")),
        sa.UniqueConstraint("id", "max_marks", name=op.f("uq_assessment_items_id_max_marks")),
    )
    op.create_index(op.f("ix_assessment_items_assessment_id"), "assessment_items", ["assessment_id"], unique=False)
    op.create_table(
        "course_outcomes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("set_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("bloom", sa.SmallInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("code ~ '^CO[0-9]{1,2}$'", name=op.f("ck_course_outcomes_code_format")),
        sa.CheckConstraint("bloom BETWEEN 1 AND 6", name=op.f("ck_course_outcomes_bloom_level")),
        sa.ForeignKeyConstraint(
            ["set_id"], ["outcome_sets.id"], name=op.f("fk_course_outcomes_set_id_outcome_sets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_outcomes")),
        sa.UniqueConstraint("set_id", "code", name=op.f("uq_course_outcomes_set_id_code")),
    )
    op.create_index(op.f("ix_course_outcomes_set_id"), "course_outcomes", ["set_id"], unique=False)
    op.create_table(
        "surveys",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("set_id", sa.BigInteger(), nullable=False),
        sa.Column("opened_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["opened_by_user_id"], ["users.id"], name=op.f("fk_surveys_opened_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "course_id"],
            ["courses.org_id", "courses.id"],
            name=op.f("fk_surveys_org_id_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_surveys_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_id"], ["outcome_sets.id"], name=op.f("fk_surveys_set_id_outcome_sets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_index(op.f("ix_surveys_course_id"), "surveys", ["course_id"], unique=False)
    op.create_table(
        "co_po",
        sa.Column("co_id", sa.BigInteger(), nullable=False),
        sa.Column("po_id", sa.BigInteger(), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("weight BETWEEN 1 AND 3", name=op.f("ck_co_po_weight_range")),
        sa.ForeignKeyConstraint(
            ["co_id"], ["course_outcomes.id"], name=op.f("fk_co_po_co_id_course_outcomes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["po_id"], ["program_outcomes.id"], name=op.f("fk_co_po_po_id_program_outcomes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("co_id", "po_id", name=op.f("pk_co_po")),
    )
    op.create_table(
        "marks",
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("course_id", sa.BigInteger(), nullable=False),
        sa.Column("assessment_id", sa.BigInteger(), nullable=False),
        sa.Column("marks", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("max_marks", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("absent", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("upload_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("absent = (marks IS NULL)", name=op.f("ck_marks_absent_means_no_marks")),
        sa.CheckConstraint("marks >= 0 AND marks <= max_marks", name=op.f("ck_marks_within_max")),
        sa.PrimaryKeyConstraint("course_id", "student_id", "item_id", name=op.f("pk_marks")),
    )
    for statement in MARKS_INTEGRITY:
        op.execute(statement)
    op.create_table(
        "survey_responses",
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("co_code", sa.Text(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 3", name=op.f("ck_survey_responses_rating_range")),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_survey_responses_student_id_students"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_responses_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("survey_id", "student_id", "co_code", name=op.f("pk_survey_responses")),
    )
    op.add_column("notifications", sa.Column("buttons", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("notifications", "buttons")
    op.drop_table("survey_responses")
    for statement in MARKS_INTEGRITY_DOWN:
        op.execute(statement)
    op.drop_table("marks")
    op.drop_table("co_po")
    op.drop_index(op.f("ix_surveys_course_id"), table_name="surveys")
    op.drop_table("surveys")
    op.drop_index(op.f("ix_course_outcomes_set_id"), table_name="course_outcomes")
    op.drop_table("course_outcomes")
    op.drop_index(op.f("ix_assessment_items_assessment_id"), table_name="assessment_items")
    op.drop_table("assessment_items")
    op.drop_index(op.f("ix_outcome_sets_course_id"), table_name="outcome_sets")
    op.drop_table("outcome_sets")
    op.drop_index(op.f("ix_assessments_course_id"), table_name="assessments")
    op.drop_table("assessments")
    op.drop_table("attainment_cache")
    op.drop_index(op.f("ix_program_outcomes_org_id"), table_name="program_outcomes")
    op.drop_table("program_outcomes")
