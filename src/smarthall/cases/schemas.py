"""Case API shapes."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smarthall.core.types import BigId, Day


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MaterialIn(Strict):
    material_code: str = Field(min_length=1, max_length=40)
    file_id: str | None = Field(default=None, max_length=32)
    licence_id: BigId | None = None


class CaseCreate(Strict):
    item_code: str = Field(min_length=1, max_length=32)
    hall_code: str = Field(min_length=1, max_length=32)
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialIn] = Field(default_factory=list, max_length=50)
    # Counter submission (窗口代录): a clerk submits for a registered citizen identified by ID number.
    applicant_id_number: str | None = Field(default=None, max_length=18)
    # An agent (代办) files for the entrustor named here, under a confirmed authorization for the item at the hall.
    entrustor_citizen_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    # The errand (一件一码) the case continues: the one of the ticket being served, or the citizen's booking.
    errand_code: str | None = Field(default=None, min_length=4, max_length=24)


class DraftIn(Strict):
    hall_code: str | None = Field(default=None, max_length=32)
    form: dict[str, Any] = Field(default_factory=dict)


class MissingItem(Strict):
    material_code: str | None = Field(default=None, max_length=40)
    field: str | None = Field(default=None, max_length=64)
    label: str | None = Field(default=None, max_length=100)  # an item the catalog does not list, in the clerk's words
    reason: str = Field(min_length=1, max_length=300)


class DeliveryIn(Strict):
    mode: Literal["window", "locker", "post", "electronic"]
    pickup_id_number: str | None = Field(default=None, max_length=18)
    proxy_name: str | None = Field(default=None, max_length=64)
    proxy_id_number: str | None = Field(default=None, max_length=18)
    authorization_file_id: str | None = Field(default=None, max_length=32)  # kept for old clients; not enough
    proxy_authorization_id: int | None = Field(default=None, ge=1, le=2**63 - 1)  # the confirmed 代办 authorization
    tracking_no: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=200)


class ActionIn(Strict):
    action: str = Field(min_length=1, max_length=32)
    note: str | None = Field(default=None, max_length=1000)
    missing: list[MissingItem] | None = Field(default=None, max_length=50)
    tolerated_until: Day | None = None
    materials: list[MaterialIn] | None = Field(default=None, max_length=50)
    form: dict[str, Any] | None = None
    delivery: DeliveryIn | None = None


class Finding(BaseModel):
    code: str
    target: str | None = None
    message_zh: str
    message_en: str


class Precheck(BaseModel):
    passed: bool
    findings: list[Finding]
    scans: str = Field(
        default="none", description="licence scans compared by OCR: read | unavailable (no OCR engine) | none"
    )


class CaseCreated(BaseModel):
    case_no: str
    status: str
    precheck: Precheck
    promised_due_date: date
    legal_due_date: date
    instant: dict[str, Any] | None = None


class FormFieldOut(BaseModel):
    name: str
    label: str
    type: str
    required: bool
    options: list[str] | None
    prefill_from: str | None
    value: Any = None
    value_source: str | None = None
    value_case_no: str | None = None  # value_source "history": the applicant's earlier case it comes from
    value_date: date | None = None


class MaterialOut(BaseModel):
    code: str
    name: str
    kind: str
    required: bool
    e_licence_type: str | None
    held_licence_id: int | None = None
    auto_satisfied: bool = False
    note: str = ""


class ItemForm(BaseModel):
    item_code: str
    item_name: str
    version: int
    instant_approval_eligible: bool
    fields: list[FormFieldOut]
    materials: list[MaterialOut]
