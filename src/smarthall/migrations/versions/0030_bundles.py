"""bundles (issue 15 item 3): one-thing bundle applications and their parts; the bundle's refusal rule and field map

Revision ID: 0030_bundles
Revises: 0020_ops_facts
Create Date: 2026-12-03 10:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0030_bundles'
down_revision: str | Sequence[str] | None = '0030_filecrypt'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('catalog_bundle') as batch:
        batch.add_column(sa.Column('on_refusal', sa.String(length=16), server_default='continue', nullable=False))
        batch.add_column(sa.Column('field_map', JSON, server_default=sa.text("'{}'"), nullable=False))
    op.create_table(
        'bundles_application',
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('code', sa.String(length=24), nullable=False),
        sa.Column('bundle_code', sa.String(length=32), nullable=False),
        sa.Column('bundle_name', sa.String(length=128), nullable=False),
        sa.Column('hall_id', ID, nullable=False),
        sa.Column('hall_code', sa.String(length=32), nullable=False),
        sa.Column('region_path', sa.String(length=200), nullable=False),
        sa.Column('citizen_id', ID, nullable=False),
        sa.Column('lead_department_code', sa.String(length=16), nullable=False),
        sa.Column('on_refusal', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('form', sa.LargeBinary(), nullable=False),
        sa.Column('materials', JSON, nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['org_hall.id'], name=op.f('fk_bundles_application_hall_id_org_hall')),
        sa.ForeignKeyConstraint(['citizen_id'], ['identity_citizen.id'],
                                name=op.f('fk_bundles_application_citizen_id_identity_citizen')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bundles_application')),
        sa.UniqueConstraint('code', name=op.f('uq_bundles_application_code')),
    )
    for column in ('bundle_code', 'hall_id', 'region_path', 'citizen_id', 'status'):
        op.create_index(op.f(f'ix_bundles_application_{column}'), 'bundles_application', [column], unique=False)
    op.create_table(
        'bundles_part',
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('application_id', ID, nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('item_code', sa.String(length=32), nullable=False),
        sa.Column('item_name', sa.String(length=128), nullable=False),
        sa.Column('department_code', sa.String(length=16), nullable=False),
        sa.Column('case_no', sa.String(length=48), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['bundles_application.id'], ondelete='CASCADE',
                                name=op.f('fk_bundles_part_application_id_bundles_application')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bundles_part')),
        sa.UniqueConstraint('case_no', name=op.f('uq_bundles_part_case_no')),
    )
    op.create_index(op.f('ix_bundles_part_application_id'), 'bundles_part', ['application_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_bundles_part_application_id'), table_name='bundles_part')
    op.drop_table('bundles_part')
    for column in ('bundle_code', 'hall_id', 'region_path', 'citizen_id', 'status'):
        op.drop_index(op.f(f'ix_bundles_application_{column}'), table_name='bundles_application')
    op.drop_table('bundles_application')
    with op.batch_alter_table('catalog_bundle') as batch:
        batch.drop_column('field_map')
        batch.drop_column('on_refusal')
