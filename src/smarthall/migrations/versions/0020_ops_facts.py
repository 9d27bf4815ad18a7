"""ops-facts (issue 13): facts per hall × day × hour × queue × item × window × staff, and the fold cursor

Revision ID: 0020_ops_facts
Revises: 0020_trust2
Create Date: 2026-12-02 15:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_ops_facts'
down_revision: str | Sequence[str] | None = '0020_trust2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = (
    'arrivals', 'priority', 'served', 'abandoned', 'skipped', 'transferred', 'wait_n', 'wait_sum', 'wait_over30',
    'w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9', 'handle_n', 'handle_sum', 'appt_booked', 'appt_kept',
    'appt_missed', 'cases_submitted', 'cases_accepted', 'cases_approved', 'cases_rejected', 'cases_done',
    'cases_overdue', 'cases_on_time', 'case_days_sum', 'cases_noticed', 'cases_notice_once', 'ratings_n',
    'ratings_sum', 'ratings_bad',
)


def upgrade() -> None:
    op.create_table(
        'operations_fact',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('hall_code', sa.String(length=32), nullable=False),
        sa.Column('region_path', sa.String(length=200), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('hour', sa.Integer(), nullable=False),
        sa.Column('queue_code', sa.String(length=8), nullable=False),
        sa.Column('item_code', sa.String(length=32), nullable=False),
        sa.Column('window_code', sa.String(length=40), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        *[sa.Column(m, sa.Integer(), nullable=False) for m in MEASURES],
        sa.PrimaryKeyConstraint('id', name=op.f('pk_operations_fact')),
        sa.UniqueConstraint('hall_id', 'day', 'hour', 'queue_code', 'item_code', 'window_code', 'staff_id',
                            name=op.f('uq_operations_fact_grain')),
    )
    op.create_index('ix_operations_fact_path_day', 'operations_fact', ['region_path', 'day'], unique=False)
    op.create_table(
        'operations_fold_cursor',
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('position', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('source', name=op.f('pk_operations_fold_cursor')),
    )


def downgrade() -> None:
    op.drop_table('operations_fold_cursor')
    op.drop_index('ix_operations_fact_path_day', table_name='operations_fact')
    op.drop_table('operations_fact')
