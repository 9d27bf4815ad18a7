"""Venue API: the device registry, pairing, heartbeats and device reports, fault tickets, smart lockers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from smarthall.core.deps import CurrentActor, DbId, DbSession, Now, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.venue import qrscan, service
from smarthall.venue.errors import ScanNotAnImage
from smarthall.venue.schemas import (
    DeviceCreate,
    DeviceStatus,
    FaultAction,
    FaultRead,
    Heartbeat,
    HeartbeatAck,
    LockerLoad,
    LockerLoaded,
    LockerOpen,
    LockerOpened,
    LockerSlotRead,
    Paired,
    PairingCode,
    PairRequest,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["venue"])
FaultStatus = Literal["open", "assigned", "closed"]
DeviceReader = Annotated[Actor, Depends(require("device.read"))]
DeviceManager = Annotated[Actor, Depends(require("device.manage"))]
FaultHandler = Annotated[Actor, Depends(require("venue.faults"))]
LockerStaff = Annotated[Actor, Depends(require("locker.load"))]
Locker = Annotated[Actor, Depends(require("device.locker"))]
KioskDevice = Annotated[Actor, Depends(require("device.kiosk"))]


def set_device_cookie(request: Request, response: Response, key: str) -> None:
    """The device credential: HttpOnly, same-site strict, long-lived (a kiosk is paired for months, not hours)."""
    response.set_cookie(
        identity_service.DEVICE_COOKIE,
        key,
        max_age=400 * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


@router.get("/venue/devices", response_model=list[DeviceStatus])
def list_devices(
    session: DbSession, actor: DeviceReader, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> list[DeviceStatus]:
    """The device registry of the caller's halls: kind, zone, window, status, last heartbeat, open faults."""
    return service.registry(session, actor, limit=limit)


@router.post("/venue/devices", response_model=DeviceStatus, status_code=201)
def create_device(body: DeviceCreate, session: DbSession, actor: DeviceManager, now: Now) -> DeviceStatus:
    """Register a device (unpaired until a pairing code is used on it)."""
    device = service.create_device(session, actor, body, now=now)
    return next(d for d in service.registry(session, actor, limit=500) if d.code == device.code)


@router.post("/venue/devices/{code}/pairing", response_model=PairingCode, status_code=201)
def start_pairing(code: str, request: Request, session: DbSession, actor: DeviceManager, now: Now) -> PairingCode:
    """A one-time pairing code (and the URL to open on the device); earlier unused codes stop working."""
    return service.start_pairing(session, actor, code, base_url=str(request.base_url), now=now)


@router.post("/venue/devices/{code}/revoke", response_model=DeviceStatus)
def revoke_device(code: str, session: DbSession, actor: DeviceManager, now: Now) -> DeviceStatus:
    """Revoke a device: its credential stops working now."""
    service.revoke(session, actor, code, now=now)
    return next(d for d in service.registry(session, actor, limit=500) if d.code == code)


@router.post("/venue/pair", response_model=Paired)
def pair(body: PairRequest, request: Request, response: Response, session: DbSession, now: Now) -> Paired:
    """Use a pairing code on the device: answers with an HttpOnly device cookie (used once; expired: 410)."""
    device, key = service.pair(session, body.code, now=now)
    set_device_cookie(request, response, key)
    return Paired(
        device_code=device.code,
        kind=device.kind,
        hall_code=device.hall.code,
        home=service.home_of(device.kind, device.hall.code),
    )


@router.post("/venue/heartbeat", response_model=HeartbeatAck)
def heartbeat(
    request: Request, session: DbSession, actor: CurrentActor, now: Now, body: Heartbeat | None = None
) -> HeartbeatAck:
    """A device's heartbeat with what it reports (page, paper and toner level, faults). Revoked: 403."""
    device = service.reporting_device(session, actor, identity_service.presented_device_key(request))
    state, opened = service.heartbeat(session, device, body or Heartbeat(), now=now)
    return HeartbeatAck(
        status=state.status, next_in_seconds=state.interval_seconds, opened_faults=[f.id for f in opened]
    )


@router.get("/venue/faults", response_model=list[FaultRead])
def list_faults(session: DbSession, actor: DeviceReader, status: FaultStatus | None = "open") -> list[FaultRead]:
    """Fault tickets and consumable warnings of the caller's halls, newest first (``open``: not yet closed)."""
    return [service.fault_read(f) for f in service.list_faults(session, actor, status=status)]


@router.post("/venue/faults/{fault_id}/actions", response_model=FaultRead)
def act_on_fault(fault_id: DbId, body: FaultAction, session: DbSession, actor: FaultHandler, now: Now) -> FaultRead:
    """Assign a fault ticket to a staff member of its hall, or close it."""
    return service.fault_read(service.act_on_fault(session, actor, fault_id, body, now=now))


@router.get("/venue/lockers/{code}/slots", response_model=list[LockerSlotRead])
def locker_slots(code: str, session: DbSession, actor: LockerStaff) -> list[LockerSlotRead]:
    """The compartments of a locker: empty, loaded or locked."""
    return service.list_slots(session, actor, code)


@router.post("/venue/lockers/{code}/load", response_model=LockerLoaded, status_code=201)
def load_locker(code: str, body: LockerLoad, session: DbSession, actor: LockerStaff, now: Now) -> LockerLoaded:
    """Put a result in a locker compartment; the six-digit pickup code is answered once."""
    return service.load_locker(session, actor, code, ref=body.ref, slot_no=body.slot_no, now=now)


@router.post("/venue/locker/open", response_model=LockerOpened)
def open_locker(body: LockerOpen, session: DbSession, actor: Locker, now: Now) -> LockerOpened:
    """At the locker (a paired locker device): open the compartment whose pickup code this is. Wrong codes are
    counted; ``venue.locker_code_attempts`` of them lock the compartments (423, collect at a window)."""
    return service.open_locker(session, actor, code=body.code, now=now)


@router.post(
    "/venue/scan",
    openapi_extra={"requestBody": {"required": True, "content": {"image/jpeg": {"schema": {"type": "string",
                   "format": "binary"}}, "image/png": {"schema": {"type": "string", "format": "binary"}}}}},
)  # fmt: skip
async def scan_frame(request: Request, actor: KioskDevice) -> dict[str, object]:
    """One still from the kiosk's camera (JPEG or PNG body, at most 2 MB): the QR codes read in it. The kiosk page
    fills the code into the identify form (the phone identity code) or shows what a material's code says."""
    data = await request.body()
    try:
        codes = await run_in_threadpool(qrscan.decode, data)  # native decoding off the event loop
    except qrscan.NotAnImage as exc:
        raise ScanNotAnImage(detail={"reason": str(exc)[:120]}) from exc
    return {"found": bool(codes), "codes": codes[:4]}
