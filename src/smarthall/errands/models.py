"""Errand tables (一件一码): the errand with its one code, and the links from every record of its thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class Errand(IdMixin, TimestampMixin, Base):
    """One citizen errand, from its first touch (booking, ticket or case) to its archive and rating."""

    __tablename__ = "errands_errand"

    code: Mapped[str] = mapped_column(String(24), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    subject_index: Mapped[str | None] = mapped_column(String(64), index=True)  # blind index of the ID number
    item_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | archived
    opened_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    links: Mapped[list[ErrandLink]] = relationship(back_populates="errand", order_by="ErrandLink.id")


class ErrandLink(IdMixin, Base):
    """One record of the thread: ``kind`` (booking, ticket, case, archive, rating) and its reference (booking code,
    ticket id, case number, ...). A record belongs to one errand. ``detail`` holds no personal data."""

    __tablename__ = "errands_link"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    errand_id: Mapped[int] = mapped_column(ForeignKey("errands_errand.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)

    errand: Mapped[Errand] = relationship(back_populates="links")
