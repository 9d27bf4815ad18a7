"""Operations tables: the staff roster (who is on shift when, with which queues), what the live console compares the
signed-in windows with, and the staffing plan with the rostered counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class Shift(IdMixin, TimestampMixin, Base):
    """One staff member on shift in a hall on one day, from ``starts_at`` to ``ends_at``, at a window (optional)
    and able to serve ``queues`` (queue prefix letters; empty: every queue)."""

    __tablename__ = "ops_shift"
    __table_args__ = (Index("ix_ops_shift_day", "hall_id", "day"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("identity_staff.id"))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    window_code: Mapped[str | None] = mapped_column(String(40))
    queues: Mapped[list[str]] = mapped_column(JsonType, default=list)


class Subscription(IdMixin, TimestampMixin, Base):
    """A citizen's choice for one kind of push (licence_expiry / related_items / policy_match): off until the
    citizen opts in; the consent (when, which wording) is kept with it and every change is audited. ``token`` is
    the one-tap opt-out link's secret."""

    __tablename__ = "ops_subscription"
    __table_args__ = (UniqueConstraint("citizen_id", "topic"),)

    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    topic: Mapped[str] = mapped_column(String(24))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consented_at: Mapped[datetime | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    token: Mapped[str] = mapped_column(String(64), unique=True)


class PushSent(IdMixin, Base):
    """A push made (once per ``ref``: "licence:12:90", "policy:elder_allowance:2027", "related:SC-001:SW-001"),
    which also counts towards the frequency cap."""

    __tablename__ = "ops_push_sent"
    __table_args__ = (UniqueConstraint("citizen_id", "ref"), Index("ix_ops_push_sent_at", "citizen_id", "sent_at"))

    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"))
    topic: Mapped[str] = mapped_column(String(24))
    ref: Mapped[str] = mapped_column(String(96))
    sent_at: Mapped[datetime] = mapped_column()
