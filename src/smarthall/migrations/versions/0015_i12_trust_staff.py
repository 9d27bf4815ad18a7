"""issue 12 (trust, staff): the person behind a staff account (ID number sealed, keyed blind index)

Revision ID: 0015_i12_trust_staff
Revises: 0014_platform
Create Date: 2026-12-02 04:40:00

Separation of administrator and auditor is checked by person: a staff account keeps its holder's ID number
(encrypted) and its blind index (to find a person's other accounts without decrypting).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_i12_trust_staff'
down_revision: str | Sequence[str] | None = '0019_speed_pending_documents'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('identity_staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('id_number_index', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_identity_staff_id_number_index'), ['id_number_index'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('identity_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_staff_id_number_index'))
        batch_op.drop_column('id_number_index')
        batch_op.drop_column('id_number')
