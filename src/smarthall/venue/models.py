"""Venue tables (智能化场所, GB/T 44888-2024 §7): pairing codes, device state (heartbeat, consumables), fault tickets,
smart-locker compartments and their door events.

The device record itself (code, kind, zone, window, key) stays ``identity_device``: the device is an actor and
identity resolves actors. Venue keeps what a device reports and what the hall does about it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, TimestampMixin


class Pairing(IdMixin, TimestampMixin, Base):
    """A one-time pairing code for one device: used once, or expired, never again."""

    __tablename__ = "venue_pairing"

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("identity_device.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(80))


class DeviceState(IdMixin, TimestampMixin, Base):
    """What a device last reported: heartbeat, page, consumables, door. One row per device."""

    __tablename__ = "venue_device_state"

    device_id: Mapped[int] = mapped_column(ForeignKey("identity_device.id"), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default="unknown")  # unknown | online | offline | fault | revoked
    last_beat_at: Mapped[datetime | None] = mapped_column(index=True)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=60)
    page: Mapped[str] = mapped_column(String(200), default="")
    paper_percent: Mapped[int | None] = mapped_column(Integer)
    toner_percent: Mapped[int | None] = mapped_column(Integer)
    paired_at: Mapped[datetime | None] = mapped_column()


class Fault(IdMixin, TimestampMixin, Base):
    """A fault ticket (设备故障工单): offline, jam, door fault, consumable low. open -> assigned -> closed."""

    __tablename__ = "venue_fault"

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(40))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("identity_device.id"), index=True)
    device_code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(24))  # offline | paper_jam | paper_low | paper_out | toner_low | door
    severity: Mapped[str] = mapped_column(String(8))  # alert | warning
    status: Mapped[str] = mapped_column(String(12), index=True)  # open | assigned | closed
    detail: Mapped[str] = mapped_column(Text, default="")
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    opened_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class LockerSlot(IdMixin, TimestampMixin, Base):
    """One compartment of a smart locker (智能柜格口): empty, or loaded with a result under a pickup code."""

    __tablename__ = "venue_locker_slot"
    __table_args__ = (UniqueConstraint("device_id", "slot_no"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("identity_device.id"), index=True)
    slot_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="empty")  # empty | loaded | locked
    ref: Mapped[str | None] = mapped_column(String(64))  # the case number or document of the result
    code_hash: Mapped[str | None] = mapped_column(String(64))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[datetime | None] = mapped_column()


class LockerEvent(IdMixin, Base):
    """A door event of a locker compartment: loaded, opened (picked up), wrong code, locked out, door fault."""

    __tablename__ = "venue_locker_event"

    slot_id: Mapped[int] = mapped_column(ForeignKey("venue_locker_slot.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column()
    by: Mapped[str] = mapped_column(String(80))


class KioskSession(IdMixin, TimestampMixin, Base):
    """One citizen's self-service visit at a kiosk (Annex B): who (once identified), which item, which step, the
    case filed. Ended by finishing, by the citizen, or by the inactivity timeout — the screen and this session go."""

    __tablename__ = "venue_kiosk_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("identity_device.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    region_path: Mapped[str] = mapped_column(String(200))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"))
    identified_via: Mapped[str | None] = mapped_column(String(16))  # id_card | phone_qr | id_code
    pending_citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"))
    code_hash: Mapped[str | None] = mapped_column(String(64))  # the one-time code sent to the registered phone
    code_expires_at: Mapped[datetime | None] = mapped_column()
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    item_code: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(16), default="identify")
    case_no: Mapped[str | None] = mapped_column(String(40))
    large: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by: Mapped[str | None] = mapped_column(String(16))  # done | citizen | timeout
