"""Coordination shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ShareLookupRead(BaseModel):
    at: datetime
    department: str
    fields: list[str]
    requester: str
    requester_department: str | None
    purpose: str  # prefill | verification
    legal_basis: str
    case_no: str | None
    found: bool
