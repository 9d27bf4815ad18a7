"""Smart lockers (智能柜, GB/T 44888-2024 §6.9 delivery and §7): compartments loaded with a result under a pickup
code, opened when the code matches; every door event recorded.

A pickup code is six digits told to the applicant; it is stored as a keyed hash of (compartment, code), so the
table does not give codes away. ``venue.locker_code_attempts`` wrong codes lock the compartment (423): the result
is then handed over at a window, where the applicant is identified.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import service as cases_service
from smarthall.core.crypto import blind_index
from smarthall.core.db import attempt
from smarthall.core.errors import Forbidden
from smarthall.core.masking import scrub
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.rules import service as rules_service
from smarthall.venue.errors import DeviceNotFound, LockerCodeWrong, LockerFull, LockerLocked, VenueInvalid
from smarthall.venue.models import LockerEvent, LockerSlot
from smarthall.venue.repository import LockerRepository
from smarthall.venue.schemas import LockerLoaded, LockerOpened, LockerSlotRead


def _code_hash(slot_id: int, code: str) -> str:
    return blind_index(f"{slot_id}:{code.strip()}", "venue_locker_code")


def _event(repo: LockerRepository, slot: LockerSlot, kind: str, by: str, now: datetime) -> None:
    repo.add_event(LockerEvent(slot_id=slot.id, hall_id=slot.hall_id, kind=kind, at=now, by=by[:80]))


def add_slots(session: Session, device: Any, count: int, *, now: datetime) -> None:
    repo = LockerRepository(session)
    have = {s.slot_no for s in repo.slots_of(device.id)}
    for number in range(1, count + 1):
        if number not in have:
            repo.add(
                LockerSlot(
                    hall_id=device.hall_id, region_path=device.hall.region_path, device_id=device.id, slot_no=number
                )
            )
    repo.flush()


def _locker(session: Session, actor: Actor, locker_code: str) -> Any:
    device = identity_service.find_device(session, locker_code)
    if device is None or device.kind != "locker" or not actor.can_see_hall(device.hall_id, device.hall.region_path):
        raise DeviceNotFound(detail={"code": locker_code})
    return device


def load_locker(
    session: Session, actor: Actor, locker_code: str, *, ref: str, slot_no: int | None, now: datetime
) -> LockerLoaded:
    """A clerk puts a result in a free compartment; the pickup code is returned once (to be sent to the applicant)."""
    if not actor.has("locker.load"):
        raise Forbidden("您的角色无权向智能柜投件", "Your role cannot load lockers", code="forbidden_role")
    device = _locker(session, actor, locker_code)
    cases_service.require_result_paid(session, ref)  # a result waiting for its fee is not put in a locker
    repo = LockerRepository(session)
    slot = repo.slot(device.id, slot_no) if slot_no else repo.free_slot(device.id)
    if slot is None or slot.status != "empty":
        raise LockerFull(detail={"locker": locker_code})
    code = f"{secrets.randbelow(10**6):06d}"
    slot.status, slot.ref, slot.code_hash = "loaded", ref, _code_hash(slot.id, code)
    slot.failed_attempts, slot.loaded_at = 0, now
    _event(repo, slot, "loaded", actor.label, now)
    return LockerLoaded(locker_code=device.code, slot_no=slot.slot_no, ref=ref, pickup_code=code)


def open_locker(session: Session, actor: Actor, *, code: str, now: datetime) -> LockerOpened:
    """The locker itself (a paired ``locker`` device) checks a typed code against its loaded compartments."""
    if actor.kind != "device" or actor.device_kind != "locker" or actor.id is None:
        raise Forbidden("只有智能柜可以开柜", "Only a locker can open its doors", code="forbidden_role")
    if not code.strip().isdigit():
        raise VenueInvalid("取件码为6位数字", "The pickup code is six digits", code="locker_code_format")
    repo = LockerRepository(session)
    device = identity_service.get_device(session, actor.id)
    if device is None:
        raise DeviceNotFound()
    attempts = int(rules_service.value(session, device.hall, "venue.locker_code_attempts"))
    loaded = [s for s in repo.slots_of(device.id) if s.status in ("loaded", "locked")]
    for slot in loaded:
        digest = _code_hash(slot.id, code)
        if slot.status == "loaded" and slot.code_hash == digest:
            ref = slot.ref or ""
            if not repo.take(slot.id, digest):
                raise LockerCodeWrong(detail={"attempts_left": attempts})  # another tap opened it a moment ago
            session.refresh(slot)
            _event(repo, slot, "opened", actor.label, now)
            return LockerOpened(slot_no=slot.slot_no, ref=ref)
    # a wrong code counts against every compartment still loaded at this locker: guessing is bounded per locker
    live = [s for s in loaded if s.status == "loaded"]
    for slot in live:
        slot.failed_attempts += 1
        _event(repo, slot, "wrong_code", actor.label, now)
        if slot.failed_attempts >= attempts:
            slot.status = "locked"
            _event(repo, slot, "locked", actor.label, now)
    left = max(0, attempts - max((s.failed_attempts for s in live), default=attempts))
    error: Exception = LockerLocked() if left == 0 and loaded else LockerCodeWrong(detail={"attempts_left": left})
    with attempt(session):  # the counted try and its door events are committed although the request is refused
        raise error


def list_slots(session: Session, actor: Actor, locker_code: str) -> list[LockerSlotRead]:
    if not actor.has("locker.load") and not actor.has("device.read"):
        raise Forbidden("您的角色无权查看智能柜", "Your role cannot see lockers", code="forbidden_role")
    device = _locker(session, actor, locker_code)
    return [
        LockerSlotRead(
            slot_no=s.slot_no,
            status=s.status,
            ref_masked=scrub(s.ref) if s.ref else None,
            failed_attempts=s.failed_attempts,
            loaded_at=s.loaded_at,
        )
        for s in LockerRepository(session).slots_of(device.id)
    ]
