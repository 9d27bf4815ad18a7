"""Venue API shapes: the device registry, pairing, heartbeats, fault tickets, locker pickup."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from smarthall.core.schemas import RequestModel
from smarthall.core.types import BigId

DeviceKind = Literal["kiosk", "form_terminal", "window_pad", "display", "locker", "printer", "robot"]
FaultReport = Literal["paper_jam", "paper_out", "door", "printer_offline", "camera", "card_reader", "other"]


class DeviceCreate(RequestModel):
    code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    kind: DeviceKind
    name: str = Field(min_length=1, max_length=128)
    hall_code: str = Field(max_length=40)
    zone_code: str | None = Field(default=None, max_length=40)
    window_code: str | None = Field(default=None, max_length=40)
    slots: int = Field(default=0, ge=0, le=200)  # compartments, for a locker


class DeviceStatus(BaseModel):
    code: str
    kind: str
    name: str
    hall_code: str
    zone_code: str | None
    window_code: str | None
    active: bool
    status: str  # unknown | online | offline | fault | revoked
    last_beat_at: datetime | None
    paper_percent: int | None
    page: str
    open_faults: int


class PairingCode(BaseModel):
    device_code: str
    code: str  # shown once, to be typed on the device (or scanned from the QR)
    pair_url: str
    expires_at: datetime


class PairRequest(RequestModel):
    code: str = Field(min_length=4, max_length=16)


class Paired(BaseModel):
    device_code: str
    kind: str
    hall_code: str
    home: str  # the page the device opens next


class Heartbeat(RequestModel):
    page: str = Field(default="", max_length=200)
    paper_percent: int | None = Field(default=None, ge=0, le=100)
    toner_percent: int | None = Field(default=None, ge=0, le=100)
    faults: list[FaultReport] = Field(default_factory=list, max_length=8)
    detail: str = Field(default="", max_length=500)


class HeartbeatAck(BaseModel):
    status: str
    next_in_seconds: int
    opened_faults: list[int]


class FaultRead(BaseModel):
    id: int
    hall_code: str
    device_code: str
    kind: str
    severity: str
    status: str
    detail: str
    assigned_staff_id: int | None
    opened_at: datetime
    closed_at: datetime | None
    note: str


class FaultAction(RequestModel):
    action: Literal["assign", "close"]
    staff_id: BigId | None = None
    note: str = Field(default="", max_length=1000)


class LockerLoad(RequestModel):
    ref: str = Field(min_length=1, max_length=64)  # the case number of the result put in
    slot_no: int | None = Field(default=None, ge=1, le=200)


class LockerLoaded(BaseModel):
    locker_code: str
    slot_no: int
    ref: str
    pickup_code: str  # told to the applicant (SMS); kept here only as a keyed hash


class LockerOpen(RequestModel):
    code: str = Field(min_length=4, max_length=12)


class LockerOpened(BaseModel):
    slot_no: int
    ref: str


class LockerSlotRead(BaseModel):
    slot_no: int
    status: str
    ref_masked: str | None
    failed_attempts: int
    loaded_at: datetime | None
