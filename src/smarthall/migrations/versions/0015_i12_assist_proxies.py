"""i12 assist proxies: the entrustor's one-time code, the desk's identity check, a sealed signature

Revision ID: 0015_i12_assist_proxies
Revises: 0019_speed_pending_documents
Create Date: 2026-12-02 04:40:00

``signature_image`` keeps its binary column type but now holds a sealed (field-cipher) base64 PNG. Signatures
stored in clear before this revision cannot be read as sealed values, so they are dropped here (their SHA-256 and
the authorization's history stay, which is what proves what was signed).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015_i12_assist_proxies'
down_revision: str | Sequence[str] | None = '0017_consult_hints'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assist_proxy_authorization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_check', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('code_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('code_attempts', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE assist_proxy_authorization SET signature_image = NULL")


def downgrade() -> None:
    with op.batch_alter_table('assist_proxy_authorization', schema=None) as batch_op:
        batch_op.drop_column('code_attempts')
        batch_op.drop_column('code_expires_at')
        batch_op.drop_column('code_sent_at')
        batch_op.drop_column('code_hash')
        batch_op.drop_column('identity_check')
