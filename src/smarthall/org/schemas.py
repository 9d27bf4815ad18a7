"""Hall tree shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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
    type: str
    floor: int | None


class WindowRead(BaseModel):
    code: str
    name: str
    kind: str
    number: int
    zone_code: str | None
    item_codes: list[str]


class HallRead(BaseModel):
    code: str
    name: str
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
