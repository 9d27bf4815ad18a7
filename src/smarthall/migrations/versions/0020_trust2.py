"""trust2: the audit chain keyed (HMAC-SHA256 under a key outside the database)

Revision ID: 0020_trust2
Revises: 0015_i12_assist_proxies
Create Date: 2026-12-02 15:20:00

Rows written before this revision carry unkeyed SHA-256 hashes. They are re-chained here, in order, with the audit
key of the key store (``SMARTHALL_AUDIT_KEY`` or derived from the master key): the chain is trusted as it stands at
the upgrade, and from here on only the key holder can extend it so that it verifies. Run ``smarthall audit verify``
before upgrading to check the old chain first; ``smarthall audit checkpoint`` after it anchors the new head.
"""
from collections.abc import Sequence
from typing import cast

import sqlalchemy as sa
from alembic import op

revision: str = '0020_trust2'
down_revision: str | Sequence[str] | None = '0015_i12_assist_proxies'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from smarthall.audit.models import AuditChainHead, AuditEvent
    from smarthall.audit.service import _content_of, _digest
    from smarthall.core import crypto

    bind = op.get_bind()
    events = cast(sa.Table, AuditEvent.__table__)
    if bind.execute(sa.select(sa.func.count()).select_from(events)).scalar_one() == 0:
        return
    if crypto._audit_trust is None:  # run by Alembic alone: load the key store as the server does
        from smarthall.core.config import Settings

        crypto.setup_security(Settings())
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
    pass  # the keyed hashes stay; an unkeyed verifier would report the chain broken
