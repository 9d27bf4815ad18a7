"""Archive API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from smarthall.core.schemas import RequestModel


class FileRead(BaseModel):
    name: str
    role: str
    content_type: str
    size: int
    sha256: str
    sm3: str
    signed: bool


class CheckRead(BaseModel):
    at: datetime
    trigger: str
    ok: bool
    properties: dict[str, bool]
    findings: list[dict[str, Any]]


class PackageRead(BaseModel):
    case_no: str
    status: str
    hall_code: str
    item_code: str
    item_type: str
    department_code: str
    title: str
    final_status: str
    finished_at: datetime | None
    completed_at: datetime | None
    retention: str
    retain_until: date | None
    metadata: dict[str, Any] | None
    files: list[FileRead]
    last_check: CheckRead | None


class PackageSummary(BaseModel):
    case_no: str
    status: str
    hall_code: str
    item_code: str
    retention: str
    retain_until: date | None
    last_check_ok: bool | None


class RetentionRuleSet(RequestModel):
    scope: str = Field(pattern=r"^(item|type):.{1,32}$")
    retention: Literal["permanent", "30y", "10y"]
    hall_code: str | None = Field(default=None, min_length=1, max_length=32)  # your own hall when left out


class DisposalCreate(RequestModel):
    case_nos: list[str] = Field(min_length=1, max_length=500)
    note: str = Field(default="", max_length=500)


class DisposalDecision(RequestModel):
    action: Literal["approve", "reject"]
    note: str = Field(default="", max_length=500)


class DisposalRead(BaseModel):
    id: int
    case_no: str
    status: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str
