"""Webhook shapes; a subscription's signing secret appears once, in the answer that made it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=500, description="http(s) address of the receiver")
    events: list[str] = Field(min_length=1, max_length=20)


class SubscriptionRead(BaseModel):
    id: int
    client_id: int
    url: str
    events: list[str]
    status: str
    consecutive_failures: int
    paused_at: datetime | None


class SubscriptionWithSecret(BaseModel):
    subscription: SubscriptionRead
    secret: str = Field(description="the signing secret, shown this once")


class AttemptRead(BaseModel):
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryRead(BaseModel):
    id: int
    event: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    replay_of: int | None
    log: list[AttemptRead]
