"""Staff, citizens and devices. Personal fields are sealed (EncryptedString) with a keyed blind index for lookup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smarthall.core.crypto import EncryptedString
from smarthall.core.models import Base, IdMixin, TimestampMixin
from smarthall.org.models import Hall


class LoginStateMixin:
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Staff(IdMixin, TimestampMixin, LoginStateMixin, Base):
    __tablename__ = "identity_staff"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(EncryptedString("identity_staff.name"))
    role: Mapped[str] = mapped_column(String(16))
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    window_code: Mapped[str | None] = mapped_column(String(40))
    zone_code: Mapped[str | None] = mapped_column(String(40))
    department_code: Mapped[str | None] = mapped_column(String(16))
    employee_no: Mapped[str] = mapped_column(String(32), default="")
    duty: Mapped[str] = mapped_column(Text, default="")
    # The person behind the account (separation of duties is checked by person, not only by account).
    id_number: Mapped[str | None] = mapped_column(EncryptedString("identity_staff.id_number"))
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)

    hall: Mapped[Hall] = relationship()


class Citizen(IdMixin, TimestampMixin, LoginStateMixin, Base):
    __tablename__ = "identity_citizen"

    name: Mapped[str] = mapped_column(EncryptedString("identity_citizen.name"))
    id_number: Mapped[str] = mapped_column(EncryptedString("identity_citizen.id_number"))
    id_number_index: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(EncryptedString("identity_citizen.phone"))
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(EncryptedString("identity_citizen.address"))
    # When the phone on record was proven by a one-time SMS code (registration, or ``POST /me/phone-verification``);
    # None: not verified (accounts from before phone codes, or whose number changed). Codes meant for the citizen
    # (a proxy confirmation) go only to a verified phone, and an unverified account neither files nor books.
    phone_verified_at: Mapped[datetime | None] = mapped_column()


class Device(IdMixin, TimestampMixin, Base):
    __tablename__ = "identity_device"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    zone_code: Mapped[str | None] = mapped_column(String(40))
    window_code: Mapped[str | None] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column()

    hall: Mapped[Hall] = relationship()


class PhoneCode(IdMixin, TimestampMixin, Base):
    """A one-time code sent by SMS to prove a mobile number before registration (issue 12, item 15). The number is
    kept only as its keyed blind index and the code only as a keyed digest; the SMS itself goes through the outbox."""

    __tablename__ = "identity_phone_code"

    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]
