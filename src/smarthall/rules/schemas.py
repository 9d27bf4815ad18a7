"""Rule settings in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from smarthall.core.schemas import RequestModel


class RuleRead(BaseModel):
    key: str
    kind: str
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str
    minimum: float | None
    maximum: float | None
    default: Any
    value: Any
    level: str = Field(description="where the value comes from: platform, province, city, county, township or hall")
    scope_code: str | None
    version: int | None
    changed_by: str | None
    changed_at: datetime | None


class RuleList(BaseModel):
    hall_code: str
    rules: list[RuleRead]


class RuleSet(RequestModel):
    scope_code: str = Field(min_length=1, max_length=40, description="a region code or a hall code")
    value: Any
    note: str = Field(default="", max_length=500)


class RuleVersionRead(BaseModel):
    key: str
    scope_code: str
    version: int
    action: str
    value: Any
    changed_by: str
    changed_at: datetime
    note: str
