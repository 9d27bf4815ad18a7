"""One-thing bundle tables (高效办成一件事): an application of a bundle and its parts, one case per item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smarthall.core.crypto import EncryptedJson
from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class BundleApplication(IdMixin, TimestampMixin, Base):
    """One citizen's application of a bundle at a hall: the one merged form (sealed: personal data), the one set of
    materials, the refusal rule it was filed under, and the combined state of its parts."""

    __tablename__ = "bundles_application"

    code: Mapped[str] = mapped_column(String(24), unique=True)
    bundle_code: Mapped[str] = mapped_column(String(32), index=True)
    bundle_name: Mapped[str] = mapped_column(String(128))
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    lead_department_code: Mapped[str] = mapped_column(String(16))
    on_refusal: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)  # running | done | partial | refused | stopped
    form: Mapped[dict[str, Any]] = mapped_column(EncryptedJson("bundles_application.form"), default=dict)
    materials: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)  # key → {file_id | licence_id}
    submitted_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    parts: Mapped[list[BundlePart]] = relationship(back_populates="application", order_by="BundlePart.position")


class BundlePart(IdMixin, Base):
    """One item of the application: its case, run by the item's own department with its own approver and limit."""

    __tablename__ = "bundles_part"

    application_id: Mapped[int] = mapped_column(ForeignKey("bundles_application.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(32))
    item_name: Mapped[str] = mapped_column(String(128))
    department_code: Mapped[str] = mapped_column(String(16))
    case_no: Mapped[str] = mapped_column(String(48), unique=True)

    application: Mapped[BundleApplication] = relationship(back_populates="parts")
