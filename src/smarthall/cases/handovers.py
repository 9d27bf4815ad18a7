"""Cases moving between halls, for the stations domain (收件在站、审批在县, 跨域通办): a case found by number for
a caller that decides who may act on it, and a submitted case handed to the hall that accepts and decides it
(one conditional UPDATE, with a timeline entry). Reached through ``cases.service``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository
from smarthall.core.tenancy import Actor


def case_by_number(session: Session, case_no: str) -> Case | None:
    """Any case by number, whoever asks: the caller decides who may act on it (the stations domain checks that the
    acting clerk is at the case's hall, or at the hall that received it)."""
    return CaseRepository(session).by_number(case_no)


def hand_to_hall(session: Session, actor: Actor, *, case: Case, hall: Any, note: str, now: datetime) -> bool:
    """Move a submitted case to ``hall`` (which accepts and decides it from now on), with a timeline entry; ``False``
    when the case moved or changed meanwhile (nothing written)."""
    repo = CaseRepository(session)
    read_hall, read_version = case.hall_id, case.version  # as the caller read it, before waiting for the lock
    case = repo.lock(case)
    if (case.hall_id, case.version) != (read_hall, read_version):  # moved or changed while we waited: not ours
        return False
    source = case.hall_code
    if not repo.reassign(case, to_hall_id=hall.id, to_hall_code=hall.code):
        return False
    repo.add_event(
        case,
        action="handover",
        source=case.status,
        target=case.status,
        actor=actor,
        at=now,
        note=note,
        detail={"from_hall": source, "to_hall": hall.code},
    )
    return True


def case_locked(session: Session, actor: Actor, *, case_no: str, now: datetime) -> Case:
    """The case ``actor`` may read (as ``case_in_scope``), re-read under a row lock: for other domains' writes that
    must not race on one case (a payment order per case)."""
    from smarthall.cases.service import case_in_scope

    return CaseRepository(session).lock(case_in_scope(session, actor, case_no=case_no, to="read", now=now))
