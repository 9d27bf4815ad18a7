"""payocr (issue 18 items 1, 4): payment orders (缴费订单)

Revision ID: 0030_payocr
Revises: 0020_ops_facts
Create Date: 2026-12-03 10:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0030_payocr'
down_revision: str | Sequence[str] | None = '0030_bundles'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'payment_order',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('order_no', sa.String(length=40), nullable=False),
        sa.Column('case_no', sa.String(length=48), nullable=False),
        sa.Column('hall_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('hall_code', sa.String(length=32), nullable=False),
        sa.Column('region_path', sa.String(length=200), nullable=False),
        sa.Column('item_code', sa.String(length=32), nullable=False),
        sa.Column('item_name', sa.String(length=200), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('provider_txn', sa.String(length=64), nullable=True),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refund_ref', sa.String(length=64), nullable=True),
        sa.Column('refund_reason', sa.String(length=200), nullable=False),
        sa.Column('notices', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['org_hall.id'], name=op.f('fk_payment_order_hall_id_org_hall')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_order')),
        sa.UniqueConstraint('order_no', name=op.f('uq_payment_order_order_no')),
        sa.UniqueConstraint('provider_txn', name=op.f('uq_payment_order_provider_txn')),
    )
    op.create_index('ix_payment_order_case', 'payment_order', ['case_no', 'status'], unique=False)
    op.create_index(op.f('ix_payment_order_hall_id'), 'payment_order', ['hall_id'], unique=False)
    op.create_index(op.f('ix_payment_order_region_path'), 'payment_order', ['region_path'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_payment_order_region_path'), table_name='payment_order')
    op.drop_index(op.f('ix_payment_order_hall_id'), table_name='payment_order')
    op.drop_index('ix_payment_order_case', table_name='payment_order')
    op.drop_table('payment_order')
