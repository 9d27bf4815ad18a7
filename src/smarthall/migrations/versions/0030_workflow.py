"""workflow (issue 15 item 4): per-item workflow steps in the catalog

Revision ID: 0030_workflow
Revises: 0020_ops_facts
Create Date: 2026-12-03 10:30:00

``catalog_item.workflow`` holds the item's own steps (``catalog.steps``); existing items get ``[]``, which means
the default steps — the behaviour before the column existed — so an upgraded database behaves as before.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0030_workflow'
down_revision: str | Sequence[str] | None = '0030_stations'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workflow', JSON, nullable=True))
    item = sa.table('catalog_item', sa.column('workflow', JSON))
    op.execute(item.update().values(workflow=[]))
    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.alter_column('workflow', existing_type=JSON, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.drop_column('workflow')
