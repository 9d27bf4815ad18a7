"""staffassign (issue 14 item 7): courses assigned to staff, by person, role or department, with a due day

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


def downgrade() -> None:
    op.drop_table("staff_course_assignment")
