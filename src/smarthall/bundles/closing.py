"""A bundle closes as ONE thing (高效办成一件事, issue 15 item 3): one delivery choice for all its parts, one
archive package holding the parts, one rating for the bundle.

The parts are cases, run in their departments; here the bundle stands for them where the citizen and the archive
see it: ``whole_of_part`` tells the archive and evaluation that a part case is archived and rated as its bundle
(``core.subjects.register_whole``); ``archival_input`` is the bundle's package (each part's own input under
``parts/<case_no>/``, ready once every part is closed); ``served_subject`` is what the citizen rates; ``deliver``
delivers every approved part by one choice, in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.bundles import merge
from smarthall.bundles.errors import BundleDeliverForbidden, BundleNotFinished
from smarthall.bundles.models import BundleApplication
from smarthall.bundles.repository import ApplicationRepository
from smarthall.cases import service as case_service
from smarthall.cases.schemas import ActionIn, DeliveryIn
from smarthall.core import subjects
from smarthall.core.tenancy import Actor
from smarthall.errands import service as errand_service
from smarthall.licences.service import DocumentDesk
from smarthall.notify import service as notify_service

CLOSED = frozenset({"delivered", "rejected", "refused", "withdrawn"})  # a part's last act is done


def whole_of_part(session: Session, kind: str, ref: str) -> tuple[str, str] | None:
    if kind != "case":
        return None
    code = ApplicationRepository(session).code_of_case(ref) or errand_service.bundle_of_case(session, ref)
    return ("bundle", code) if code else None


def served_subject(session: Session, code: str) -> subjects.ServedSubject | None:
    application = ApplicationRepository(session).by_code_any(code)
    if application is None:
        return None
    return subjects.ServedSubject(
        kind="bundle", ref=application.code, hall_id=application.hall_id, hall_code=application.hall_code,
        finished_at=application.finished_at, citizen_id=application.citizen_id,
        department_code=application.lead_department_code, item_code=application.bundle_code, channel="online",
    )  # fmt: skip


def archival_input(session: Session, code: str) -> subjects.ArchivalInput | None:
    """The bundle's one package: its merged form and every part's own input; None until every part is closed."""
    if not code.startswith("YJS"):
        return None
    application = ApplicationRepository(session).by_code_any(code)
    if application is None or application.finished_at is None:
        return None
    if any(case_service.case_status(session, p.case_no) not in CLOSED for p in application.parts):
        return None
    parts = [subjects.archival_input(session, p.case_no) for p in application.parts]
    inputs = [p for p in parts if p is not None]
    if len(inputs) != len(parts):
        return None
    last = max(p.finished_at for p in inputs)
    return subjects.ArchivalInput(
        case_no=application.code, title=f"{application.bundle_name}-{application.code}",
        item_code=application.bundle_code, item_name=application.bundle_name, item_type="一件事",
        hall_code=application.hall_code, department_code=application.lead_department_code,
        applicant_name=inputs[0].applicant_name if inputs else "", submitted_at=application.submitted_at,
        finished_at=last, final_status=application.status, form=dict(application.form or {}), files=[],
        events=[
            {"at": application.submitted_at.isoformat(), "action": "bundle_submitted", "parts": len(inputs)},
            {"at": application.finished_at.isoformat(), "action": "bundle_finished", "to": application.status},
        ],
        thread=inputs[0].thread if inputs else None, parts=inputs,
    )  # fmt: skip


def deliver(
    session: Session, actor: Actor, *, application: BundleApplication, data: DeliveryIn, desk: DocumentDesk,
    now: datetime,
) -> list[str]:
    """One delivery choice for the whole bundle: every approved part delivered the same way, in this transaction
    (a part that cannot be delivered refuses them all). Returns the parts' case numbers delivered."""
    if not (actor.is_staff and actor.has("case.accept")):
        raise BundleDeliverForbidden()
    if application.finished_at is None or application.status not in merge.FINISHED:
        raise BundleNotFinished(detail={"code": application.code, "status": application.status})
    delivered = []
    for part in application.parts:
        if case_service.case_status(session, part.case_no) != "approved":
            continue
        case = case_service.case_in_scope(session, actor, case_no=part.case_no, to="act")
        action = ActionIn(action="deliver", delivery=data)
        case_service.act(session, actor, case=case, data=action, desk=desk, now=now)
        delivered.append(part.case_no)
    if not delivered:
        raise BundleNotFinished(detail={"code": application.code, "status": application.status, "to_deliver": 0})
    notify_service.send(  # one message for the bundle (a part delivered sends none of its own)
        session, template="bundle.delivered", params={"code": application.code, "bundle": application.bundle_name,
        "parts": len(delivered)}, now=now, citizen_id=application.citizen_id, ref_type="bundle",
        ref_id=application.code,
    )  # fmt: skip
    return delivered


def closure(session: Session, application: BundleApplication) -> dict[str, Any]:
    """The one delivery of the bundle (the choice its parts were delivered by) and whether it may be rated."""
    statuses = [case_service.case_status(session, p.case_no) for p in application.parts]
    return {
        "delivered": any(s == "delivered" for s in statuses) and all(s in CLOSED for s in statuses),
        "rateable": application.finished_at is not None,
        "rating_subject": {"bundle_code": application.code},
    }
