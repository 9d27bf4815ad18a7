"""Station tables: a township station's profile (便民服务站: the items it finishes itself, its supervising hall) and
the handovers of cases between halls (收件在站、审批在县; 跨域通办/异地代收) with their trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class Station(IdMixin, TimestampMixin, Base):
    """A township hall run as a light hall: one comprehensive window, the station's items (the catalog's level
    inheritance with the hall's own switches), of which ``local_items`` are finished at the station; every other
    item is received there and handed up to ``supervisor`` (the nearest hall above it in the tree)."""

    __tablename__ = "stations_station"

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), unique=True)
    hall_code: Mapped[str] = mapped_column(String(32), unique=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    supervisor_hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"))
    supervisor_hall_code: Mapped[str] = mapped_column(String(32))
    window_code: Mapped[str] = mapped_column(String(40))
    local_items: Mapped[list[str]] = mapped_column(JsonType, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_by: Mapped[str] = mapped_column(String(80), default="")


class Handover(IdMixin, TimestampMixin, Base):
    """A case received at one hall (``from``: the receiver) and handled at another (``to``: the handler).

    ``kind``: ``station`` (a township station hands up to its supervising hall) or ``cross_region`` (another
    region's hall handles it, 跨域通办). ``result_at``: where the citizen gets the result — ``receiver`` (back at the
    hall that received it), ``handler`` or ``post``. ``status``: transferred → result_sent → handed_out, or
    transferred → posted; both halls see the row (the one scope filter over either side)."""

    __tablename__ = "stations_handover"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases_case.id"), index=True)
    case_no: Mapped[str] = mapped_column(String(48), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    result_at: Mapped[str] = mapped_column(String(16))
    from_hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    from_hall_code: Mapped[str] = mapped_column(String(32))
    from_region_path: Mapped[str] = mapped_column(String(200), index=True)
    to_hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    to_hall_code: Mapped[str] = mapped_column(String(32))
    to_region_path: Mapped[str] = mapped_column(String(200), index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    result_sent_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    events: Mapped[list[HandoverEvent]] = relationship(back_populates="handover", order_by="HandoverEvent.id")


class HandoverEvent(IdMixin, Base):
    """One step of a handover's trail: who, at which hall, when, from which status to which. No personal data."""

    __tablename__ = "stations_handover_event"

    handover_id: Mapped[int] = mapped_column(ForeignKey("stations_handover.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    hall_code: Mapped[str] = mapped_column(String(32))
    actor_ref: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")

    handover: Mapped[Handover] = relationship(back_populates="events")
