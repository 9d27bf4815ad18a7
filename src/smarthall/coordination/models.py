"""Coordination tables (业务协同): the data-sharing ledger (共享调用台账)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, JsonType


class ShareLookup(IdMixin, Base):
    """One lookup in another department's data: who asked, for what purpose, on which legal basis, for which case,
    which fields, about whom (the citizen and the blind index of the subject — never the subject or value in clear)."""

    __tablename__ = "coordination_share_lookup"

    at: Mapped[datetime] = mapped_column(index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    subject_index: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str] = mapped_column(String(32))  # whose data was looked up (税务, 市场监管 ...)
    fields: Mapped[list[str]] = mapped_column(JsonType, default=list)
    requester: Mapped[str] = mapped_column(String(64))  # the actor's label: staff:clerk1, citizen:3, system
    requester_department: Mapped[str | None] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(32))  # prefill | verification
    legal_basis: Mapped[str] = mapped_column(String(200))
    case_no: Mapped[str | None] = mapped_column(String(48), index=True)
    found: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
