"""What the errand (一件一码) reads of a case: its steps and status, and the fact of a new case it joins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository
from smarthall.core import events


def case_thread(session: Session, case_no: str) -> list[dict[str, Any]]:
    """The case's timeline steps (action, new status, time), oldest first; none for an unknown number."""
    case = CaseRepository(session).by_number(case_no)
    if case is None:
        return []
    return [{"action": e.action, "to_status": e.to_status, "at": e.at} for e in case.events]


def case_status(session: Session, case_no: str) -> str | None:
    case = CaseRepository(session).by_number(case_no)
    return case.status if case is not None else None


def submitted(session: Session, case: Case, *, errand_code: str | None, now: datetime) -> None:
    """Tell the errand a case was filed, in this transaction (a wrong ``errand_code`` refuses the whole case)."""
    events.emit(
        session,
        "case.submitted",
        case_no=case.case_no,
        hall_id=case.hall_id,
        hall_code=case.hall_code,
        citizen_id=case.citizen_id,
        id_number_index=case.applicant_id_index,
        item_code=case.item_code,
        errand_code=errand_code,
        at=now,
    )
