"""board notice (issue 16, boards): the notice line a hall manager sets for the hall's boards

Revision ID: 0030_board_notice
Revises: 0030_workflow
Create Date: 2026-12-03 14:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0030_board_notice'
down_revision: str | Sequence[str] | None = '0030_trust3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('queue_board_notice',
    sa.Column('hall_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text_zh', sa.String(length=200), nullable=False),
    sa.Column('text_en', sa.String(length=300), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('set_by', sa.String(length=80), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['org_hall.id'], name=op.f('fk_queue_board_notice_hall_id_org_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_board_notice')),
    sa.UniqueConstraint('hall_id', name=op.f('uq_queue_board_notice_hall_id'))
    )


def downgrade() -> None:
    op.drop_table('queue_board_notice')
