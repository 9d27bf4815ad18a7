"""step_settings (issue 15): a hall's own settings of an item's workflow steps

Revision ID: 0030_step_settings
Revises: 0030_board_notice
Create Date: 2026-12-03 15:40:00

``catalog_hall_item_override.step_settings`` holds, per step code of the item, the role and time limit the hall
sets itself (``catalog.overrides.set_steps``); NULL (every existing row) means the catalog's steps as they are.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0030_step_settings'
down_revision: str | Sequence[str] | None = '0030_board_notice'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('catalog_hall_item_override', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_settings', JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('catalog_hall_item_override', schema=None) as batch_op:
        batch_op.drop_column('step_settings')
