"""Recording and verifying the hash-chained audit trail.

``record`` queues an event on the session; the chain is extended in ``before_commit`` so the head row is
locked only while the transaction commits. Events recorded in a read-only session are written right after it
ends, in a write transaction of their own, before the response leaves. Every flush made on behalf of a staff
member is recorded too (table, row id and changed column names, never values).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from smarthall.audit.models import AuditChainHead, AuditEvent
from smarthall.core.db import after_commit
from smarthall.core.tenancy import Actor

GENESIS = "0" * 64
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
    return {
        "seq": event_row.seq,
        "at": event_row.at.astimezone(UTC).isoformat(),
        "actor_kind": event_row.actor_kind,
        "actor_id": event_row.actor_id,
        "action": event_row.action,
        "target_type": event_row.target_type,
        "target_id": event_row.target_id,
        "hall_code": event_row.hall_code,
        "outcome": event_row.outcome,
        "detail": event_row.detail,
        "request_id": event_row.request_id,
        "ip": event_row.ip,
        "prev_hash": event_row.prev_hash,
    }


def _lock_head(session: Session) -> AuditChainHead:
    stmt = select(AuditChainHead).where(AuditChainHead.id == 1)
    if session.info.get("backend") != "sqlite":
        stmt = stmt.with_for_update()
    head = session.execute(stmt).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=1, last_seq=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def _append_pending(session: Session) -> None:
    pending: list[PendingEvent] = session.info.pop(_PENDING, None) or []
    if not pending:
        return
    head = _lock_head(session)
    seq, prev = head.last_seq, head.last_hash
    for item in pending:
        seq += 1
        row = AuditEvent(seq=seq, prev_hash=prev, hash="", **item.__dict__)
        row.hash = _digest(_content(row))
        session.add(row)
        prev = row.hash
    head.last_seq, head.last_hash = seq, prev


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


def _rows(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(
            session.execute(select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch))
            .scalars()
            .all()
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> VerifyResult:
    """Recompute every hash in order; report the first row that is altered, missing or out of place."""
    expected_seq, prev, checked = 1, GENESIS, 0
    for row in _rows(session):
        if row.seq != expected_seq:
            return VerifyResult(False, checked, row.seq, row.id, f"rows missing before seq {row.seq}")
        if row.prev_hash != prev:
            return VerifyResult(False, checked, row.seq, row.id, "link to the previous row is broken")
        if _digest(_content(row)) != row.hash:
            return VerifyResult(False, checked, row.seq, row.id, "content does not match its hash")
        prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    head = session.get(AuditChainHead, 1)
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS
    if last_seq != expected_seq - 1 or last_hash != prev:
        return VerifyResult(False, checked, expected_seq, None, f"rows missing at the end (head says seq {last_seq})")
    return VerifyResult(True, checked)


def list_events(
    session: Session, *, action: str | None = None, limit: int = 100, before_seq: int | None = None
) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if before_seq:
        stmt = stmt.where(AuditEvent.seq < before_seq)
    return list(session.execute(stmt).scalars())
