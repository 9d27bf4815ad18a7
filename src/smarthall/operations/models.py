"""Operations tables: the staff roster (who is on shift when, with which queues), what the live console compares the
signed-in windows with, and the staffing plan with the rostered counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
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
