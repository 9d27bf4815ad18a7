"""queue hot paths: a waiting count per queue counter kept by triggers, composite indexes on tickets

Revision ID: 0007_queue_hot_paths
Revises: 0003_queueing
Create Date: 2026-12-01 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_queue_hot_paths'
down_revision: str | Sequence[str] | None = '0003_queueing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Every change of a ticket into or out of 'waiting' moves its queue counter's waiting count, in the same statement
# (so in the same transaction), whichever code path made it.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER queue_ticket_waiting_insert AFTER INSERT ON queue_ticket WHEN NEW.status = 'waiting'
    BEGIN
        UPDATE queue_counter SET waiting = waiting + 1
        WHERE hall_id = NEW.hall_id AND queue_code = NEW.queue_code AND day = NEW.day;
    END""",
    """CREATE TRIGGER queue_ticket_waiting_update AFTER UPDATE OF status ON queue_ticket
    WHEN (OLD.status = 'waiting') <> (NEW.status = 'waiting')
    BEGIN
        UPDATE queue_counter SET waiting = waiting + (CASE WHEN NEW.status = 'waiting' THEN 1 ELSE -1 END)
        WHERE hall_id = NEW.hall_id AND queue_code = NEW.queue_code AND day = NEW.day;
    END""",
    """CREATE TRIGGER queue_ticket_waiting_delete AFTER DELETE ON queue_ticket WHEN OLD.status = 'waiting'
    BEGIN
        UPDATE queue_counter SET waiting = waiting - 1
        WHERE hall_id = OLD.hall_id AND queue_code = OLD.queue_code AND day = OLD.day;
    END""",
)
POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION queue_ticket_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND (OLD.status = 'waiting') = (NEW.status = 'waiting') THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'waiting' THEN
            UPDATE queue_counter SET waiting = waiting - 1
            WHERE hall_id = OLD.hall_id AND queue_code = OLD.queue_code AND day = OLD.day;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'waiting' THEN
            UPDATE queue_counter SET waiting = waiting + 1
            WHERE hall_id = NEW.hall_id AND queue_code = NEW.queue_code AND day = NEW.day;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER queue_ticket_waiting AFTER INSERT OR DELETE OR UPDATE OF status ON queue_ticket
    FOR EACH ROW EXECUTE FUNCTION queue_ticket_waiting()""",
)


def upgrade() -> None:
    with op.batch_alter_table('queue_counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        "UPDATE queue_counter SET waiting = (SELECT count(*) FROM queue_ticket t WHERE t.hall_id = queue_counter.hall_id "
        "AND t.queue_code = queue_counter.queue_code AND t.day = queue_counter.day AND t.status = 'waiting')"
    )
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_ticket_day'))
        batch_op.drop_index(batch_op.f('ix_queue_ticket_hall_id'))
        batch_op.drop_index(batch_op.f('ix_queue_ticket_status'))
        batch_op.drop_index(batch_op.f('ix_queue_ticket_window_code'))
        batch_op.create_index('ix_queue_ticket_line', ['hall_id', 'day', 'status', 'priority', 'queued_at'], unique=False)
        batch_op.create_index('ix_queue_ticket_calls', ['hall_id', 'day', 'called_at'], unique=False)
        batch_op.create_index('ix_queue_ticket_done', ['hall_id', 'day', 'finished_at'], unique=False)
        batch_op.create_index('ix_queue_ticket_window', ['window_code', 'status'], unique=False)
        batch_op.create_index(
            'ix_queue_ticket_targeted', ['target_window_code', 'queued_at'], unique=False,
            sqlite_where=sa.text('target_window_code IS NOT NULL'),
            postgresql_where=sa.text('target_window_code IS NOT NULL'),
        )
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS queue_ticket_waiting_{name}')
    else:
        op.execute('DROP TRIGGER IF EXISTS queue_ticket_waiting ON queue_ticket')
        op.execute('DROP FUNCTION IF EXISTS queue_ticket_waiting()')
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_ticket_targeted')
        batch_op.drop_index('ix_queue_ticket_window')
        batch_op.drop_index('ix_queue_ticket_done')
        batch_op.drop_index('ix_queue_ticket_calls')
        batch_op.drop_index('ix_queue_ticket_line')
        batch_op.create_index(batch_op.f('ix_queue_ticket_window_code'), ['window_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_ticket_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_ticket_hall_id'), ['hall_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_ticket_day'), ['day'], unique=False)
    with op.batch_alter_table('queue_counter', schema=None) as batch_op:
        batch_op.drop_column('waiting')
