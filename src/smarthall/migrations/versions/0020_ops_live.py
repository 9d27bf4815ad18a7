"""ops-live: the staff roster (ops_shift); push subscriptions with consent (ops_subscription) and pushes made (ops_push_sent)

Revision ID: 0020_ops_live
Revises: 0020_house_consult
Create Date: 2026-12-02 15:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import smarthall.core.models

revision: str = '0020_ops_live'
down_revision: str | Sequence[str] | None = '0020_house_consult'
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
    op.create_table(
        'ops_subscription',
        sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('topic', sa.String(length=24), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('consent_version', sa.String(length=16), nullable=True),
        sa.Column('consented_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('created_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['citizen_id'], ['identity_citizen.id'], name=op.f('fk_ops_subscription_citizen_id_identity_citizen')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ops_subscription')),
        sa.UniqueConstraint('citizen_id', 'topic', name=op.f('uq_ops_subscription_citizen_id_topic')),
        sa.UniqueConstraint('token', name=op.f('uq_ops_subscription_token')),
    )
    op.create_index(op.f('ix_ops_subscription_citizen_id'), 'ops_subscription', ['citizen_id'], unique=False)
    op.create_table(
        'ops_push_sent',
        sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('topic', sa.String(length=24), nullable=False),
        sa.Column('ref', sa.String(length=96), nullable=False),
        sa.Column('sent_at', smarthall.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(['citizen_id'], ['identity_citizen.id'], name=op.f('fk_ops_push_sent_citizen_id_identity_citizen')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ops_push_sent')),
        sa.UniqueConstraint('citizen_id', 'ref', name=op.f('uq_ops_push_sent_citizen_id_ref')),
    )
    op.create_index('ix_ops_push_sent_at', 'ops_push_sent', ['citizen_id', 'sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ops_push_sent_at', table_name='ops_push_sent')
    op.drop_table('ops_push_sent')
    op.drop_index(op.f('ix_ops_subscription_citizen_id'), table_name='ops_subscription')
    op.drop_table('ops_subscription')
    op.drop_index('ix_ops_shift_day', table_name='ops_shift')
    op.drop_table('ops_shift')
