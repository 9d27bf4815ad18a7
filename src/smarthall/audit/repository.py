"""Every query of the audit trail: the chain's prebuilt statements (append, move the head) and the scoped reads.

An event names its hall by ``hall_code``; ``AuditRepository.scoped`` joins the hall table on it and applies the one
scope filter (``core.repository.hall_scope``), so an auditor reads the events of the halls in their scope only.
Events of no hall (a citizen's own actions, anonymous and platform events) belong to no hall's part of the tree:
every actor holding ``audit.read`` may read them (they are the platform's, not another hall's).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from smarthall.audit.models import AuditChainHead, AuditEvent
from smarthall.core.models import Base
from smarthall.core.repository import Repository, hall_scope
from smarthall.core.tenancy import Actor

GENESIS = "0" * 64

_EVENTS = cast(Table, AuditEvent.__table__)
_HEAD = cast(Table, AuditChainHead.__table__)
_HEAD_ROW = select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
_HEAD_ROW_LOCKED = _HEAD_ROW.with_for_update()
_NEW_HEAD = insert(_HEAD).values(id=1, last_seq=0, last_hash=GENESIS)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(last_seq=bindparam("s"), last_hash=bindparam("h"))
_ADD_EVENTS = insert(_EVENTS)
EVENT_COLUMNS = (
    "seq",
    "prev_hash",
    "hash",
    "at",
    "actor_kind",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "hall_code",
    "outcome",
    "detail",
    "request_id",
    "ip",
)
# What an event's hash covers: every column but the id and the hash itself (the one list service and writer share).
HASHED_COLUMNS = tuple(c for c in EVENT_COLUMNS if c != "hash")
# PostgreSQL: one event and the head's move in one statement (the head row stays locked one round trip less).
_ADD_ONE_AND_MOVE_HEAD = _MOVE_HEAD.add_cte(
    insert(_EVENTS).values({c: bindparam(f"e_{c}", type_=_EVENTS.c[c].type) for c in EVENT_COLUMNS}).cte("added")
)


class ChainWriter:
    """The chain's writes, serialised on the head row (``FOR UPDATE`` on PostgreSQL; SQLite's write lock)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def head(self, *, lock: bool) -> tuple[int, str] | None:
        row = self.session.execute(_HEAD_ROW_LOCKED if lock else _HEAD_ROW).first()
        return None if row is None else (int(row.last_seq), str(row.last_hash))

    def create_head(self) -> None:
        self.session.execute(_NEW_HEAD)

    def append(self, rows: Sequence[dict[str, Any]], *, seq: int, last_hash: str, one_statement: bool) -> None:
        """Insert ``rows`` and move the head to (``seq``, ``last_hash``)."""
        if len(rows) == 1 and one_statement:
            self.session.execute(
                _ADD_ONE_AND_MOVE_HEAD, {"s": seq, "h": last_hash, **{f"e_{c}": v for c, v in rows[0].items()}}
            )
            return
        # several events (a window's finish-and-call-next): one multi-row VALUES, in the same statement
        if one_statement and len(rows) <= 32:
            added = insert(_EVENTS).values([{c: row[c] for c in EVENT_COLUMNS} for row in rows]).cte("added")
            self.session.execute(_MOVE_HEAD.add_cte(added), {"s": seq, "h": last_hash})
            return
        self.session.execute(_ADD_EVENTS, list(rows))
        self.session.execute(_MOVE_HEAD, {"s": seq, "h": last_hash})


class AuditRepository(Repository[AuditEvent]):
    model = AuditEvent

    def scoped(self, actor: Actor) -> Select[Any]:
        halls = Base.metadata.tables["org_hall"]
        in_scope = hall_scope(None, actor, hall_column=halls.c.id, path_column=halls.c.region_path)
        return (
            select(AuditEvent)
            .outerjoin(halls, halls.c.code == AuditEvent.hall_code)
            .where(or_(in_scope, AuditEvent.hall_code.is_(None)) if actor.kind in ("staff", "system") else in_scope)
        )

    def list_in_scope(
        self, actor: Actor, *, action: str | None = None, limit: int = 100, before_seq: int | None = None
    ) -> list[AuditEvent]:
        """The events ``actor`` may read, newest first (scope, filter and LIMIT in SQL)."""
        stmt = self.scoped(actor).order_by(AuditEvent.seq.desc())
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        if before_seq:
            stmt = stmt.where(AuditEvent.seq < before_seq)
        return list(self.session.execute(stmt.limit(limit)).scalars())

    def in_order(self, batch: int = 2000) -> Iterator[AuditEvent]:
        """Every event by sequence number, in keyset batches (the identity map is emptied after each)."""
        last = 0
        while True:
            chunk = list(
                self.session.execute(
                    select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
                ).scalars()
            )
            if not chunk:
                return
            yield from chunk
            last = chunk[-1].seq
            self.session.expunge_all()

    def chain_head(self) -> AuditChainHead | None:
        return self.session.get(AuditChainHead, 1)
