"""Recording and verifying the keyed, hash-chained audit trail.

Each row's ``hash`` is an HMAC-SHA256 (key from the key store, never in the database) over its content and the
previous row's hash, so whoever can write the database but lacks the key cannot recompute a chain that verifies.
Every ``audit_checkpoint_every`` events the head is signed (Ed25519) into stores outside the database
(``audit.checkpoints``): a truncation with the head moved back, or a row changed before a checkpoint, is caught.

``record`` queues an event on the session; the chain is extended in ``before_commit`` so the head row is
locked only while the transaction commits. Events recorded in a read-only session are written right after it
ends, in a write transaction of their own, before the response leaves. Every flush made on behalf of a staff
member is recorded too (table, row id and changed column names, never values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from smarthall.audit import checkpoints
from smarthall.audit.models import AuditEvent
from smarthall.audit.repository import GENESIS, HASHED_COLUMNS, AuditRepository, ChainWriter
from smarthall.core.crypto import audit_trust
from smarthall.core.db import CARRY_KEY, after_commit
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
    carried_into: Session | None = session.info.get(CARRY_KEY)  # a read prelude: with the write that follows
    if carried_into is not None:
        carried_into.info.setdefault(_PENDING, []).append(pending)
        return
    if session.info.get("read_only"):
        database = session.info["db"]

        def _write() -> None:
            with database.unit_of_work() as write_session:
                write_session.info[_PENDING] = [pending]

        after_commit(session, _write)
        return
    session.info.setdefault(_PENDING, []).append(pending)


def _digest(row: dict[str, Any]) -> str:
    """The keyed hash of an event's content (HMAC-SHA256 under the audit key)."""
    canonical = json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return audit_trust().mac(canonical.encode())


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
    rows, first = [], seq + 1
    for item in pending:
        seq += 1
        row = {"seq": seq, "prev_hash": prev, **item.__dict__}
        row["hash"] = prev = _digest(_content_of(row))
        rows.append(row)
    writer.append(rows, seq=seq, last_hash=prev, one_statement=session.info.get("backend") == "postgresql")
    every = audit_trust().every
    if (first - 1) // every != seq // every:
        last_seq, last_hash = seq, prev

        def _sign() -> None:
            checkpoints.write(last_seq, last_hash)

        after_commit(session, _sign)


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
    checkpoints: int = 0
    anchored_seq: int = 0  # the last row a signed checkpoint vouches for


def _signed_heads(result: VerifyResult) -> dict[int, str] | VerifyResult:
    """The checkpoints as {seq: hash}; a bad signature or two hashes for one seq fails the verification."""
    trust = audit_trust()
    heads: dict[int, str] = {}
    for item in checkpoints.read_all(trust):
        seq = item.get("seq")
        if not isinstance(seq, int) or not checkpoints.signature_ok(trust, item):
            result.ok, result.first_broken_seq = False, seq if isinstance(seq, int) else None
            result.reason = f"checkpoint at seq {seq} has no valid signature"
            return result
        if heads.get(seq, item["hash"]) != item["hash"]:
            result.ok, result.first_broken_seq, result.reason = False, seq, f"two checkpoints disagree at seq {seq}"
            return result
        heads[seq] = str(item["hash"])
    return heads


def verify_chain(session: Session) -> VerifyResult:
    """Recompute every keyed hash in order and hold the chain against the signed checkpoints; report the first row
    that is altered, inserted, reordered, missing or cut off."""
    expected_seq, prev, checked = 1, GENESIS, 0
    heads = _signed_heads(VerifyResult(True, 0))
    if isinstance(heads, VerifyResult):
        return heads
    counts: dict[str, Any] = {"checkpoints": len(heads), "anchored_seq": max(heads, default=0)}
    repo = AuditRepository(session)
    for row in repo.in_order():
        if row.seq != expected_seq:
            return VerifyResult(False, checked, row.seq, row.id, f"rows missing before seq {row.seq}", **counts)
        if row.prev_hash != prev:
            return VerifyResult(False, checked, row.seq, row.id, "link to the previous row is broken", **counts)
        if _digest(_content(row)) != row.hash:
            return VerifyResult(False, checked, row.seq, row.id, "content does not match its hash", **counts)
        if row.seq in heads and heads[row.seq] != row.hash:
            reason = "row differs from the signed checkpoint"
            return VerifyResult(False, checked, row.seq, row.id, reason, **counts)
        prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    last = expected_seq - 1
    if counts["anchored_seq"] > last:
        reason = f"rows missing at the end (a signed checkpoint vouches for seq {counts['anchored_seq']})"
        return VerifyResult(False, checked, expected_seq, None, reason, **counts)
    if not heads and last >= audit_trust().every:
        reason = f"no signed checkpoint found, though the chain is past seq {audit_trust().every}"
        return VerifyResult(False, checked, None, None, reason, **counts)
    head = repo.chain_head()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS
    if last_seq != last or last_hash != prev:
        reason = f"rows missing at the end (head says seq {last_seq})"
        return VerifyResult(False, checked, expected_seq, None, reason, **counts)
    return VerifyResult(True, checked, **counts)


def checkpoint_now(session: Session) -> dict[str, Any] | None:
    """Sign the chain's current head into the checkpoint stores (the periodic job, ``smarthall audit checkpoint``),
    unless the last checkpoint already covers it."""
    head = AuditRepository(session).chain_head()
    if head is None or head.last_seq == 0:
        return None
    known = [c["seq"] for c in checkpoints.read_all() if isinstance(c.get("seq"), int)]
    if known and head.last_seq <= max(known):  # covered already, or the head was moved back: never sign lower
        return None
    return checkpoints.write(head.last_seq, head.last_hash)


def checkpoint_export(*, after_seq: int = 0, limit: int = 1000) -> dict[str, Any]:
    """The checkpoints after ``after_seq`` (oldest first) with the key that signed them."""
    trust = audit_trust()
    items = [c for c in checkpoints.read_all(trust) if isinstance(c.get("seq"), int) and c["seq"] > after_seq]
    return {
        "key_id": checkpoints.key_id(trust),
        "public_key_pem": checkpoints.public_key_pem(trust),
        "checkpoints": items[:limit],
    }


def list_events(
    session: Session, actor: Actor, *, action: str | None = None, limit: int = 100, before_seq: int | None = None
) -> list[AuditEvent]:
    """The events of the halls in ``actor``'s scope (and those of no hall), newest first."""
    return AuditRepository(session).list_in_scope(actor, action=action, limit=limit, before_seq=before_seq)
