"""queue_partial_indexes: one partial index per hot question on queue_ticket, so plans do not hang on statistics

Revision ID: 0009_queue_partial_indexes
Revises: 0008_rectification_rerating
Create Date: 2026-12-01 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_queue_partial_indexes'
down_revision: str | Sequence[str] | None = '0008_rectification_rerating'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _where(predicate: str) -> dict[str, sa.TextClause]:
    return {'sqlite_where': sa.text(predicate), 'postgresql_where': sa.text(predicate)}


def upgrade() -> None:
    with op.batch_alter_table('queue_counter', schema=None) as batch_op:
        batch_op.create_index('ix_queue_counter_day', ['hall_id', 'day'], unique=False)
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_ticket_line')
        batch_op.drop_index('ix_queue_ticket_targeted')
        batch_op.drop_index('ix_queue_ticket_calls')
        batch_op.drop_index('ix_queue_ticket_done')
        batch_op.create_index(
            'ix_queue_ticket_waiting', ['hall_id', 'day', 'priority', 'queued_at', 'id'], unique=False,
            **_where("status = 'waiting'"),
        )
        batch_op.create_index(
            'ix_queue_ticket_targeted', ['hall_id', 'day', 'target_window_code', 'queued_at', 'id'], unique=False,
            **_where("status = 'waiting' AND target_window_code IS NOT NULL"),
        )
        batch_op.create_index('ix_queue_ticket_serving', ['hall_id', 'day'], unique=False, **_where("status = 'called'"))
        batch_op.create_index(
            'ix_queue_ticket_calls', ['hall_id', 'day', 'called_at'], unique=False, **_where('called_at IS NOT NULL')
        )
        batch_op.create_index(
            'ix_queue_ticket_done', ['hall_id', 'day', 'finished_at'], unique=False, **_where("status = 'finished'")
        )


def downgrade() -> None:
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        for name in ('done', 'calls', 'serving', 'targeted', 'waiting'):
            batch_op.drop_index(f'ix_queue_ticket_{name}')
        batch_op.create_index('ix_queue_ticket_line', ['hall_id', 'day', 'status', 'priority', 'queued_at'], unique=False)
        batch_op.create_index('ix_queue_ticket_calls', ['hall_id', 'day', 'called_at'], unique=False)
        batch_op.create_index('ix_queue_ticket_done', ['hall_id', 'day', 'finished_at'], unique=False)
        batch_op.create_index(
            'ix_queue_ticket_targeted', ['target_window_code', 'queued_at'], unique=False,
            **_where('target_window_code IS NOT NULL'),
        )
    with op.batch_alter_table('queue_counter', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_counter_day')
