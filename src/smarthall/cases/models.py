"""Case tables: uploaded files, the case with its timeline, case-number counters, demo data-sharing records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smarthall.core.crypto import EncryptedJson, EncryptedString
from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class UploadedFile(TimestampMixin, Base):
    """An uploaded material. The bytes live under ``SMARTHALL_DATA_DIR/uploads``; the row keeps the checksum."""

    __tablename__ = "cases_file"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(16))  # citizen | staff
    owner_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(300))


class CaseCounter(Base):
    __tablename__ = "cases_counter"
    __table_args__ = (UniqueConstraint("hall_code", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_code: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(8))
    value: Mapped[int] = mapped_column(Integer, default=0)


class Case(IdMixin, TimestampMixin, Base):
    __tablename__ = "cases_case"

    case_no: Mapped[str] = mapped_column(String(48), unique=True)
    item_code: Mapped[str] = mapped_column(String(32), index=True)
    item_version: Mapped[int] = mapped_column(Integer)
    item_name: Mapped[str] = mapped_column(String(128))
    item_type: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str] = mapped_column(String(16), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(EncryptedString("cases_case.applicant_name"))
    applicant_id_index: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="online")
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    form_json: Mapped[str] = mapped_column(EncryptedString("cases_case.form_json"))
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    precheck: Mapped[dict[str, Any]] = mapped_column(EncryptedJson("cases_case.precheck"), default=dict)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJson("cases_case.evidence"))
    missing: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    delivery: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    reviews: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)  # joint review: department → decision
    # The workflow steps the case follows, resolved when it was filed (the item version's steps with the hall's
    # own roles and limits then, ``catalog.service.item_steps``): later changes of either reach new cases only.
    # NULL (cases filed before plans were kept): resolved from the item version and the hall's current settings.
    step_plan: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonType, nullable=True)
    submitted_at: Mapped[datetime] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    promised_due: Mapped[date] = mapped_column(Date)
    legal_due: Mapped[date] = mapped_column(Date)
    tolerated_until: Mapped[date | None] = mapped_column(Date)
    stopped_since: Mapped[date | None] = mapped_column(Date)
    stopped_workdays: Mapped[int] = mapped_column(Integer, default=0)
    warned_level: Mapped[str] = mapped_column(String(8), default="none")
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    auto_decided: Mapped[bool] = mapped_column(Boolean, default=False)

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")


class CaseEvent(IdMixin, Base):
    """One step of the timeline. ``note`` and ``detail`` hold no personal data in clear."""

    __tablename__ = "cases_event"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_ref: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(EncryptedJson("cases_event.detail"), default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class ShareRecord(IdMixin, TimestampMixin, Base):
    """A demo record of another department's system (共享交换), keyed by the blind index of an ID number or USCC."""

    __tablename__ = "cases_share_record"
    __table_args__ = (UniqueConstraint("department", "field", "subject_index"),)

    department: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(64))
    subject_index: Mapped[str] = mapped_column(String(64), index=True)
    value: Mapped[str] = mapped_column(String(200))


class CaseDraft(IdMixin, TimestampMixin, Base):
    """A citizen's unfinished form for one item (草稿), sealed like the case form."""

    __tablename__ = "cases_draft"
    __table_args__ = (UniqueConstraint("citizen_id", "item_code"),)

    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    hall_code: Mapped[str | None] = mapped_column(String(32))
    form_json: Mapped[str] = mapped_column(EncryptedString("cases_draft.form_json"))
    saved_at: Mapped[datetime] = mapped_column()
