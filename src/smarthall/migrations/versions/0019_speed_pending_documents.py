"""speed (issue 19): documents rendered after the decision's commit — the outbox of documents still to render

Revision ID: 0019_speed_pending_documents
Revises: 0014_platform
Create Date: 2026-12-02 04:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_speed_pending_documents'
down_revision: str | Sequence[str] | None = '0014_platform'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('licences_pending_document',
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('content_json', sa.LargeBinary(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['licences_document.id'], name=op.f('fk_licences_pending_document_document_id_licences_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licences_pending_document')),
    sa.UniqueConstraint('document_id', name=op.f('uq_licences_pending_document_document_id'))
    )


def downgrade() -> None:
    op.drop_table('licences_pending_document')
