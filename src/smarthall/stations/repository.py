"""Every query of the stations domain. A station's profile is scoped like any hall-owned row; a handover is seen by
both of its halls — the receiver and the handler — through the one scope filter (``core.repository.hall_scope``)
applied to either side, and by nobody else (supervisors above either hall included, as everywhere)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import selectinload

from smarthall.core.repository import MAX_PAGE, Repository, hall_scope
from smarthall.core.tenancy import Actor
from smarthall.stations.models import Handover, HandoverEvent, Station


class StationRepository(Repository[Station]):
    model = Station

    def by_hall(self, hall_id: int) -> Station | None:
        return self.session.execute(select(Station).where(Station.hall_id == hall_id)).scalar_one_or_none()

    def bump(self, station: Station, *, seen: int, values: dict[str, Any]) -> bool:
        """Write ``values`` if the station is still at version ``seen`` (one conditional UPDATE)."""
        result = self.session.execute(
            update(Station)
            .where(Station.id == station.id, Station.version == seen)
            .values(version=seen + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.session.refresh(station)
        return True


class HandoverRepository(Repository[Handover]):
    model = Handover

    def scope(self, actor: Actor) -> ColumnElement[bool]:
        """The receiver's or the handler's side is in the actor's scope."""
        return or_(
            hall_scope(Handover, actor, hall_column=Handover.from_hall_id, path_column=Handover.from_region_path),
            hall_scope(Handover, actor, hall_column=Handover.to_hall_id, path_column=Handover.to_region_path),
        )

    def in_scope(self, actor: Actor, handover_id: int) -> Handover | None:
        stmt = select(Handover).where(Handover.id == handover_id, self.scope(actor))
        return self.session.execute(stmt.options(selectinload(Handover.events))).scalar_one_or_none()

    def exists(self, handover_id: int) -> bool:
        return self.session.execute(select(Handover.id).where(Handover.id == handover_id)).first() is not None

    def open_for_case(self, case_id: int) -> Handover | None:
        stmt = select(Handover).where(Handover.case_id == case_id, Handover.status == "transferred")
        return self.session.execute(stmt).scalars().first()

    def listing(self, actor: Actor, *, side: str | None, status: str | None, limit: int, offset: int) -> list[Handover]:
        """Handovers in scope, newest first; ``side`` keeps those the actor's own hall received or handles."""
        stmt = select(Handover).where(self.scope(actor))
        if side == "receiver":
            stmt = stmt.where(Handover.from_hall_id == actor.hall_id)
        elif side == "handler":
            stmt = stmt.where(Handover.to_hall_id == actor.hall_id)
        if status:
            stmt = stmt.where(Handover.status == status)
        stmt = stmt.options(selectinload(Handover.events)).order_by(Handover.id.desc())
        return self.page(stmt, limit=min(limit, MAX_PAGE), offset=offset, count=False).items

    def move(self, handover: Handover, *, source: str, target: str, values: dict[str, Any] | None = None) -> bool:
        """``handover`` from ``source`` to ``target`` if nobody moved it since it was read (one conditional UPDATE)."""
        result = self.session.execute(
            update(Handover)
            .where(Handover.id == handover.id, Handover.status == source, Handover.version == handover.version)
            .values(status=target, version=handover.version + 1, **(values or {}))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.session.refresh(handover)
        return True

    def steps(self, handover_id: int) -> list[HandoverEvent]:
        stmt = select(HandoverEvent).where(HandoverEvent.handover_id == handover_id).order_by(HandoverEvent.id)
        return list(self.session.execute(stmt).scalars())

    def add_event(self, handover: Handover, **values: Any) -> None:
        self.session.add(HandoverEvent(handover_id=handover.id, **values))
        self.session.flush()
