"""What the errand (一件一码) reads of a case: its steps and status, the fact of a new case it joins, and the
applicant's confirmation on the window pad of a case declared for them at the counter."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository
from smarthall.catalog import service as catalog_service
from smarthall.core import events
from smarthall.core.masking import mask_id_number, mask_phone
from smarthall.core.tenancy import Actor


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


# The timeline action of the applicant confirming on the window pad what a clerk declared for them (窗口代录确认).
COUNTER_CONFIRMED = "applicant_confirmed"
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_PHONE = re.compile(r"1\d{10}")


def _shown(value: Any) -> str:
    text = str(value)
    if _ID_NUMBER.fullmatch(text):
        return mask_id_number(text)
    return mask_phone(text) if _PHONE.fullmatch(text) else text


def counter_declaration(session: Session, case_no: str) -> dict[str, Any] | None:
    """What the window pad shows the applicant of a case a clerk filed at the counter: the item, the number and the
    declared fields by their labels (ID and phone numbers masked), and when they confirmed it; ``None`` for an
    unknown number or a case filed online."""
    case = CaseRepository(session).by_number(case_no)
    if case is None or case.channel == "online":
        return None
    form = json.loads(case.form_json)
    item = catalog_service.get_item(session, case.item_code)
    confirmed = next((e.at for e in case.events if e.action == COUNTER_CONFIRMED), None)
    return {
        "case_no": case.case_no,
        "hall_id": case.hall_id,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "status": case.status,
        "submitted_at": case.submitted_at,
        "confirmed_at": confirmed,
        "fields": [
            {"name": f.name, "label": f.label, "value": _shown(form[f.name])}
            for f in item.form_fields
            if form.get(f.name) not in (None, "")
        ],
    }


def confirm_counter(session: Session, actor: Actor, case_no: str, *, window_code: str, now: datetime) -> bool:
    """Record on the case's timeline that its applicant confirmed the declaration on the pad of ``window_code``;
    ``False`` when it was confirmed already (nothing written)."""
    repo = CaseRepository(session)
    case = repo.by_number(case_no)
    if case is None:
        return False
    case = repo.lock(case)
    if any(e.action == COUNTER_CONFIRMED for e in repo.timeline(case)):
        return False
    repo.add_event(case, action=COUNTER_CONFIRMED, source=case.status, target=case.status, actor=actor, at=now,
                   detail={"window_code": window_code})  # fmt: skip
    return True
