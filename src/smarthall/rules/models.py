"""Rule overrides per scope of the hall tree, and their history (every change is a new version row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin, UTCDateTime


class RuleSetting(IdMixin, TimestampMixin, Base):
    """The live override of one rule at one scope: a region (province/city/county/township) or one hall."""

    __tablename__ = "rules_setting"
    __table_args__ = (UniqueConstraint("key", "scope_code"),)

    key: Mapped[str] = mapped_column(String(80), index=True)
    scope_kind: Mapped[str] = mapped_column(String(8))  # "region" | "hall"
    scope_code: Mapped[str] = mapped_column(String(40), index=True)
    # The owning hall of a hall-level override (NULL for a region): hall-owned rows carry their hall and path.
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("org_hall.id"), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    value: Mapped[Any] = mapped_column(JsonType)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_by: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")


class RuleSettingVersion(IdMixin, Base):
    """One change of a rule at a scope: set to a value, or cleared (inherit again)."""

    __tablename__ = "rules_setting_version"
    __table_args__ = (UniqueConstraint("key", "scope_code", "version"),)

    key: Mapped[str] = mapped_column(String(80), index=True)
    scope_code: Mapped[str] = mapped_column(String(40), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))  # "set" | "clear"
    value: Mapped[Any] = mapped_column(JsonType, nullable=True)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
