"""Assisted and proxy handling API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from smarthall.core.schemas import RequestModel
from smarthall.core.types import BigId


class HelpRequestCreate(RequestModel):
    hall_code: str = Field(max_length=40)
    source: Literal["kiosk", "guide_desk", "web", "window", "video"] = "web"
    item_code: str | None = Field(default=None, max_length=32)
    zone_code: str | None = Field(default=None, max_length=40)
    description: str = Field(default="", max_length=1000)
    phone: str | None = Field(default=None, max_length=20)
    question_id: BigId | None = None
    feedback_token: str | None = Field(default=None, max_length=64)  # the answer's: only its asker links the question
    citizen_id: BigId | None = None  # staff may name the registered citizen they are helping


class HelpRequestAction(RequestModel):
    action: Literal["assign", "start", "finish", "cancel", "link"]
    staff_id: BigId | None = None  # for assign: a chosen helper; omitted: by zone, skill and load
    ticket_ref: str | None = Field(default=None, max_length=64)
    case_ref: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=1000)


class HelpRequestRead(BaseModel):
    id: int
    hall_code: str
    source: str
    item_code: str | None
    zone_code: str | None
    skill: str | None
    description: str
    status: str
    assigned_staff_id: int | None
    citizen_id: int | None
    phone_masked: str | None
    question_id: int | None
    opened_at: datetime
    assigned_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    ticket_ref: str | None
    case_ref: str | None
    note: str


class ProxyCreate(RequestModel):
    entrustor_citizen_id: BigId | None = None  # staff at a desk name the entrustor; a citizen entrusts for themself
    agent_citizen_id: BigId | None = None
    agent_staff_id: BigId | None = None
    # The hall the authorization belongs to (where the agent acts): required of a citizen; a desk's own hall.
    hall_code: str | None = Field(default=None, max_length=40)
    item_codes: list[str] = Field(min_length=1, max_length=20)
    scope: list[Literal["consult", "declare", "submit_materials", "sign", "collect_result"]] = Field(
        min_length=1, max_length=5
    )
    valid_from: datetime
    valid_until: datetime
    help_request_id: BigId | None = None


class IdentityCheckIn(RequestModel):
    """How a desk checked the entrustor in person: the ID card read by the reader, or shown and compared, or a face
    match against it; ``id_number`` is the number read or shown (it must be the entrustor's)."""

    method: Literal["id_card_reader", "id_card_visual", "face_match"]
    id_number: str = Field(min_length=15, max_length=18)


class ProxyAction(RequestModel):
    action: Literal["send_code", "confirm", "register_paper", "start", "suspend", "resume", "complete", "terminate"]
    code: str | None = Field(default=None, min_length=4, max_length=8)  # confirm: the code sent to the entrustor
    signature_png_base64: str | None = Field(default=None, max_length=400_000)  # register_paper: the signed form
    identity_check: IdentityCheckIn | None = None  # register_paper
    note: str = Field(default="", max_length=1000)


class ProxyCheck(RequestModel):
    item_code: str = Field(max_length=32)
    act: Literal["consult", "declare", "submit_materials", "sign", "collect_result"]


class ProxyRead(BaseModel):
    id: int
    hall_code: str | None
    entrustor_citizen_id: int
    entrustor_name_masked: str | None
    agent_kind: str
    agent_citizen_id: int | None
    agent_name_masked: str | None
    agent_staff_id: int | None
    item_codes: list[str]
    scope: list[str]
    valid_from: datetime
    valid_until: datetime
    status: str
    confirmed_via: str | None
    confirmed_at: datetime | None
    signature_sha256: str | None
    identity_check: dict[str, object] | None
    code_sent_at: datetime | None
    history: list[dict[str, object]]
