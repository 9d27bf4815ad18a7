"""The data-sharing ledger (共享调用台账, requirements §6.11): every lookup in another department's data — through the
demo adapter or any real one — records purpose, requester, legal basis, case and fields, in the transaction of the
lookup, and the citizen sees who looked up what about them and when.

``Ledgered`` wraps whichever adapter the registry provides at ``cases.data_sharing`` (coordination registers after
cases), so a deployment's own adapter is ledgered without knowing it. The legal basis is the State Council's rule
on sharing government information resources (国发〔2016〕51号) unless the hall tree states a more specific one
(``coordination.share_legal_basis``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.coordination.models import ShareLookup
from smarthall.coordination.repository import LedgerRepository
from smarthall.core.clock import service_day
from smarthall.core.crypto import blind_index
from smarthall.core.tenancy import Actor
from smarthall.core.validators import check_id_number
from smarthall.identity import service as identity_service

DEFAULT_LEGAL_BASIS = "《政务信息资源共享管理暂行办法》(国发〔2016〕51号)"


def _purpose(case_no: str | None) -> str:
    # Without a case the lookup prefills a form being filled; with one it verifies the case's inputs.
    return "verification" if case_no else "prefill"


class Ledgered:
    """A data-sharing adapter that writes one ledger row per lookup and then asks the adapter it wraps."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def lookup(
        self, session: Session, actor: Actor, *, source: str, subjects: list[str], now: datetime, case_no: str | None
    ) -> str | None:
        value: str | None = self.inner.lookup(
            session, actor, source=source, subjects=subjects, now=now, case_no=case_no
        )
        parts = source.split(".")
        department, field = (parts[1], parts[2]) if len(parts) == 3 else (source, "")
        present = [s.strip().upper() for s in subjects if s and s.strip()]
        if not present:
            return value
        # Every subject of one lookup is the applicant or an entity the applicant holds (cases.prefill decides):
        # the row is the applicant's, found through the first subject that is a valid ID number.
        people = [s for s in present if check_id_number(s, service_day(now)) is None]
        citizen_id = identity_service.find_citizen_id(session, id_number=people[0]) if people else None
        LedgerRepository(session).add(
            ShareLookup(
                at=now,
                citizen_id=citizen_id,
                subject_index=blind_index(present[0], "share_subject"),
                department=department,
                fields=[field] if field else [],
                requester=actor.label,
                requester_department=actor.department_code,
                purpose=_purpose(case_no),
                legal_basis=DEFAULT_LEGAL_BASIS,
                case_no=case_no,
                found=value is not None,
                detail={"subjects": len(present), "entities": len(present) - len(people)},
            )
        )
        return value

    def put(self, session: Session, **kwargs: Any) -> None:
        self.inner.put(session, **kwargs)  # seeding the demo records passes through
