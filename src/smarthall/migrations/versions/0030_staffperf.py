"""staffperf (issue 14 items 5-7): supervision alerts, competence courses and quiz attempts

Revision ID: 0030_staffperf
Revises: 0020_ops_facts
Create Date: 2026-12-03 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0030_staffperf'
down_revision: str | Sequence[str] | None = '0030_opsroll'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('queue_window_session') as batch:
        batch.add_column(sa.Column('status_since', TS, nullable=True))
    op.create_table(
        'staff_alert',
        sa.Column('id', BIGINT, autoincrement=True, nullable=False),
        sa.Column('hall_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('hall_code', sa.String(length=32), nullable=False),
        sa.Column('region_path', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('window_code', sa.String(length=40), nullable=True),
        sa.Column('staff_id', BIGINT, nullable=True),
        sa.Column('subject_ref', sa.String(length=80), nullable=False),
        sa.Column('raised_at', TS, nullable=False),
        sa.Column('detail', JSON, nullable=False),
        sa.Column('acknowledged_at', TS, nullable=True),
        sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['org_hall.id'], name=op.f('fk_staff_alert_hall_id_org_hall')),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['identity_staff.id'], name=op.f('fk_staff_alert_staff_id_identity_staff')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_alert')),
        sa.UniqueConstraint('hall_id', 'kind', 'subject_ref', name=op.f('uq_staff_alert_hall_id_kind_subject_ref')),
    )
    op.create_index(op.f('ix_staff_alert_hall_id'), 'staff_alert', ['hall_id'], unique=False)
    op.create_index(op.f('ix_staff_alert_region_path'), 'staff_alert', ['region_path'], unique=False)
    op.create_index(op.f('ix_staff_alert_staff_id'), 'staff_alert', ['staff_id'], unique=False)
    op.create_index(op.f('ix_staff_alert_raised_at'), 'staff_alert', ['raised_at'], unique=False)
    op.create_table(
        'staff_course',
        sa.Column('id', BIGINT, autoincrement=True, nullable=False),
        sa.Column('hall_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('hall_code', sa.String(length=32), nullable=False),
        sa.Column('region_path', sa.String(length=200), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('questions', JSON, nullable=False),
        sa.Column('pass_percent', sa.Integer(), nullable=False),
        sa.Column('required_for_role', sa.String(length=16), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['org_hall.id'], name=op.f('fk_staff_course_hall_id_org_hall')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_course')),
        sa.UniqueConstraint('hall_id', 'code', name=op.f('uq_staff_course_hall_id_code')),
    )
    op.create_index(op.f('ix_staff_course_hall_id'), 'staff_course', ['hall_id'], unique=False)
    op.create_index(op.f('ix_staff_course_region_path'), 'staff_course', ['region_path'], unique=False)
    op.create_table(
        'staff_course_attempt',
        sa.Column('id', BIGINT, autoincrement=True, nullable=False),
        sa.Column('course_id', BIGINT, nullable=False),
        sa.Column('hall_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('staff_id', BIGINT, nullable=False),
        sa.Column('answers', JSON, nullable=False),
        sa.Column('correct', sa.Integer(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('taken_at', TS, nullable=False),
        sa.ForeignKeyConstraint(
            ['course_id'], ['staff_course.id'], name=op.f('fk_staff_course_attempt_course_id_staff_course')
        ),
        sa.ForeignKeyConstraint(['hall_id'], ['org_hall.id'], name=op.f('fk_staff_course_attempt_hall_id_org_hall')),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['identity_staff.id'], name=op.f('fk_staff_course_attempt_staff_id_identity_staff')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_course_attempt')),
    )
    op.create_index(op.f('ix_staff_course_attempt_course_id'), 'staff_course_attempt', ['course_id'], unique=False)
    op.create_index(op.f('ix_staff_course_attempt_hall_id'), 'staff_course_attempt', ['hall_id'], unique=False)
    op.create_index(op.f('ix_staff_course_attempt_staff_id'), 'staff_course_attempt', ['staff_id'], unique=False)
    op.create_index(op.f('ix_staff_course_attempt_taken_at'), 'staff_course_attempt', ['taken_at'], unique=False)


def downgrade() -> None:
    op.drop_table('staff_course_attempt')
    op.drop_table('staff_course')
    op.drop_table('staff_alert')
    with op.batch_alter_table('queue_window_session') as batch:
        batch.drop_column('status_since')
