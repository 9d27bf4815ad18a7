"""Assisted and proxy handling tables (帮办代办): help requests and proxy authorizations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.crypto import EncryptedString
from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class HelpRequest(IdMixin, TimestampMixin, Base):
    """A request for a helper: open -> assigned -> in_progress -> done | cancelled, each step timed."""

    __tablename__ = "assist_help_request"

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(40))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(16))  # kiosk | guide_desk | web | window | video
    item_code: Mapped[str | None] = mapped_column(String(32))
    zone_code: Mapped[str | None] = mapped_column(String(40))
    skill: Mapped[str | None] = mapped_column(String(16))  # department code of the item
    description: Mapped[str] = mapped_column(Text, default="")
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedString("assist_help_request.contact_phone"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("consult_question.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column()
    assigned_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    ticket_ref: Mapped[str | None] = mapped_column(String(64))
    case_ref: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class ProxyAuthorization(IdMixin, TimestampMixin, Base):
    """An entrustor's authorization of an agent for some items and acts, within a validity window.

    pending_confirmation -> accepted -> in_progress <-> suspended -> completed | terminated.
    """

    __tablename__ = "assist_proxy_authorization"

    hall_id: Mapped[int | None] = mapped_column(ForeignKey("org_hall.id"), index=True)
    region_path: Mapped[str | None] = mapped_column(String(200))
    entrustor_citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    agent_kind: Mapped[str] = mapped_column(String(8))  # "citizen" | "staff"
    agent_citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    agent_staff_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"), index=True)
    item_codes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    scope: Mapped[list[str]] = mapped_column(JsonType, default=list)  # acts: consult, declare, submit, sign, collect
    valid_from: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(24), index=True)
    # How the entrustor agreed: "login" (their own session), "code" (the one-time code sent to their phone) or
    # "paper" (a signed paper form registered at a desk of this hall after checking the entrustor's identity).
    confirmed_via: Mapped[str | None] = mapped_column(String(16))
    confirmed_at: Mapped[datetime | None] = mapped_column()
    # The scanned signature or paper form (PNG, base64), sealed at rest like every personal field.
    signature_image: Mapped[str | None] = mapped_column(EncryptedString("assist_proxy_authorization.signature_image"))
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    # The desk's identity check of the entrustor for a paper form: who checked, when, how, where (ID number masked).
    identity_check: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    # The one-time confirmation code sent to the entrustor's phone: only its keyed hash is kept.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_sent_at: Mapped[datetime | None] = mapped_column()
    code_expires_at: Mapped[datetime | None] = mapped_column()
    code_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(80))
    help_request_id: Mapped[int | None] = mapped_column(ForeignKey("assist_help_request.id"))
    history: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    step_count: Mapped[int] = mapped_column(Integer, default=0)
