"""Errand shapes (一件一码)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class ErrandStep(BaseModel):
    step: str  # booking, ticket, called, served, bundle, case, accepted, supplement, result, delivery, archive, rating
    at: datetime
    ref: str
    href: str | None
    detail: dict[str, Any]


class ErrandRead(BaseModel):
    code: str
    hall_code: str
    item_code: str
    item_name: str
    status: str  # open | archived
    opened_at: datetime
    closed_at: datetime | None
    case_no: str | None
    case_status: str | None
    bundle_application: str | None = None  # a bundle's errand: the application code (its parts are its cases)
    steps: list[ErrandStep]


class ErrandSummary(BaseModel):
    code: str
    item_code: str
    item_name: str
    status: str
    opened_at: datetime
    case_no: str | None
    case_status: str | None
    bundle_application: str | None = None
    kinds: list[str]


class TicketErrand(ErrandSummary):
    this_ticket: bool
    next: str  # continue (open the case) | start (declare at the counter for this errand)


class DeclaredField(BaseModel):
    name: str
    label: str
    value: str  # as declared; ID and phone numbers masked


class CounterDeclaration(BaseModel):
    """A case a clerk declared at the counter, as its applicant confirms it on the window pad (窗口代录确认)."""

    case_no: str
    item_code: str
    item_name: str
    status: str
    submitted_at: datetime
    confirmed_at: datetime | None
    errand_code: str | None
    fields: list[DeclaredField]
