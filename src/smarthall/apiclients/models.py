"""API clients of department systems (开放平台接入方) and their keys (only hashes are stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class ApiClient(IdMixin, TimestampMixin, Base):
    __tablename__ = "apiclient_client"

    name: Mapped[str] = mapped_column(String(128))
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)  # the hall that registered it
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200), index=True)  # its hall's region path (the scope twin)
    region_limit: Mapped[str | None] = mapped_column(String(200))  # None: its hall only; else a region subtree
    scopes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    department_codes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    rate_per_minute: Mapped[int] = mapped_column(default=120)
    expires_at: Mapped[datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    # Four eyes: a client with sensitive scopes (``policy.SENSITIVE_SCOPES``) works once another person approved it.
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column()


class ApiKey(IdMixin, Base):
    __tablename__ = "apiclient_key"

    client_id: Mapped[int] = mapped_column(ForeignKey("apiclient_client.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown to admins to tell keys apart, never enough to use
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    # Who saw the plain key (its issuer, staff account id); a sensitive client's key works once someone else approved
    issued_by_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column()
