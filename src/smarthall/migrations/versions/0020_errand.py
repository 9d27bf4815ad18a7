"""errand (issue 15): the errand (一件一码) and the links from every record of its thread; the data-sharing ledger

Revision ID: 0020_errand
Revises: 0020_venue
Create Date: 2026-12-02 15:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0020_errand'
down_revision: str | Sequence[str] | None = '0020_venue'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('errands_errand',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('hall_id', _ID, nullable=False),
    sa.Column('hall_code', sa.String(length=32), nullable=False),
    sa.Column('region_path', sa.String(length=200), nullable=False),
    sa.Column('citizen_id', _ID, nullable=True),
    sa.Column('subject_index', sa.String(length=64), nullable=True),
    sa.Column('item_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['identity_citizen.id'], name=op.f('fk_errands_errand_citizen_id_identity_citizen')),
    sa.ForeignKeyConstraint(['hall_id'], ['org_hall.id'], name=op.f('fk_errands_errand_hall_id_org_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_errands_errand')),
    sa.UniqueConstraint('code', name=op.f('uq_errands_errand_code'))
    )
    for column in ('hall_id', 'hall_code', 'region_path', 'citizen_id', 'subject_index', 'item_code', 'status'):
        op.create_index(op.f(f'ix_errands_errand_{column}'), 'errands_errand', [column], unique=False)
    op.create_table('errands_link',
    sa.Column('errand_id', _ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=48), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', _JSON, nullable=False),
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['errand_id'], ['errands_errand.id'], name=op.f('fk_errands_link_errand_id_errands_errand'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_errands_link')),
    sa.UniqueConstraint('kind', 'ref', name=op.f('uq_errands_link_kind_ref'))
    )
    op.create_index(op.f('ix_errands_link_errand_id'), 'errands_link', ['errand_id'], unique=False)
    op.create_table('coordination_share_lookup',
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('citizen_id', _ID, nullable=True),
    sa.Column('subject_index', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('fields', _JSON, nullable=False),
    sa.Column('requester', sa.String(length=64), nullable=False),
    sa.Column('requester_department', sa.String(length=16), nullable=True),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('case_no', sa.String(length=48), nullable=True),
    sa.Column('found', sa.Boolean(), nullable=False),
    sa.Column('detail', _JSON, nullable=False),
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['identity_citizen.id'], name=op.f('fk_coordination_share_lookup_citizen_id_identity_citizen')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordination_share_lookup'))
    )
    for column in ('at', 'citizen_id', 'subject_index', 'case_no'):
        op.create_index(op.f(f'ix_coordination_share_lookup_{column}'), 'coordination_share_lookup', [column], unique=False)


def downgrade() -> None:
    for column in ('case_no', 'subject_index', 'citizen_id', 'at'):
        op.drop_index(op.f(f'ix_coordination_share_lookup_{column}'), table_name='coordination_share_lookup')
    op.drop_table('coordination_share_lookup')
    op.drop_index(op.f('ix_errands_link_errand_id'), table_name='errands_link')
    op.drop_table('errands_link')
    for column in ('status', 'item_code', 'subject_index', 'citizen_id', 'region_path', 'hall_code', 'hall_id'):
        op.drop_index(op.f(f'ix_errands_errand_{column}'), table_name='errands_errand')
    op.drop_table('errands_errand')
