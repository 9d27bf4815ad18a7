"""Tamper-evident audit trail (安全审计, clause 9): logins, every read of personal data and every write by staff.

Each row stores the SHA-256 of its content chained to the previous row's hash; ``audit_chain_head`` holds the
last sequence number and hash, so altering, deleting or truncating rows breaks the chain and ``smarthall audit
verify`` names the first broken row. Appends are serialised on the head row (locked at commit time).
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the audit trail's router."""
    from smarthall.audit.api import router

    registry.api(router, priority=60)
