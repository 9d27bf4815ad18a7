"""consult hints: per-item situations and "not this" hints (issue 17)

Revision ID: 0017_consult_hints
Revises: 0014_platform
Create Date: 2026-12-02 04:50:00

The catalog file format gains ``situations`` (when an item applies, in citizens' words) and ``not_this`` hints per
item; they are stored on ``catalog_item`` and copied into the item's knowledge-base entry (``consult_entry``),
where editors edit them; FAQ gain ``situations`` too. A question asked back records the choices offered and the
one picked (``consult_question.clarify_choices``, ``chosen_entry_code``). Existing rows get empty lists, so old
data behaves as before.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0017_consult_hints'
down_revision: str | Sequence[str] | None = '0015_i12_trust_staff'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    for table in ('catalog_item', 'consult_entry'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('situations', JSON, nullable=True))
            batch_op.add_column(sa.Column('not_this', JSON, nullable=True))
        t = sa.table(table, sa.column('situations', JSON), sa.column('not_this', JSON))
        op.execute(t.update().values(situations=[], not_this=[]))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('situations', existing_type=JSON, nullable=False)
            batch_op.alter_column('not_this', existing_type=JSON, nullable=False)


    with op.batch_alter_table('consult_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clarify_choices', JSON, nullable=True))
        batch_op.add_column(sa.Column('chosen_entry_code', sa.String(length=40), nullable=True))
    with op.batch_alter_table('catalog_faq', schema=None) as batch_op:
        batch_op.add_column(sa.Column('situations', JSON, nullable=True))
    faq = sa.table('catalog_faq', sa.column('situations', JSON))
    op.execute(faq.update().values(situations=[]))
    with op.batch_alter_table('catalog_faq', schema=None) as batch_op:
        batch_op.alter_column('situations', existing_type=JSON, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('consult_question', schema=None) as batch_op:
        batch_op.drop_column('chosen_entry_code')
        batch_op.drop_column('clarify_choices')
    with op.batch_alter_table('catalog_faq', schema=None) as batch_op:
        batch_op.drop_column('situations')
    for table in ('consult_entry', 'catalog_item'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('not_this')
            batch_op.drop_column('situations')
