"""opsroll (issue 13): the day-level rollup of the facts (operations_fact_day), filled from the facts already there;
the roster's per-day version (ops_roster_day)

Revision ID: 0030_opsroll
Revises: 0020_ops_facts
Create Date: 2026-12-03 10:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0030_opsroll'
down_revision: str | Sequence[str] | None = '0020_ops_facts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = (
    'arrivals', 'priority', 'served', 'abandoned', 'skipped', 'transferred', 'wait_n', 'wait_sum', 'wait_over30',
    'w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9', 'handle_n', 'handle_sum', 'appt_booked', 'appt_kept',
    'appt_missed', 'cases_submitted', 'cases_accepted', 'cases_approved', 'cases_rejected', 'cases_done',
    'cases_overdue', 'cases_on_time', 'case_days_sum', 'cases_noticed', 'cases_notice_once', 'ratings_n',
    'ratings_sum', 'ratings_bad',
)
# grain → the expressions of (hour, item_code, window_code) it keeps
GRAINS = {
    'day': ('-1', "''", "''"),
    'hour': ('hour', "''", "''"),
    'item': ('-1', 'item_code', "''"),
    'window': ('-1', "''", 'window_code'),
}


def upgrade() -> None:
    op.create_table(
        'operations_fact_day',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('grain', sa.String(length=8), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('hall_code', sa.String(length=32), nullable=False),
        sa.Column('region_path', sa.String(length=200), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('hour', sa.Integer(), nullable=False),
        sa.Column('item_code', sa.String(length=32), nullable=False),
        sa.Column('window_code', sa.String(length=40), nullable=False),
        *[sa.Column(m, sa.Integer(), nullable=False) for m in MEASURES],
        sa.PrimaryKeyConstraint('id', name=op.f('pk_operations_fact_day')),
        sa.UniqueConstraint('grain', 'hall_id', 'day', 'hour', 'item_code', 'window_code',
                            name=op.f('uq_operations_fact_day')),
    )
    sums = ', '.join(f'SUM({m})' for m in MEASURES)
    for grain, (hour, item, window) in GRAINS.items():
        keys = [k for k in (hour, item, window) if not k.startswith(("'", '-'))]
        group = ', '.join(['hall_id', 'hall_code', 'region_path', 'day', *keys])
        op.execute(
            f"INSERT INTO operations_fact_day (grain, hall_id, hall_code, region_path, day, hour, item_code, "  # noqa: S608
            f"window_code, {', '.join(MEASURES)}) SELECT '{grain}', hall_id, hall_code, region_path, day, {hour}, "
            f"{item}, {window}, {sums} FROM operations_fact GROUP BY {group}"
        )


    op.create_table(
        'ops_roster_day',
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('hall_id', 'day', name=op.f('pk_ops_roster_day')),
    )


def downgrade() -> None:
    op.drop_table('ops_roster_day')
    op.drop_table('operations_fact_day')
