"""Hall tree shapes."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RegionNode(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    children: list[RegionNode] = []


class HallNode(BaseModel):
    code: str
    name: str
    level: str
    region_code: str
    children: list[HallNode] = []


class ZoneRead(BaseModel):
    code: str
    name: str
    name_en: str | None = None  # issue 16: the name in English (null: none given)
    type: str
    floor: int | None


class WindowRead(BaseModel):
    code: str
    name: str
    name_en: str | None = None  # issue 16: the name in English (null: none given)
    kind: str
    number: int
    zone_code: str | None
    item_codes: list[str]


class HallRead(BaseModel):
    code: str
    name: str
    name_en: str | None = None  # issue 16: the name in English (null: none given)
    level: str
    region_code: str
    region_path: str
    address: str
    hotline: str
    opening_hours: dict[str, Any]
    zones: list[ZoneRead]
    windows: list[WindowRead]
    item_count: int
    parent_hall_code: str | None


class CalendarEntryRead(BaseModel):
    day: date
    is_workday: bool
    note: str
    scope_code: str
    scope_name: str
    level: str = Field(description="where the override is set: province, city, county, township or hall")
    effective: bool = Field(description="false when a nearer scope overrides the same day")
    official_workday: bool = Field(description="what the official calendar says of the day")


class CalendarList(BaseModel):
    hall_code: str
    start: date
    end: date
    entries: list[CalendarEntryRead]


class CalendarSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_workday: bool
    note: str = Field(default="", max_length=200)


class CalendarOverrideRead(BaseModel):
    scope_code: str
    day: date
    is_workday: bool
    note: str
