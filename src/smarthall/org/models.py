"""Regions, halls, zones, departments, windows."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class Region(IdMixin, TimestampMixin, Base):
    __tablename__ = "org_region"

    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str | None] = mapped_column(String(200))  # issue 16: the English name (None: the Chinese one)
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)


class Hall(IdMixin, TimestampMixin, Base):
    __tablename__ = "org_hall"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(200))  # issue 16: the English name (None: the Chinese one)
    level: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(12), ForeignKey("org_region.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(256), default="")
    hotline: Mapped[str] = mapped_column(String(32), default="")
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    zones: Mapped[list[Zone]] = relationship(back_populates="hall", order_by="Zone.code")
    windows: Mapped[list[Window]] = relationship(back_populates="hall", order_by="Window.code")


class Zone(IdMixin, TimestampMixin, Base):
    __tablename__ = "org_zone"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(200))  # issue 16: the English name (None: the Chinese one)
    type: Mapped[str] = mapped_column(String(32))
    floor: Mapped[int | None] = mapped_column(Integer)

    hall: Mapped[Hall] = relationship(back_populates="zones")


class Department(IdMixin, TimestampMixin, Base):
    __tablename__ = "org_department"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(200))  # issue 16: the English name (None: the Chinese one)
    parent_name: Mapped[str | None] = mapped_column(String(128))
    units: Mapped[list[str]] = mapped_column(JsonType, default=list)
    note: Mapped[str] = mapped_column(Text, default="")


class Window(IdMixin, TimestampMixin, Base):
    __tablename__ = "org_window"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    zone_code: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(200))  # issue 16: the English name (None: the Chinese one)
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    hall: Mapped[Hall] = relationship(back_populates="windows")
    items: Mapped[list[WindowItem]] = relationship(
        back_populates="window", cascade="all, delete-orphan", order_by="WindowItem.item_code"
    )


class WindowItem(Base):
    __tablename__ = "org_window_item"
    __table_args__ = (UniqueConstraint("window_id", "item_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("org_window.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(32), index=True)

    window: Mapped[Window] = relationship(back_populates="items")


class CalendarOverride(IdMixin, TimestampMixin, Base):
    """A local exception to the official working-day calendar for a region (and all below it) or one hall."""

    __tablename__ = "org_calendar_override"
    __table_args__ = (UniqueConstraint("scope_code", "day"),)

    scope_code: Mapped[str] = mapped_column(String(40), index=True)  # a region code or a hall code
    day: Mapped[date] = mapped_column(Date)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
