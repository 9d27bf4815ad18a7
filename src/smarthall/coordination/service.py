"""Coordination use cases (业务协同): the citizen's view of the data-sharing ledger, and a case's lookups for staff who
may read the case."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import service as case_service
from smarthall.coordination.models import ShareLookup
from smarthall.coordination.repository import LedgerRepository
from smarthall.core.errors import Forbidden
from smarthall.core.tenancy import Actor


class LedgerForCitizens(Forbidden):
    code = "ledger_citizens_only"
    message_zh = "仅本人可查看其数据被调用的记录"
    message_en = "Only the citizen may read who looked up their data"


def _row(r: ShareLookup) -> dict[str, Any]:
    return {
        "at": r.at,
        "department": r.department,
        "fields": list(r.fields or []),
        "requester": r.requester,
        "requester_department": r.requester_department,
        "purpose": r.purpose,
        "legal_basis": r.legal_basis,
        "case_no": r.case_no,
        "found": r.found,
    }


def my_lookups(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Who looked up what about the signed-in citizen, and when (newest first)."""
    if actor.kind != "citizen" or actor.id is None:
        raise LedgerForCitizens()
    return [_row(r) for r in LedgerRepository(session).about_citizen(actor.id)]


def case_lookups(session: Session, actor: Actor, case_no: str) -> list[dict[str, Any]]:
    """The lookups made for a case, to whoever may read the case (404/403 otherwise)."""
    case_service.case_in_scope(session, actor, case_no=case_no)
    return [_row(r) for r in LedgerRepository(session).of_case(case_no)]
