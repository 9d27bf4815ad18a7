"""Station and handover shapes (in and out); never ORM objects out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StationSet(Strict):
    local_items: list[str] = Field(max_length=500, description="item codes the station finishes itself")
    version: int | None = Field(default=None, ge=1, le=2**31, description="the version read (optimistic check)")


class StationItem(BaseModel):
    code: str
    name: str
    department_code: str
    handling: Literal["local", "handed_up"] = Field(
        description="local: finished at the station; handed_up: "
        "received here, accepted and decided by the supervising hall"
    )
    handling_zh: str


class StationRead(BaseModel):
    hall_code: str
    hall_name: str
    supervisor_hall_code: str
    supervisor_hall_name: str
    window_code: str
    version: int
    items: list[StationItem]


class HandoverCreate(Strict):
    case_no: str = Field(min_length=1, max_length=48)
    kind: Literal["station", "cross_region"]
    to_hall_code: str | None = Field(default=None, max_length=32, description="the handling hall (cross_region)")
    result_at: Literal["receiver", "handler", "post"] = "receiver"
    note: str = Field(default="", max_length=500)


class HandoverResult(Strict):
    """The handling hall sends the decided case's result: back to the receiving hall, or by post."""

    tracking_no: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=200)


class HandoverHandOut(Strict):
    """The receiving hall hands the result to the applicant, who shows their ID card."""

    pickup_id_number: str = Field(min_length=15, max_length=18)


class HandoverStep(BaseModel):
    at: datetime
    action: str
    action_zh: str
    status: str
    hall_code: str
    actor: str
    note: str


class HandoverRead(BaseModel):
    id: int
    case_no: str
    item_code: str
    item_name: str
    kind: str
    kind_zh: str
    status: str
    status_zh: str
    result_at: str
    result_at_zh: str
    from_hall_code: str
    from_hall_name: str
    to_hall_code: str
    to_hall_name: str
    my_side: Literal["receiver", "handler", "supervisor"]
    case_status: str
    case_status_zh: str
    applicant_masked: str
    created_at: datetime
    steps: list[HandoverStep]
