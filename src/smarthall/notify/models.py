"""Outbox rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.crypto import EncryptedJson, EncryptedString
from smarthall.core.models import Base, IdMixin, TimestampMixin


class Message(IdMixin, TimestampMixin, Base):
    __tablename__ = "notify_message"

    recipient_kind: Mapped[str] = mapped_column(String(16), index=True)  # citizen | staff | phone
    recipient_id: Mapped[int | None] = mapped_column(index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedString("notify_message.phone"))
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    template: Mapped[str] = mapped_column(String(64), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(EncryptedJson("notify_message.params"), default=dict)
    # The rendered texts carry one-time codes, names, case numbers and links with tokens: sealed like the params
    # (issue 12 item 6), so that a reader of the database reads no code that still works.
    body_zh: Mapped[str] = mapped_column(EncryptedString("notify_message.body_zh"))
    body_en: Mapped[str] = mapped_column(EncryptedString("notify_message.body_en"))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column()
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(64), index=True)
