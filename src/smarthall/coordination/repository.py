"""Queries of coordination: the data-sharing ledger. A ledger row is the citizen's (by owner): the citizen sees the
lookups about them; staff reach a case's lookups through the case they may read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.coordination.models import ShareLookup
from smarthall.core.db import after_commit, carry


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ShareLookup) -> None:
        """Write one ledger row in the session's transaction; in a read (a GET, e.g. a form being prefilled), once
        the read is over, in a short write transaction of its own, as the audit trail does (``audit.service``): an
        INSERT inside a read transaction has to upgrade it to a writer, which on SQLite fails at once ("database is
        locked", answered 503 busy) whenever anything else committed since the read began — under a live hall,
        nearly always. In a read prelude (``core.db.read_prelude``: a case's checks before its write transaction)
        the row goes with the write transaction that follows."""
        if carry(self.session, row):
            return
        if self.session.info.get("read_only"):
            database = self.session.info["db"]

            def write() -> None:
                with database.unit_of_work() as write_session:
                    write_session.add(row)

            after_commit(self.session, write)
            return
        self.session.add(row)
        self.session.flush()

    def about_citizen(self, citizen_id: int, *, limit: int = 200) -> list[ShareLookup]:
        stmt = select(ShareLookup).where(ShareLookup.citizen_id == citizen_id)
        return list(self.session.scalars(stmt.order_by(ShareLookup.at.desc(), ShareLookup.id.desc()).limit(limit)))

    def of_case(self, case_no: str, *, limit: int = 200) -> list[ShareLookup]:
        stmt = select(ShareLookup).where(ShareLookup.case_no == case_no)
        return list(self.session.scalars(stmt.order_by(ShareLookup.at, ShareLookup.id).limit(limit)))
