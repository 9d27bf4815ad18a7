"""ops-live: the staff roster (ops_shift) the live console and the staffing plan compare with

Revision ID: 0020_ops_live
Revises: 0015_i12_assist_proxies
Create Date: 2026-12-02 15:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import smarthall.core.models

revision: str = '0020_ops_live'
down_revision: str | Sequence[str] | None = '0015_i12_assist_proxies'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'ops_shift',
        sa.Column('hall_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('starts_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ends_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('window_code', sa.String(length=40), nullable=True),
        sa.Column('queues', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('created_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['org_hall.id'], name=op.f('fk_ops_shift_hall_id_org_hall')),
        sa.ForeignKeyConstraint(['staff_id'], ['identity_staff.id'], name=op.f('fk_ops_shift_staff_id_identity_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ops_shift')),
    )
    op.create_index('ix_ops_shift_day', 'ops_shift', ['hall_id', 'day'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ops_shift_day', table_name='ops_shift')
    op.drop_table('ops_shift')
