"""Appointment tables: slots per hall × item group × time, bookings, and credit blocks.

The slot's ``booked`` counter moves only by a conditional ``UPDATE … WHERE booked < capacity``, so a slot is never
overbooked; ``live_key`` (citizen, item, day while the booking is live) is unique, so nobody holds two live
bookings for the same item on the same day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, TimestampMixin


class Slot(IdMixin, Base):
    __tablename__ = "appointment_slot"
    __table_args__ = (UniqueConstraint("hall_id", "group_code", "starts_at"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    group_code: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Booking(IdMixin, TimestampMixin, Base):
    __tablename__ = "appointment_booking"

    code: Mapped[str] = mapped_column(String(24), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slot.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column()
    # booked → checked_in | cancelled | no_show
    status: Mapped[str] = mapped_column(String(16), index=True)
    live_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    checked_in_at: Mapped[datetime | None] = mapped_column()
    no_show_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()
    ticket_id: Mapped[int | None] = mapped_column(Integer)


class CreditBlock(IdMixin, TimestampMixin, Base):
    """A citizen barred from booking until ``blocked_until`` (credit rule: no-shows or cancellations)."""

    __tablename__ = "appointment_credit_block"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    blocked_until: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(String(32))
