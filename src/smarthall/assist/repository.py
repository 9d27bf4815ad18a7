"""Queries of assisted and proxy handling: help requests and proxy authorizations, every hall-owned read through the
one scope filter (``core.repository.hall_scope``).

Who sees what, decided here in SQL:

- a help request: its citizen (by owner), or staff of its hall — supervising roles (``core.tenancy``) also the
  halls beneath theirs;
- a proxy authorization: its entrustor and its citizen agent (by owner), its staff agent, and the desks
  (``proxy.manage``) whose scope holds the authorization's hall. An authorization without a hall (created before
  authorizations belonged to halls) is seen by its parties only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, or_, select

from smarthall.assist.models import HelpRequest, ProxyAuthorization
from smarthall.core.db import for_update
from smarthall.core.repository import Repository, hall_scope
from smarthall.core.tenancy import Actor


class HelpRequestRepository(Repository[HelpRequest]):
    model = HelpRequest

    def visible(self, actor: Actor) -> ColumnElement[bool]:
        """The help requests ``actor`` may see: a citizen their own; staff those of the halls in their scope."""
        if actor.kind == "citizen" and actor.id is not None:
            return HelpRequest.citizen_id == actor.id
        if actor.kind in ("staff", "system"):
            return hall_scope(HelpRequest, actor)
        return false()

    def get_visible(self, actor: Actor, request_id: int, *, lock: bool = False) -> HelpRequest | None:
        stmt = select(HelpRequest).where(HelpRequest.id == request_id, self.visible(actor))
        if lock and for_update(self.session):
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def list_visible(
        self, actor: Actor, *, status: str | None = None, assigned_to: int | None = None, limit: int = 200
    ) -> list[HelpRequest]:
        """Newest first; scope, filters and limit in SQL (a page is never short)."""
        stmt = select(HelpRequest).where(self.visible(actor))
        if status:
            stmt = stmt.where(HelpRequest.status == status)
        if assigned_to is not None:
            stmt = stmt.where(HelpRequest.assigned_staff_id == assigned_to)
        stmt = stmt.order_by(HelpRequest.opened_at.desc(), HelpRequest.id.desc()).limit(limit)
        return list(self.session.execute(stmt).scalars())

    def finished_by_helper(self, actor: Actor, hall_id: int, start: datetime, end: datetime) -> list[int]:
        """The helper (staff id) of each of the hall's help requests finished in [start, end)."""
        stmt = select(HelpRequest.assigned_staff_id).where(
            self.visible(actor),
            HelpRequest.hall_id == hall_id,
            HelpRequest.status == "done",
            HelpRequest.assigned_staff_id.is_not(None),
            HelpRequest.finished_at >= start,
            HelpRequest.finished_at < end,
        )
        return [int(s) for s in self.session.execute(stmt).scalars() if s is not None]

    def unanswered(self, actor: Actor, hall_id: int, opened_before: datetime) -> list[HelpRequest]:
        """The hall's requests no helper has started on (open or assigned) opened before ``opened_before``."""
        stmt = select(HelpRequest).where(
            self.visible(actor),
            HelpRequest.hall_id == hall_id,
            HelpRequest.status.in_(("open", "assigned")),
            HelpRequest.opened_at < opened_before,
        )
        return list(self.session.execute(stmt.order_by(HelpRequest.opened_at, HelpRequest.id)).scalars())

    def by_id(self, request_id: int) -> HelpRequest | None:
        """Unscoped, for the served-subject resolver (the evaluation domain decides who rates what)."""
        return self.session.get(HelpRequest, request_id)

    def loads(self, hall_id: int) -> dict[int, int]:
        """Open work per helper of a hall: how many requests each has assigned or in progress."""
        rows = self.session.execute(
            select(HelpRequest.assigned_staff_id, func.count(HelpRequest.id))
            .where(HelpRequest.hall_id == hall_id, HelpRequest.status.in_(("assigned", "in_progress")))
            .group_by(HelpRequest.assigned_staff_id)
        )
        return {int(sid): int(n) for sid, n in rows if sid is not None}


class ProxyRepository(Repository[ProxyAuthorization]):
    model = ProxyAuthorization

    def visible(self, actor: Actor) -> ColumnElement[bool]:
        P = ProxyAuthorization
        if actor.kind == "citizen" and actor.id is not None:
            return or_(P.entrustor_citizen_id == actor.id, P.agent_citizen_id == actor.id)
        if actor.kind == "system":
            return hall_scope(P, actor)
        if actor.kind == "staff" and actor.id is not None:
            mine = P.agent_staff_id == actor.id
            if actor.has("proxy.manage"):
                return or_(mine, hall_scope(P, actor))
            return mine
        return false()

    def get_visible(self, actor: Actor, proxy_id: int, *, lock: bool = False) -> ProxyAuthorization | None:
        stmt = select(ProxyAuthorization).where(ProxyAuthorization.id == proxy_id, self.visible(actor))
        if lock and for_update(self.session):
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def by_id(self, proxy_id: int, *, lock: bool = False) -> ProxyAuthorization | None:
        """Unscoped: for checks made on behalf of another domain (the caller has decided who may ask)."""
        stmt = select(ProxyAuthorization).where(ProxyAuthorization.id == proxy_id)
        if lock and for_update(self.session):
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def list_visible(self, actor: Actor, *, status: str | None = None, limit: int = 200) -> list[ProxyAuthorization]:
        stmt = select(ProxyAuthorization).where(self.visible(actor))
        if status:
            stmt = stmt.where(ProxyAuthorization.status == status)
        return list(self.session.execute(stmt.order_by(ProxyAuthorization.id.desc()).limit(limit)).scalars())

    def live_for(self, entrustor_citizen_id: int, statuses: Iterable[str]) -> list[ProxyAuthorization]:
        """The entrustor's authorizations in any of ``statuses``, oldest first."""
        stmt = (
            select(ProxyAuthorization)
            .where(
                ProxyAuthorization.entrustor_citizen_id == entrustor_citizen_id,
                ProxyAuthorization.status.in_(tuple(statuses)),
            )
            .order_by(ProxyAuthorization.id)
        )
        return list(self.session.execute(stmt).scalars())
