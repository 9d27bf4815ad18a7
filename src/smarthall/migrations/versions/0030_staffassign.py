"""staffassign (issue 14 items 5, 7): courses assigned to staff, by person, role or department, with a due day;
yellow and red cards with the staff member's reply and the manager's decision

Revision ID: 0030_staffassign
Revises: 0030_workflow
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_staffassign"
down_revision: str | Sequence[str] | None = "0030_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_course_assignment",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("hall_id", BIGINT, nullable=False),
        sa.Column("hall_code", sa.String(length=32), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("course_id", BIGINT, nullable=False),
        sa.Column("staff_id", BIGINT, nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("department_code", sa.String(length=40), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["org_hall.id"], name=op.f("fk_staff_course_assignment_hall_id_org_hall")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["staff_course.id"], name=op.f("fk_staff_course_assignment_course_id_staff_course")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["identity_staff.id"], name=op.f("fk_staff_course_assignment_staff_id_identity_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_course_assignment")),
    )
    for column in ("hall_id", "region_path", "course_id", "staff_id"):
        op.create_index(op.f(f"ix_staff_course_assignment_{column}"), "staff_course_assignment", [column], unique=False)
    op.create_table(
        "staff_card",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("hall_id", BIGINT, nullable=False),
        sa.Column("hall_code", sa.String(length=32), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("staff_id", BIGINT, nullable=False),
        sa.Column("color", sa.String(length=8), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_at", TS, nullable=True),
        sa.Column("decision", sa.String(length=12), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["org_hall.id"], name=op.f("fk_staff_card_hall_id_org_hall")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["identity_staff.id"], name=op.f("fk_staff_card_staff_id_identity_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_card")),
        sa.UniqueConstraint(
            "hall_id", "staff_id", "color", "month", name=op.f("uq_staff_card_hall_id_staff_id_color_month")
        ),
    )
    for column in ("hall_id", "region_path", "staff_id"):
        op.create_index(op.f(f"ix_staff_card_{column}"), "staff_card", [column], unique=False)


def downgrade() -> None:
    op.drop_table("staff_card")
    op.drop_table("staff_course_assignment")
