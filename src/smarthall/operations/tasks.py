"""Operations background work: the daily push run (licence reminders, policy matches) and related items after a
case, in the case's own transaction (the push is in the outbox exactly when the case is finished).

Operations background jobs: the fold of changed raw records into facts, every minute.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smarthall.core import runtime
from smarthall.core.errors import NotFound
from smarthall.operations import service, subscriptions

APPROVED = frozenset({"approved"})  # a decision granting the item: what comes next is worth telling


def on_case_finished(session: Session, payload: dict[str, Any]) -> None:
    from smarthall.cases import service as cases_service
    from smarthall.core.tenancy import SYSTEM
    from smarthall.org import service as org_service

    if str(payload.get("status")) not in APPROVED:
        return
    try:
        case = cases_service.case_in_scope(session, SYSTEM, case_no=str(payload["case_no"]))
    except NotFound:  # a decision on no case of ours (an imported record): nothing to suggest, nothing to undo
        return
    hall = org_service.hall_facts(session, case.hall_code)
    subscriptions.after_case(
        session, citizen_id=case.citizen_id, item_code=case.item_code, hall=hall, now=runtime.current().clock.now()
    )


def run_push() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return subscriptions.run_daily(session, rt.clock.now())


def run_fold() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return service.fold_changed(session, now=rt.clock.now())
