"""Appointment API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from smarthall.core.types import BigId


class SlotRead(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    remaining: int


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: BigId
    item_code: str = Field(min_length=1, max_length=32)


class BookingReschedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: BigId


class BookingRead(BaseModel):
    code: str
    slot_id: int
    status: str
    item_code: str | None = None
    hall_code: str | None = None
    starts_at: datetime | None = None
    ticket_id: int | None = None
