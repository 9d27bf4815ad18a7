"""rectification_rerating: a bad re-rating opens a second work order linked to the first

Revision ID: 0008_rectification_rerating
Revises: 0007_queue_hot_paths
Create Date: 2026-12-01 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_rectification_rerating'
down_revision: str | Sequence[str] | None = '0007_queue_hot_paths'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('evaluation_rectification', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('previous_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True)
        )
        batch_op.add_column(sa.Column('rerating_level', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_evaluation_rectification_previous_id'), ['previous_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_evaluation_rectification_previous_id_evaluation_rectification'),
            'evaluation_rectification',
            ['previous_id'],
            ['id'],
        )


def downgrade() -> None:
    with op.batch_alter_table('evaluation_rectification', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_evaluation_rectification_previous_id_evaluation_rectification'), type_='foreignkey'
        )
        batch_op.drop_constraint(batch_op.f('uq_evaluation_rectification_previous_id'), type_='unique')
        batch_op.drop_column('rerating_level')
        batch_op.drop_column('previous_id')
