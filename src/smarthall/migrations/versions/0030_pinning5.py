"""pinning5 (issues 15 and 14): a case keeps the step plan it was filed with; "what changed" notices to staff

Revision ID: 0030_pinning5
Revises: 0030_manualcards
Create Date: 2026-12-04 01:30:00

``cases_case.step_plan`` holds the workflow steps a case follows, resolved when it was filed (the item version's
steps with the hall's own roles and limits then); NULL (every existing case) resolves them as before, from the
item version and the hall's current settings.

``staff_change_notice`` / ``staff_change_receipt``: the "what changed" notices (变更告知) a hall's staff get when an
item they handle gets a new catalog version, and each recipient's confirmation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030_pinning5"
down_revision: str | Sequence[str] | None = "0030_manualcards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("cases_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step_plan", JSON, nullable=True))
    op.create_table(
        "staff_change_notice",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("hall_id", BIGINT, nullable=False),
        sa.Column("hall_code", sa.String(length=32), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("item_name", sa.String(length=128), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["org_hall.id"], name=op.f("fk_staff_change_notice_hall_id_org_hall")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_change_notice")),
        sa.UniqueConstraint(
            "hall_id", "item_code", "to_version", name=op.f("uq_staff_change_notice_hall_id_item_code_to_version")
        ),
    )
    for column in ("hall_id", "region_path", "item_code", "issued_at"):
        op.create_index(op.f(f"ix_staff_change_notice_{column}"), "staff_change_notice", [column], unique=False)
    op.create_table(
        "staff_change_receipt",
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("notice_id", BIGINT, nullable=False),
        sa.Column("hall_id", BIGINT, nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("staff_id", BIGINT, nullable=False),
        sa.Column("confirmed_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["staff_change_notice.id"],
            name=op.f("fk_staff_change_receipt_notice_id_staff_change_notice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["hall_id"], ["org_hall.id"], name=op.f("fk_staff_change_receipt_hall_id_org_hall")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["identity_staff.id"], name=op.f("fk_staff_change_receipt_staff_id_identity_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_change_receipt")),
        sa.UniqueConstraint("notice_id", "staff_id", name=op.f("uq_staff_change_receipt_notice_id_staff_id")),
    )
    for column in ("notice_id", "hall_id", "region_path", "staff_id"):
        op.create_index(op.f(f"ix_staff_change_receipt_{column}"), "staff_change_receipt", [column], unique=False)


def downgrade() -> None:
    op.drop_table("staff_change_receipt")
    op.drop_table("staff_change_notice")
    with op.batch_alter_table("cases_case", schema=None) as batch_op:
        batch_op.drop_column("step_plan")
