"""Evaluation API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smarthall.core.schemas import RequestModel
from smarthall.core.types import BigId

Channel = Literal["window_pad", "kiosk", "qr", "sms", "web"]


# The field of ``SubjectRef`` that names each kind of rated service (a one-time link names the kind and the ref).
SUBJECT_FIELDS = {"ticket": "ticket_id", "case": "case_no", "help_request": "help_request_id", "bundle": "bundle_code"}


class SubjectRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: BigId | None = None
    case_no: str | None = Field(default=None, min_length=1, max_length=40)
    help_request_id: BigId | None = None
    bundle_code: str | None = Field(default=None, min_length=1, max_length=24)  # a one-thing bundle application

    @model_validator(mode="after")
    def _exactly_one(self) -> SubjectRef:
        given = [v for v in (self.ticket_id, self.case_no, self.help_request_id, self.bundle_code) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of ticket_id, case_no, help_request_id, bundle_code")
        return self

    def subject(self) -> tuple[str, str]:
        if self.ticket_id is not None:
            return "ticket", str(self.ticket_id)
        if self.case_no is not None:
            return "case", self.case_no
        if self.bundle_code is not None:
            return "bundle", self.bundle_code
        return "help_request", str(self.help_request_id)


class RatingCreate(SubjectRef):
    level: int = Field(ge=1, le=5)
    indicators: dict[str, Annotated[int, Field(ge=0, le=100)]] = Field(default_factory=dict, max_length=6)
    tags: list[str] = Field(default_factory=list, max_length=10)
    comment: str = Field(default="", max_length=500)
    channel: Channel
    token: str | None = Field(default=None, max_length=400)  # the one-time link token (qr/sms)
    id_number: str | None = Field(default=None, max_length=18)  # read from the ID card at a kiosk

    @model_validator(mode="after")
    def _short_tags(self) -> RatingCreate:
        if any(not t or len(t) > 20 for t in self.tags):
            raise ValueError("tags must be 1-20 characters")
        return self


class RatingRead(BaseModel):
    id: int
    subject_kind: str
    subject_ref: str
    sequence: int
    level: int
    indicators: dict[str, int]
    tags: list[str]
    comment: str
    channel: str
    rated_at: datetime
    rectification_id: int | None


class RatingStaffView(RatingRead):
    hall_code: str
    window_code: str | None
    item_code: str | None
    rater: str  # masked


class LinkRead(BaseModel):
    token: str
    url: str
    expires_at: datetime


class RectificationAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["follow_up", "rectify", "close", "appeal", "uphold", "overturn"]
    note: str = Field(default="", max_length=1000)


class RectificationRead(BaseModel):
    id: int
    rating_id: int
    status: str
    hall_code: str
    assignee_kind: str
    assignee_code: str
    level: int
    comment: str
    tags: list[str]
    rater: str
    subject_kind: str
    subject_ref: str
    opened_on: date
    follow_up_due: date
    fix_due: date
    followed_up_at: datetime | None
    follow_up_on_time: bool | None
    rectified_at: datetime | None
    rectify_on_time: bool | None
    closed_at: datetime | None
    reply: str
    overdue: bool
    history: list[dict[str, Any]]
    round: int = 1  # 2: opened by a bad re-rating after the first order's fix
    previous_id: int | None = None  # the first order, for a second-round order
    next_id: int | None = None  # the second order that a bad re-rating opened after this one
    rerating_level: int | None = None  # the rater's one re-rating after this order's fix


class StatsRow(BaseModel):
    key: str
    label: str
    count: int
    levels: dict[str, int]
    satisfaction_rate: float | None
    bad_count: int
    follow_up_on_time_rate: float | None
    rectify_on_time_rate: float | None


class StatsRead(BaseModel):
    hall_code: str
    group_by: str
    date_from: date | None
    date_to: date | None
    total: StatsRow
    rows: list[StatsRow]


class SettingsRead(RequestModel):
    hall_code: str = Field(max_length=32)
    follow_up_workdays: int = Field(ge=0, le=30)
    fix_workdays: int = Field(ge=1, le=90)
    invite_after_days: int = Field(ge=1, le=30)
