"""Catalog read shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class MaterialRead(BaseModel):
    code: str
    name: str
    kind: str
    required: bool
    copies: int
    original_needed: bool
    e_licence_type: str | None
    note: str


class FormFieldRead(BaseModel):
    name: str
    label: str
    type: str
    required: bool
    prefill_from: str | None
    options: list[str] | None


class ItemSummary(BaseModel):
    code: str
    name: str
    department_code: str
    department_name: str
    type: str
    legal_limit_workdays: int
    promised_limit_workdays: int
    fee: float
    online_depth: int
    appointment: bool
    instant_approval_eligible: bool
    counters: list[str]
    version: int


class ItemRead(ItemSummary):
    fee_note: str
    note: str
    keywords: list[str]
    materials: list[MaterialRead]
    form_fields: list[FormFieldRead]
    rules: list[dict[str, Any]]
    windows: list[str] | None = None


class ItemPage(BaseModel):
    total: int
    items: list[ItemSummary]


class BundleRead(BaseModel):
    code: str
    name: str
    description: str
    item_codes: list[str]
    lead_department_code: str
    promised_limit_workdays: int
    counters: list[str]


class FaqRead(BaseModel):
    id: str
    question: str
    answer: str
    item_code: str | None
    tags: list[str]
