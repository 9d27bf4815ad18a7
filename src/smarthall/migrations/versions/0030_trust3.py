"""trust3 (issue 12): a citizen's phone verified flag; the rendered texts of the notify outbox sealed

Revision ID: 0030_trust3
Revises: 0030_workflow
Create Date: 2026-12-03 14:30:00

``identity_citizen.phone_verified_at``: when the phone on record was proven by a one-time SMS code. Accounts that
exist at the upgrade get NULL (not verified: nothing recorded that their number was proven); such a citizen proves
it with ``POST /citizens/phone-codes`` and ``POST /me/phone-verification`` before filing, booking or receiving a
proxy confirmation code.

``notify_message.body_zh``/``body_en`` change from text to sealed bytes (``core.crypto.EncryptedString``, the column
name bound as associated data): they held one-time codes (registration, proxy confirmation, kiosk self-service) and
rating-link tokens in clear. Existing texts are sealed here with the field key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_trust3"
down_revision: str | Sequence[str] | None = "0030_partitions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = ("body_zh", "body_en")


def _keys() -> None:
    from smarthall.core import crypto

    if crypto._cipher is None:  # run by Alembic alone: load the key store
        from smarthall.core.config import Settings

        crypto.setup_security(Settings())


def _seal_bodies() -> None:
    from smarthall.core.crypto import EncryptedString
    from smarthall.migrations_support import rows_by_id

    bind = op.get_bind()
    table = "notify_message"
    for column in SEALED:
        sealed = f"{column}_sealed"
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column(sealed, sa.LargeBinary(), nullable=True))
        t = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.Text), sa.column(sealed, sa.LargeBinary))
        codec = EncryptedString(f"{table}.{column}")
        for row_id, value in rows_by_id(bind, t, column, batch=500):
            blob = codec.process_bind_param(value or "", bind.dialect)
            bind.execute(sa.update(t).where(t.c.id == row_id).values({sealed: blob}))
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(column)
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(sealed, new_column_name=column, existing_type=sa.LargeBinary(), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("identity_citizen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True))
    _keys()
    _seal_bodies()


def downgrade() -> None:
    with op.batch_alter_table("identity_citizen", schema=None) as batch_op:
        batch_op.drop_column("phone_verified_at")
    # the sealed texts stay sealed (the model reads them so)
