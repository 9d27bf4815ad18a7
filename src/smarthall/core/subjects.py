"""The shape in which one domain tells another "who was served, where, by whom, when" (for evaluation, archive,
performance). Queueing answers it for a ticket, cases for a case, assist for a help request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ServedSubject:
    kind: str  # "ticket" | "case" | "help_request"
    ref: str  # ticket id, case number, help request id
    hall_id: int
    hall_code: str
    finished_at: datetime | None
    citizen_id: int | None = None  # the registered citizen served, when known
    id_number_index: str | None = None  # blind index of the served person's ID number, when known
    phone: str | None = None
    window_code: str | None = None
    staff_id: int | None = None
    department_code: str | None = None
    item_code: str | None = None
