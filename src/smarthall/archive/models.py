"""Archival packages (电子档案 AIP), their files with fixity values, check reports, retention overrides, disposals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smarthall.core.crypto import EncryptedJson
from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class Package(IdMixin, TimestampMixin, Base):
    """One package per finished case; ``status`` is ``complete`` only after the bag sits at its final path."""

    __tablename__ = "archive_package"

    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    item_code: Mapped[str] = mapped_column(String(32), index=True)
    item_type: Mapped[str] = mapped_column(String(16), default="")
    department_code: Mapped[str] = mapped_column(String(16), default="")
    title: Mapped[str] = mapped_column(String(256), default="")
    final_status: Mapped[str] = mapped_column(String(32), default="")
    finished_at: Mapped[datetime | None] = mapped_column()
    retention: Mapped[str] = mapped_column(String(16), default="10y")  # permanent | 30y | 10y
    retain_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="building", index=True)  # building|complete|failed|disposed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    rel_path: Mapped[str] = mapped_column(String(200), default="")
    completed_at: Mapped[datetime | None] = mapped_column()
    last_check_at: Mapped[datetime | None] = mapped_column()
    last_check_ok: Mapped[bool | None] = mapped_column(Boolean)
    disposed_at: Mapped[datetime | None] = mapped_column()

    files: Mapped[list[PackageFile]] = relationship(
        back_populates="package", cascade="all, delete-orphan", order_by="PackageFile.name"
    )


class PackageFile(IdMixin, Base):
    """A payload file of a package with its fixity values; SM3 (GB/T 32905) is kept only here, in the database."""

    __tablename__ = "archive_file"
    __table_args__ = (UniqueConstraint("package_id", "name"),)

    package_id: Mapped[int] = mapped_column(ForeignKey("archive_package.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # path inside the bag, e.g. data/files/result.pdf
    role: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    sha512: Mapped[str] = mapped_column(String(128))
    sm3: Mapped[str] = mapped_column(String(64))
    # a document's signed fields carry its number (a licence number of the holder): sealed like the document's own
    signed_fields: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJson("archive_file.signed_fields"))
    signature: Mapped[str | None] = mapped_column(String(200))

    package: Mapped[Package] = relationship(back_populates="files")


class CheckReport(IdMixin, Base):
    """One run of the four-property checks (四性检测) over one package."""

    __tablename__ = "archive_check"

    package_id: Mapped[int] = mapped_column(ForeignKey("archive_package.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    trigger: Mapped[str] = mapped_column(String(16))  # ingest | scheduled | manual | cli
    ok: Mapped[bool] = mapped_column(Boolean)
    results: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class Disposal(IdMixin, TimestampMixin, Base):
    """A proposal to destroy a package whose retention has ended (销毁清册); needs approval by another person."""

    __tablename__ = "archive_disposal"

    package_id: Mapped[int] = mapped_column(ForeignKey("archive_package.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|approved|rejected
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
