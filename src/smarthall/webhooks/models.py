"""Webhook subscriptions of API clients, the outbox of deliveries, and the log of every attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.crypto import EncryptedString
from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class Subscription(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhook_subscription"

    client_id: Mapped[int] = mapped_column(ForeignKey("apiclient_client.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)  # the client's hall (scope twin)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JsonType, default=list)
    secret: Mapped[str] = mapped_column(EncryptedString("webhook_subscription.secret"))  # signs; kept sealed
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)  # active | paused
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    paused_at: Mapped[datetime | None] = mapped_column()


class Delivery(IdMixin, Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    region_path: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(36), index=True)  # the receiver's idempotency key
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    last_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    replay_of: Mapped[int | None] = mapped_column()


class Attempt(IdMixin, Base):
    __tablename__ = "webhook_attempt"

    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(String(300), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
