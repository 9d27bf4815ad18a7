"""Queries of errands (一件一码), every hall-owned read through the one scope filter (``core.repository.hall_scope``).

Who sees an errand, decided here in SQL: its citizen (by owner), or staff of its hall — supervising roles
(``core.tenancy``) also the halls beneath theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, exists, false, insert, or_, select

from smarthall.core.models import utcnow
from smarthall.core.repository import Repository, hall_scope
from smarthall.core.tenancy import Actor
from smarthall.errands.models import Errand, ErrandLink

_E, _L = cast(Table, Errand.__table__), cast(Table, ErrandLink.__table__)
_ERRAND_COLS = ("code", "hall_id", "hall_code", "region_path", "citizen_id", "subject_index", "item_code", "status",
                "opened_at", "created_at", "updated_at")  # fmt: skip
_NEW_ERRAND = insert(_E).values({c: bindparam(c, type_=_E.c[c].type) for c in _ERRAND_COLS})
_LINK_COLS = ("errand_id", "kind", "ref", "at", "detail")
_NEW_LINK = insert(_L).values({c: bindparam(c, type_=_L.c[c].type) for c in _LINK_COLS})
_NEW_ERRAND_LINKED = insert(_L).from_select(
    list(_LINK_COLS),
    select(
        _NEW_ERRAND.returning(_E.c.id).cte("new_errand").c.id,
        *(bindparam(c, type_=_L.c[c].type) for c in _LINK_COLS[1:]),
    ),
)


class ErrandRepository(Repository[Errand]):
    model = Errand

    def visible(self, actor: Actor) -> ColumnElement[bool]:
        if actor.kind == "citizen" and actor.id is not None:
            return Errand.citizen_id == actor.id
        if actor.kind in ("staff", "system") or (actor.kind == "device" and actor.device_kind == "window_pad"):
            return hall_scope(Errand, actor)  # a window pad: its own hall (what the person at its window confirms)
        return false()

    def by_code(self, actor: Actor, code: str) -> Errand | None:
        stmt = select(Errand).where(Errand.code == code, self.visible(actor))
        return self.session.execute(stmt).scalar_one_or_none()

    def by_code_any(self, code: str) -> Errand | None:
        """The errand with ``code`` whoever asks (the link handlers check ownership themselves)."""
        return self.session.execute(select(Errand).where(Errand.code == code)).scalar_one_or_none()

    def of_record(self, kind: str, ref: str) -> Errand | None:
        stmt = select(Errand).join(ErrandLink).where(ErrandLink.kind == kind, ErrandLink.ref == ref)
        return self.session.execute(stmt).scalar_one_or_none()

    def link_of(self, kind: str, ref: str) -> ErrandLink | None:
        stmt = select(ErrandLink).where(ErrandLink.kind == kind, ErrandLink.ref == ref)
        return self.session.execute(stmt).scalar_one_or_none()

    def open_for(
        self, *, hall_id: int, item_code: str | None, citizen_id: int | None, subject_index: str | None, without: str
    ) -> Errand | None:
        """The person's newest open errand at the hall (for ``item_code`` when given) that has no ``without`` record
        yet: the errand a new booking, ticket or case of theirs continues."""
        who = []
        if citizen_id is not None:
            who.append(Errand.citizen_id == citizen_id)
        if subject_index:
            who.append(Errand.subject_index == subject_index)
        if not who:
            return None
        # correlated on the link's errand index: the cost follows the person's errands, not every ticket ever linked
        taken = exists().where(ErrandLink.errand_id == Errand.id, ErrandLink.kind == without)
        stmt = select(Errand).where(Errand.hall_id == hall_id, Errand.status == "open", or_(*who), ~taken)
        if item_code:
            stmt = stmt.where(Errand.item_code == item_code)
        return self.session.execute(stmt.order_by(Errand.id.desc()).limit(1)).scalar_one_or_none()

    def of_person(
        self, actor: Actor, *, citizen_id: int | None, subject_index: str | None, open_only: bool, limit: int = 50
    ) -> list[Errand]:
        """A person's errands that ``actor`` may see, newest first."""
        who = []
        if citizen_id is not None:
            who.append(Errand.citizen_id == citizen_id)
        if subject_index:
            who.append(Errand.subject_index == subject_index)
        if not who:
            return []
        stmt = select(Errand).where(self.visible(actor), or_(*who))
        if open_only:
            stmt = stmt.where(Errand.status == "open")
        return list(self.session.scalars(stmt.order_by(Errand.id.desc()).limit(limit)))

    def mine(self, actor: Actor, *, limit: int = 100) -> list[Errand]:
        stmt = select(Errand).where(self.visible(actor)).order_by(Errand.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))

    def open_linked(self, values: dict[str, Any], *, kind: str, ref: str, at: datetime, detail: dict[str, Any]) -> None:
        """A new errand (``values``: its columns) with its first link, in Core: on the hot path of ticket issue no
        ORM unit of work is needed for two rows nobody reads in the transaction. PostgreSQL: one statement (the
        errand's INSERT in a CTE feeds the link's), one round trip; SQLite: two INSERTs, in process."""
        stamp = utcnow()
        params = {**values, "created_at": stamp, "updated_at": stamp, "kind": kind, "ref": ref, "at": at,
                  "detail": detail}  # fmt: skip
        conn = self.session.connection()
        if conn.dialect.name == "postgresql":
            conn.execute(_NEW_ERRAND_LINKED, params)
            return
        errand_id = conn.execute(_NEW_ERRAND, params).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(_NEW_LINK, {**params, "errand_id": errand_id})

    def add_link(self, errand: Errand, *, kind: str, ref: str, at: object, detail: dict[str, object]) -> ErrandLink:
        link = ErrandLink(errand_id=errand.id, kind=kind, ref=ref, at=at, detail=detail)
        self.session.add(link)  # flushed with the transaction (the unique (kind, ref) is the last guard)
        return link
