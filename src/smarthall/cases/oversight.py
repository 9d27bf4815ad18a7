"""What staff supervision (8.1) reads of cases, as plain facts (no case rows leave the domain): cases told twice
what to supplement (the one-time-notice rule, 一次性告知, 行政许可法 第三十二条) and running cases past their promised
due date. Scoped to the reading actor like every hall-owned query."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import workflow
from smarthall.cases.repository import CaseRepository
from smarthall.core.clock import service_day
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service


def repeat_supplement_notices(session: Session, actor: Actor, hall_id: int) -> list[dict[str, Any]]:
    """One fact per supplement notice after a case's first: the case, which notice it was (2, 3, …), when and by
    which staff member (``staff_id``, None for a notice not given by staff)."""
    found = CaseRepository(session).repeat_supplements(actor, hall_id)
    names = {e.actor_ref for _, events in found for e in events if e.actor_kind == "staff" and e.actor_ref}
    people = identity_service.staff_by_username(session, names)
    out: list[dict[str, Any]] = []
    for case, events in found:
        for n, event in enumerate(events[1:], 2):
            person = people.get(event.actor_ref or "") if event.actor_kind == "staff" else None
            out.append(
                {
                    "case_no": case.case_no,
                    "item_code": case.item_code,
                    "item_name": case.item_name,
                    "notice_no": n,
                    "event_id": event.id,
                    "at": event.at,
                    "staff_id": person.id if person is not None else None,
                }
            )
    return out


def overdue_cases(session: Session, actor: Actor, hall_id: int, today: date) -> list[dict[str, Any]]:
    """Running cases past their promised due date: the case, its due date, the days over and who accepted it."""
    rows = CaseRepository(session).overdue_running(actor, hall_id, today, workflow.CLOCK_STOPPED)
    return [
        {
            "case_no": c.case_no,
            "item_code": c.item_code,
            "item_name": c.item_name,
            "status": c.status,
            "promised_due": c.promised_due,
            "days_over": (today - c.promised_due).days,
            "staff_id": c.accepted_by,
        }
        for c in rows
    ]


def overdue_acceptors(
    session: Session, actor: Actor, hall_id: int, first: date, last: date, today: date
) -> list[int]:
    """Staff performance (8.2), overdue count: the acceptor of every case whose promised date fell in
    [first, last] and passed unkept — finished on a later day, or still running (clock not stopped) after it.
    Each overdue case counts once, in the period of its promised date."""
    out: list[int] = []
    for c in CaseRepository(session).due_between(actor, hall_id, first, last):
        if c.finished_at is not None:
            late = service_day(c.finished_at) > c.promised_due
        else:
            late = c.promised_due < today and c.status not in workflow.CLOCK_STOPPED
        if late:
            out.append(int(c.accepted_by))
    return out


def supplement_notices(
    session: Session, actor: Actor, hall_id: int, start: datetime, end: datetime
) -> list[tuple[int, bool]]:
    """Staff performance (8.2), one-time-notice compliance: (staff id, repeat) for every supplement notice a
    staff member gave on the hall's cases in [start, end); ``repeat`` when it was not the case's first."""
    notices = CaseRepository(session).supplement_notices_between(actor, hall_id, start, end)
    names = {n.actor_ref for n in notices if n.actor_kind == "staff" and n.actor_ref}
    people = identity_service.staff_by_username(session, names)
    return [
        (people[n.actor_ref or ""].id, n.number > 1)
        for n in notices
        if n.actor_kind == "staff" and n.actor_ref in people
    ]
