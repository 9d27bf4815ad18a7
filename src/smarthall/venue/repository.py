"""Queries of the venue: pairing codes, device states, fault tickets, locker compartments and events.

Every list a person sees starts from ``Repository.scoped`` (the one hall scope filter); the lookups a device makes
about itself (its own state, its own compartments) are by its own id, which identity resolved from its key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from smarthall.core.db import for_update
from smarthall.core.repository import Repository
from smarthall.core.tenancy import Actor
from smarthall.venue.models import DeviceState, Fault, KioskSession, LockerEvent, LockerSlot, Pairing


class PairingRepository(Repository[Pairing]):
    model = Pairing

    def by_hash(self, code_hash: str, *, lock: bool = False) -> Pairing | None:
        stmt = select(Pairing).where(Pairing.code_hash == code_hash)
        if lock and for_update(self.session):
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def consume(self, pairing_id: int, now: datetime) -> bool:
        """Mark the code used, once: the conditional UPDATE is the guard against two devices racing one code."""
        result = self.session.execute(
            update(Pairing).where(Pairing.id == pairing_id, Pairing.used_at.is_(None)).values(used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def void_open(self, device_id: int, now: datetime) -> None:
        """Every unused code of a device stops working (on revocation or a new code)."""
        self.session.execute(
            update(Pairing).where(Pairing.device_id == device_id, Pairing.used_at.is_(None)).values(used_at=now)
        )


class DeviceStateRepository(Repository[DeviceState]):
    model = DeviceState

    def of_device(self, device_id: int) -> DeviceState | None:
        return self.session.execute(select(DeviceState).where(DeviceState.device_id == device_id)).scalar_one_or_none()

    def in_scope(self, actor: Actor) -> dict[int, DeviceState]:
        return {s.device_id: s for s in self.session.execute(self.scoped(actor)).scalars()}

    def silent(self, now: datetime) -> list[DeviceState]:
        """Online devices whose last heartbeat is older than their interval (the caller applies the rule)."""
        stmt = select(DeviceState).where(
            DeviceState.status.in_(("online", "fault")), DeviceState.last_beat_at.is_not(None)
        )
        return [s for s in self.session.execute(stmt).scalars() if s.last_beat_at is not None and s.last_beat_at < now]


class FaultRepository(Repository[Fault]):
    model = Fault

    def open_of(self, device_id: int, kind: str) -> Fault | None:
        stmt = select(Fault).where(Fault.device_id == device_id, Fault.kind == kind, Fault.status != "closed")
        return self.session.execute(stmt.limit(1)).scalar_one_or_none()

    def list_in_scope(self, actor: Actor, *, status: str | None = None, limit: int = 200) -> list[Fault]:
        stmt = self.scoped(actor)
        if status == "open":
            stmt = stmt.where(Fault.status != "closed")
        elif status:
            stmt = stmt.where(Fault.status == status)
        stmt = stmt.order_by(Fault.opened_at.desc(), Fault.id.desc()).limit(limit)
        return list(self.session.execute(stmt).scalars())

    def get_scoped(self, actor: Actor, fault_id: int) -> Fault | None:
        stmt = self.scoped(actor).where(Fault.id == fault_id)
        if for_update(self.session):
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()


class LockerRepository(Repository[LockerSlot]):
    model = LockerSlot

    def slots_of(self, device_id: int) -> list[LockerSlot]:
        stmt = select(LockerSlot).where(LockerSlot.device_id == device_id).order_by(LockerSlot.slot_no)
        return list(self.session.execute(stmt).scalars())

    def free_slot(self, device_id: int) -> LockerSlot | None:
        stmt = (
            select(LockerSlot)
            .where(LockerSlot.device_id == device_id, LockerSlot.status == "empty")
            .order_by(LockerSlot.slot_no)
            .limit(1)
        )
        if for_update(self.session):
            stmt = stmt.with_for_update(skip_locked=True)
        return self.session.execute(stmt).scalar_one_or_none()

    def slot(self, device_id: int, slot_no: int) -> LockerSlot | None:
        stmt = select(LockerSlot).where(LockerSlot.device_id == device_id, LockerSlot.slot_no == slot_no)
        if for_update(self.session):
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def take(self, slot_id: int, code_hash: str) -> bool:
        """Empty a loaded compartment whose code this is, once: the conditional UPDATE is the guard against two
        taps of the same code opening the door twice."""
        result = self.session.execute(
            update(LockerSlot)
            .where(LockerSlot.id == slot_id, LockerSlot.status == "loaded", LockerSlot.code_hash == code_hash)
            .values(status="empty", ref=None, code_hash=None, failed_attempts=0)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def add_event(self, event: LockerEvent) -> None:
        self.session.add(event)

    def events(self, slot_ids: list[int], limit: int = 50) -> list[LockerEvent]:
        stmt = (
            select(LockerEvent)
            .where(LockerEvent.slot_id.in_(slot_ids))
            .order_by(LockerEvent.at.desc(), LockerEvent.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())


class KioskSessionRepository(Repository[KioskSession]):
    model = KioskSession

    def live(self, token_hash: str, device_id: int) -> KioskSession | None:
        """The device's own open session for a token (a token from another kiosk opens nothing)."""
        stmt = select(KioskSession).where(
            KioskSession.token_hash == token_hash, KioskSession.device_id == device_id, KioskSession.ended_at.is_(None)
        )
        return self.session.execute(stmt).scalar_one_or_none()
