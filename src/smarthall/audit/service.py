"""Recording and verifying the hash-chained audit trail.

``record`` queues an event on the session; the chain is extended in ``before_commit`` so the head row is
locked only while the transaction commits. Events recorded in a read-only session are written right after it
ends, in a write transaction of their own, before the response leaves. Every flush made on behalf of a staff
member is recorded too (table, row id and changed column names, never values).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from smarthall.audit.models import AuditEvent
from smarthall.audit.repository import GENESIS, HASHED_COLUMNS, AuditRepository, ChainWriter
from smarthall.core.db import after_commit
from smarthall.core.tenancy import Actor

_PENDING = "audit_pending"
_SKIP_TABLES = {"audit_event", "audit_chain_head"}


@dataclass
class PendingEvent:
    at: datetime
    actor_kind: str
    actor_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    hall_code: str | None
    outcome: str
    detail: dict[str, Any]
    request_id: str | None
    ip: str | None


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target_type: str | None = None,
    target_id: object = None,
    hall_code: str | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Queue an audit event in this session's transaction. ``detail`` must hold no personal data in clear."""
    pending = PendingEvent(
        at=now or datetime.now(UTC),
        actor_kind=actor.kind,
        actor_id=actor.username if actor.kind == "staff" else (str(actor.id) if actor.id is not None else None),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        hall_code=hall_code or actor.hall_code,
        outcome=outcome,
        detail=detail or {},
        request_id=session.info.get("request_id"),
        ip=session.info.get("ip"),
    )
    if session.info.get("read_only"):
        database = session.info["db"]

        def _write() -> None:
            with database.unit_of_work() as write_session:
                write_session.info[_PENDING] = [pending]

        after_commit(session, _write)
        return
    session.info.setdefault(_PENDING, []).append(pending)


def _digest(row: dict[str, Any]) -> str:
    canonical = json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _content(event_row: AuditEvent) -> dict[str, Any]:
    return _content_of({c: getattr(event_row, c) for c in HASHED_COLUMNS})


def _content_of(row: dict[str, Any]) -> dict[str, Any]:
    """What an event's hash covers (every column but the id and the hash itself)."""
    content = {c: row[c] for c in HASHED_COLUMNS}
    content["at"] = row["at"].astimezone(UTC).isoformat()
    return content


def _append_pending(session: Session) -> None:
    """Extend the chain with the transaction's events: the head row is locked (PostgreSQL ``FOR UPDATE``; SQLite's
    write lock) from here to the commit, so concurrent transactions append one after another."""
    pending: list[PendingEvent] = session.info.pop(_PENDING, None) or []
    if not pending:
        return
    writer = ChainWriter(session)
    head = writer.head(lock=session.info.get("backend") != "sqlite")
    if head is None:
        writer.create_head()
        seq, prev = 0, GENESIS
    else:
        seq, prev = head
    rows = []
    for item in pending:
        seq += 1
        row = {"seq": seq, "prev_hash": prev, **item.__dict__}
        row["hash"] = prev = _digest(_content_of(row))
        rows.append(row)
    writer.append(rows, seq=seq, last_hash=prev, one_statement=session.info.get("backend") == "postgresql")


def _audit_staff_writes(session: Session, _flush_context: Any) -> None:
    actor: Actor | None = session.info.get("actor")
    if actor is None or actor.kind != "staff":
        return
    for kind, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in _SKIP_TABLES:
                continue
            state = inspect(obj)
            columns: list[str] = []
            if kind == "update":
                columns = [a.key for a in state.attrs if a.history.has_changes()]
                if not columns:
                    continue
            ident = state.identity[0] if state.identity else getattr(obj, "id", None)
            record(
                session,
                actor,
                f"write.{kind}",
                target_type=table,
                target_id=ident,
                detail={"columns": columns} if columns else {},
            )


event.listen(Session, "after_flush", _audit_staff_writes)
event.listen(Session, "before_commit", _append_pending)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    first_broken_id: int | None = None
    reason: str | None = None


def verify_chain(session: Session) -> VerifyResult:
    """Recompute every hash in order; report the first row that is altered, missing or out of place."""
    expected_seq, prev, checked = 1, GENESIS, 0
    repo = AuditRepository(session)
    for row in repo.in_order():
        if row.seq != expected_seq:
            return VerifyResult(False, checked, row.seq, row.id, f"rows missing before seq {row.seq}")
        if row.prev_hash != prev:
            return VerifyResult(False, checked, row.seq, row.id, "link to the previous row is broken")
        if _digest(_content(row)) != row.hash:
            return VerifyResult(False, checked, row.seq, row.id, "content does not match its hash")
        prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    head = repo.chain_head()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS
    if last_seq != expected_seq - 1 or last_hash != prev:
        return VerifyResult(False, checked, expected_seq, None, f"rows missing at the end (head says seq {last_seq})")
    return VerifyResult(True, checked)


def list_events(
    session: Session, actor: Actor, *, action: str | None = None, limit: int = 100, before_seq: int | None = None
) -> list[AuditEvent]:
    """The events of the halls in ``actor``'s scope (and those of no hall), newest first."""
    return AuditRepository(session).list_in_scope(actor, action=action, limit=limit, before_seq=before_seq)
