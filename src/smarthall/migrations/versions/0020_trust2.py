"""trust2: the audit chain keyed (HMAC-SHA256 under a key outside the database); evidence, pre-check results, case
events and notification parameters sealed; knowledge-base entries owned by a hall

Revision ID: 0020_trust2
Revises: 0020_open
Create Date: 2026-12-02 15:20:00

Rows written before this revision carry unkeyed SHA-256 hashes. They are re-chained here, in order, with the audit
key of the key store (``SMARTHALL_AUDIT_KEY`` or derived from the master key): the chain is trusted as it stands at
the upgrade, and from here on only the key holder can extend it so that it verifies. Run ``smarthall audit verify``
before upgrading to check the old chain first; ``smarthall audit checkpoint`` after it anchors the new head.

``cases_case.precheck``/``evidence``, ``cases_event.detail`` and ``notify_message.params`` change from JSON to sealed
bytes (``core.crypto.EncryptedJson``, the column name bound as associated data); existing values are sealed here
with the field key.
"""

from collections.abc import Sequence
from typing import cast

import sqlalchemy as sa
from alembic import op

revision: str = "0020_trust2"
down_revision: str | Sequence[str] | None = '0020_open'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SEALED = (
    ("cases_case", "precheck", False),
    ("cases_case", "evidence", True),
    ("cases_event", "detail", False),
    ("notify_message", "params", False),
)


def _keys() -> None:
    from smarthall.core import crypto, signing

    if signing._audit_trust is None or crypto._cipher is None:  # run by Alembic alone: load the key store
        from smarthall.core.config import Settings

        crypto.setup_security(Settings())


def _seal_json_columns() -> None:
    import json

    from smarthall.core.crypto import EncryptedJson
    from smarthall.migrations_support import rows_by_id

    bind = op.get_bind()
    for table, column, nullable in SEALED:
        sealed = f"{column}_sealed"
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column(sealed, sa.LargeBinary(), nullable=True))
        t = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.JSON), sa.column(sealed, sa.LargeBinary))
        codec = EncryptedJson(f"{table}.{column}")
        for row_id, value in rows_by_id(bind, t, column, batch=500):
            if isinstance(value, str):
                value = json.loads(value)
            blob = None if value is None else codec.process_bind_param(value, bind.dialect)
            bind.execute(sa.update(t).where(t.c.id == row_id).values({sealed: blob}))
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(column)
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(sealed, new_column_name=column, existing_type=sa.LargeBinary(), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table('consult_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hall_code', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_consult_entry_hall_code'), ['hall_code'], unique=False)
    _keys()
    _seal_json_columns()
    _rechain_audit()


def _rechain_audit() -> None:
    from smarthall.audit.models import AuditChainHead, AuditEvent
    from smarthall.audit.service import _content_of, _digest

    bind = op.get_bind()
    events = cast(sa.Table, AuditEvent.__table__)
    if bind.execute(sa.select(sa.func.count()).select_from(events)).scalar_one() == 0:
        return
    prev, last, seq = "0" * 64, 0, 0
    while True:
        rows = bind.execute(sa.select(events).where(events.c.seq > last).order_by(events.c.seq).limit(1000)).all()
        if not rows:
            break
        for row in rows:
            data = dict(row._mapping)
            data["prev_hash"] = prev
            prev = _digest(_content_of(data))
            bind.execute(
                sa.update(events).where(events.c.id == data["id"]).values(prev_hash=data["prev_hash"], hash=prev)
            )
            seq = last = data["seq"]
    head = cast(sa.Table, AuditChainHead.__table__)
    bind.execute(sa.update(head).where(head.c.id == 1).values(last_seq=seq, last_hash=prev))


def downgrade() -> None:
    with op.batch_alter_table('consult_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consult_entry_hall_code'))
        batch_op.drop_column('hall_code')
    # the keyed hashes and sealed columns stay (an unkeyed verifier would report the chain broken)
