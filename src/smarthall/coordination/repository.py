"""Queries of coordination: the data-sharing ledger. A ledger row is the citizen's (by owner): the citizen sees the
lookups about them; staff reach a case's lookups through the case they may read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.coordination.models import ShareLookup


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ShareLookup) -> None:
        self.session.add(row)
        self.session.flush()

    def about_citizen(self, citizen_id: int, *, limit: int = 200) -> list[ShareLookup]:
        stmt = select(ShareLookup).where(ShareLookup.citizen_id == citizen_id)
        return list(self.session.scalars(stmt.order_by(ShareLookup.at.desc(), ShareLookup.id.desc()).limit(limit)))

    def of_case(self, case_no: str, *, limit: int = 200) -> list[ShareLookup]:
        stmt = select(ShareLookup).where(ShareLookup.case_no == case_no)
        return list(self.session.scalars(stmt.order_by(ShareLookup.at, ShareLookup.id).limit(limit)))
