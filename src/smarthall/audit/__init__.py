"""Tamper-evident audit trail (安全审计, clause 9): logins, every read of personal data and every write by staff.

Each row stores an HMAC-SHA256 (key outside the database) of its content chained to the previous row's hash;
``audit_chain_head`` holds the last sequence number and hash; signed checkpoints of the head are kept outside the
database (``audit.checkpoints``). Altering, inserting, reordering, deleting or truncating rows breaks the chain and
``smarthall audit verify`` names the first broken row. Appends are serialised on the head row (locked at commit).
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the audit trail's router."""
    from huey import crontab

    from smarthall.audit import tasks
    from smarthall.audit.api import router

    registry.api(router, priority=60)
    registry.periodic(tasks.checkpoint_task, crontab(minute="*/5"))
