"""Supervision (8.1) from the records other domains own, each read through that domain's own functions: a second
supplement notice for one case (the one-time-notice rule, 一次性告知 — the clerk who asks twice), cases running past
their promised due date, help requests waiting with no helper started. Each yields (kind, subject_ref, detail)
candidates with one stable reference per episode, so a rescan records nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.assist import service as assist_service
from smarthall.cases import oversight as case_oversight
from smarthall.core.clock import service_day
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service

RECORD_KINDS = ("notice_twice", "case_overdue", "help_unanswered")


def candidates(
    session: Session, actor: Actor, hall: org_service.HallFacts, *, now: datetime
) -> list[tuple[str, str, dict[str, Any]]]:
    out: list[tuple[str, str, dict[str, Any]]] = []
    for n in case_oversight.repeat_supplement_notices(session, actor, hall.id):
        detail = {"staff_id": n["staff_id"], "case_no": n["case_no"], "item_name": n["item_name"]}
        out.append(("notice_twice", f"case-event:{n['event_id']}", {**detail, "notice_no": n["notice_no"]}))
    for c in case_oversight.overdue_cases(session, actor, hall.id, service_day(now)):
        detail = {"staff_id": c["staff_id"], "case_no": c["case_no"], "item_name": c["item_name"]}
        out.append(
            (
                "case_overdue",
                f"case:{c['case_no']}@{c['promised_due'].isoformat()}"[:80],
                {**detail, "promised_due": c["promised_due"].isoformat(), "days_over": c["days_over"]},
            )
        )
    minutes = int(rules_service.value(session, hall, "staff.help_unanswered_minutes"))
    for h in assist_service.unanswered_help_requests(session, actor, hall.id, now=now, minutes=minutes):
        out.append(
            (
                "help_unanswered",
                f"help:{h['request_id']}",
                {"staff_id": h["staff_id"], "request_id": h["request_id"], "minutes": h["minutes"]},
            )
        )
    return out
