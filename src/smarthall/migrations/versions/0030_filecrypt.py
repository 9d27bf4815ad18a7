"""filecrypt (issue 12, item 15): registration SMS codes (identity_phone_code)

Revision ID: 0030_filecrypt
Revises: 0020_ops_facts
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_filecrypt"
down_revision: str | Sequence[str] | None = "0030_staffperf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_phone_code",
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_phone_code")),
    )
    with op.batch_alter_table("identity_phone_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_phone_code_phone_index"), ["phone_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_phone_code_sent_at"), ["sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity_phone_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_phone_code_sent_at"))
        batch_op.drop_index(batch_op.f("ix_identity_phone_code_phone_index"))
    op.drop_table("identity_phone_code")
