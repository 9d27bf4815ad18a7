"""Queueing API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smarthall.core.schemas import RequestModel


class TicketIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hall_code: str = Field(min_length=1, max_length=32)
    item_code: str | None = Field(default=None, min_length=1, max_length=32)
    id_number: str | None = Field(default=None, max_length=18)
    phone: str | None = Field(default=None, max_length=11)
    appointment_code: str | None = Field(default=None, max_length=24)
    declared: Literal["pregnant", "disabled", "military"] | None = None


class TicketRead(BaseModel):
    id: int
    token: str = Field(description="the ticket's public reference (its QR code): GET /tickets/by-token/{token}")
    number: str
    queue: str
    item_code: str
    status: str
    priority: bool
    ahead: int | None
    estimated_wait_minutes: float | None
    hall_code: str
    window_code: str | None = None
    window_number: int | None = None
    issued_at: datetime
    called_at: datetime | None = None
    finished_at: datetime | None = None


class FinishedAndCalled(BaseModel):
    """The window's one act: the ticket finished, and the next one called (``None`` when nobody waits)."""

    finished: TicketRead
    called: TicketRead | None


class TicketTransfer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str | None = Field(default=None, max_length=32)
    window_code: str | None = Field(default=None, max_length=40)


class CallByNumber(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=2, max_length=16)


class WindowState(BaseModel):
    window_code: str
    status: str
    staff_id: int | None
    current: TicketRead | None = None


class BoardCall(BaseModel):
    ticket_id: int
    number: str
    window_code: str
    window_number: int
    window_name: str
    zone_code: str | None
    called_at: datetime
    name_masked: str = ""


class BoardQueue(BaseModel):
    queue: str
    department_code: str
    waiting: int
    department_name: str = ""
    department_name_en: str = ""  # issue 16: the board read in English names the queue in English


class BoardWindow(BaseModel):
    code: str
    number: int
    name: str
    zone_code: str | None
    status: str
    current_number: str | None


class Board(BaseModel):
    hall_code: str
    hall_name: str
    zone_code: str | None
    now: datetime
    calls: list[BoardCall]
    queues: list[BoardQueue]
    windows: list[BoardWindow]
    waiting_total: int
    notice_zh: str | None = None  # the hall manager's notice in force (None: the boards' standing notice)
    notice_en: str | None = None


class BoardNoticeIn(RequestModel):
    text_zh: str = Field(max_length=200)  # the column's length (queue_board_notice)
    text_en: str = Field(default="", max_length=300)
    expires_at: datetime | None = None  # with its offset; none: until cleared


class BoardNoticeRead(BaseModel):
    text_zh: str
    text_en: str
    expires_at: datetime | None
    set_by: str
