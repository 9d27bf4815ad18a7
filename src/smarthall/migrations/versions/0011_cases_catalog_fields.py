"""cases catalog fields: per-item result licence and joint review

Revision ID: 0011_cases_catalog_fields
Revises: 0010_rules_settings
Create Date: 2026-12-01 23:24:08

Two fields of the catalog file move into ``catalog_item`` (they were tables in the cases code until now): the
typed e-licence an approval issues (``result_licence``) and the departments reviewing in parallel
(``joint_review``). The data step gives the demo items the values the code held, so an upgraded database behaves
as before without a re-import (a re-import of the current catalog file then finds them equal and bumps the four
items' versions once, since their stored content hash predates the fields).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011_cases_catalog_fields'
down_revision: str | Sequence[str] | None = '0010_rules_settings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

RESULT_LICENCES = {
    'SC-001': {
        'type': '营业执照',
        'fields': {
            'name': 'company_name',
            'legal_rep': 'legal_rep_name',
            'address': 'address',
            'type': 'enterprise_type',
            'scope': 'business_scope',
        },
        'new_uscc': '91',
    },
    'SC-002': {
        'type': '营业执照',
        'fields': {
            'name': 'shop_name',
            'legal_rep': 'operator_name',
            'operator': 'operator_name',
            'address': 'business_address',
            'scope': 'business_scope',
        },
        'new_uscc': '92',
    },
}
JOINT_REVIEW = {'SC-004': ['SC', 'WJ'], 'ZJ-001': ['ZJ', 'SC']}


def upgrade() -> None:
    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_licence', JSON, nullable=True))
        batch_op.add_column(sa.Column('joint_review', JSON, nullable=True))

    item = sa.table('catalog_item', sa.column('code', sa.String), sa.column('result_licence', JSON),
                    sa.column('joint_review', JSON))
    op.execute(item.update().values(joint_review=[]))
    for code, departments in JOINT_REVIEW.items():
        op.execute(item.update().where(item.c.code == code).values(joint_review=departments))
    for code, licence in RESULT_LICENCES.items():
        op.execute(item.update().where(item.c.code == code).values(result_licence=licence))

    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.alter_column('joint_review', existing_type=JSON, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.drop_column('joint_review')
        batch_op.drop_column('result_licence')
