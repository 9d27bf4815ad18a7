"""apiclient_approval (issue 12, attack12b): four eyes on API clients with sensitive scopes

Revision ID: 0033_apiclient_approval
Revises: 0032_names_en
Create Date: 2026-12-06 22:20:00

A client given ``cases.act`` or ``personal.read`` works only once a second person (another administrator or a hall
manager, not its registrant) approved it; every key issued for it (the first one, each rotation) likewise, since
its issuer saw the plain key. Clients and keys that exist before this revision count as approved (``migration``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034_apiclient_approval"
down_revision: str | Sequence[str] | None = "0033_region_names_en"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("apiclient_client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("apiclient_key", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("issued_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("approved_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE apiclient_client SET approved_by = 'migration', approved_at = created_at")
    op.execute("UPDATE apiclient_key SET approved_by = 'migration', approved_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("apiclient_key", schema=None) as batch_op:
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by")
        batch_op.drop_column("issued_by_id")
    with op.batch_alter_table("apiclient_client", schema=None) as batch_op:
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by")
