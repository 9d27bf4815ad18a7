"""Every query of the cases domain: cases in an actor's scope, their timeline, numbering, drafts, uploads and the
demo data-sharing records.

Who sees which case is decided here, in SQL: a citizen sees the cases they own (by owner, never by hall); staff,
devices and the system see the cases of the halls in their scope (``core.repository.hall_scope``, the SQL twin of
``Actor.can_see_hall``). Lists page in SQL after that condition, so a page is never short.

Every state change is one conditional UPDATE (``WHERE status = :expected AND version = :v``) after a row lock
(``lock``), so two staff acting on one case at once cannot both succeed: the second gets 409.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.cases.models import Case, CaseCounter, CaseDraft, CaseEvent, ShareRecord, UploadedFile
from smarthall.core.db import for_update
from smarthall.core.repository import MAX_PAGE, Repository, hall_scope
from smarthall.core.tenancy import Actor


class DueCase(NamedTuple):
    accepted_by: int
    promised_due: date
    finished_at: datetime | None
    status: str


class Notice(NamedTuple):
    actor_kind: str
    actor_ref: str | None
    number: int  # its place among its case's supplement notices, from 1


class FinishedCase(NamedTuple):
    """A case finished in a period, as staff performance counts it (who accepted it, when, and the promise)."""

    accepted_by: int
    finished_at: datetime
    promised_due: date


class CaseRepository(Repository[Case]):
    model = Case

    def scope(self, actor: Actor) -> ColumnElement[bool]:
        """Citizens: their own cases. Everyone else: the cases of the halls they may see."""
        if actor.kind == "citizen":
            return Case.citizen_id == actor.id if actor.id is not None else false()
        return hall_scope(Case, actor)

    # -- gets --------------------------------------------------------------------------------------------------
    def in_scope(self, actor: Actor, case_no: str) -> Case | None:
        return self.get_in_scope(actor, case_no=case_no)

    def by_number(self, case_no: str) -> Case | None:
        """Any case by number, whoever asks (contracts with other domains, the scope's 403-or-404 question)."""
        return self.session.execute(select(Case).where(Case.case_no == case_no)).scalar_one_or_none()

    def recent_of_citizen(self, citizen_id: int, *, limit: int = 20) -> list[Case]:
        """One citizen's latest cases, newest first (prefill from earlier cases: never another citizen's)."""
        stmt = select(Case).where(Case.citizen_id == citizen_id).order_by(Case.submitted_at.desc(), Case.id.desc())
        return list(self.session.scalars(stmt.limit(limit)))

    def lock(self, case: Case) -> Case:
        """The case re-read under a row lock (PostgreSQL; SQLite's writer lock already serialises)."""
        stmt = select(Case).where(Case.id == case.id).execution_options(populate_existing=True)
        if for_update(self.session):
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one()

    # -- lists -------------------------------------------------------------------------------------------------
    def filed_as_agent(self, citizen_id: int, limit: int = 50) -> list[Case]:
        """Cases a citizen filed as another's agent (代办), newest first (their submit event names them)."""
        stmt = (
            select(Case)
            .join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(
                CaseEvent.action == "submit",
                CaseEvent.actor_kind == "citizen",
                CaseEvent.actor_ref == str(citizen_id),
                Case.citizen_id != citizen_id,
            )  # fmt: skip
            .order_by(Case.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def listing(
        self,
        actor: Actor,
        *,
        status: Collection[str] | None = None,
        department_code: str | None = None,
        joint_items: Collection[str] = (),
        limit: int = 200,
        offset: int = 0,
    ) -> list[Case]:
        """Cases in scope by promised due date; ``department_code`` keeps an approver's department's cases and the
        joint reviews it takes part in (``joint_items``)."""
        stmt = self.scoped(actor)
        if status:
            stmt = stmt.where(Case.status.in_(list(status)))
        if department_code is not None:
            stmt = stmt.where(or_(Case.department_code == department_code, Case.item_code.in_(list(joint_items))))
        stmt = stmt.order_by(Case.promised_due, Case.id)
        return self.page(stmt, limit=min(limit, MAX_PAGE), offset=offset, count=False).items

    def running(self, statuses: Collection[str]) -> list[Case]:
        """Every case in one of ``statuses`` (the warnings job, as the system)."""
        return list(self.session.execute(select(Case).where(Case.status.in_(list(statuses)))).scalars())

    def finished_between(self, actor: Actor, hall_id: int, start: datetime, end: datetime) -> list[FinishedCase]:
        """The hall's cases (in ``actor``'s scope) with an acceptor, finished in [start, end)."""
        stmt = select(Case.accepted_by, Case.finished_at, Case.promised_due).where(
            hall_scope(Case, actor),
            Case.hall_id == hall_id,
            Case.accepted_by.is_not(None),
            Case.finished_at >= start,
            Case.finished_at < end,
        )
        rows = self.session.execute(stmt)
        return [FinishedCase(a, f, due) for a, f, due in rows if a is not None and f is not None]

    def tolerated_overdue(self, today: date) -> list[Case]:
        """Cases under review whose deadline for tolerated gaps has passed."""
        stmt = select(Case).where(
            Case.status == "review", Case.tolerated_until.is_not(None), Case.tolerated_until < today
        )
        return list(self.session.execute(stmt).scalars())

    def repeat_supplements(self, actor: Actor, hall_id: int) -> list[tuple[Case, list[CaseEvent]]]:
        """The hall's cases (in ``actor``'s scope) with more than one supplement notice, with those notices in order
        (the one-time-notice rule, 一次性告知: each case is told what to supplement once)."""
        twice = (
            select(CaseEvent.case_id)
            .where(CaseEvent.action == "supplement")
            .group_by(CaseEvent.case_id)
            .having(func.count() > 1)
        )
        cases = list(
            self.session.execute(self.scoped(actor).where(Case.hall_id == hall_id, Case.id.in_(twice))).scalars()
        )
        if not cases:
            return []
        stmt = (
            select(CaseEvent)
            .where(CaseEvent.case_id.in_([c.id for c in cases]), CaseEvent.action == "supplement")
            .order_by(CaseEvent.id)
        )
        notices: dict[int, list[CaseEvent]] = {}
        for event in self.session.execute(stmt).scalars():
            notices.setdefault(event.case_id, []).append(event)
        return [(c, notices.get(c.id, [])) for c in cases]

    def due_between(self, actor: Actor, hall_id: int, first: date, last: date) -> list[DueCase]:
        """The hall's accepted cases (in scope) whose promised date falls in [first, last] (performance: overdue)."""
        stmt = select(Case.accepted_by, Case.promised_due, Case.finished_at, Case.status).where(
            hall_scope(Case, actor),
            Case.hall_id == hall_id,
            Case.accepted_by.is_not(None),
            Case.promised_due >= first,
            Case.promised_due <= last,
        )
        return [DueCase(a, due, f, st) for a, due, f, st in self.session.execute(stmt) if a is not None]

    def supplement_notices_between(self, actor: Actor, hall_id: int, start: datetime, end: datetime) -> list[Notice]:
        """Every supplement notice given on the hall's cases (in scope) in [start, end), each with its place among
        its case's notices (1 the first; 2, 3, … a repeat: the one-time-notice rule, 一次性告知)."""
        cases = select(Case.id).where(hall_scope(Case, actor), Case.hall_id == hall_id)
        numbered = (
            select(
                CaseEvent.at,
                CaseEvent.actor_kind,
                CaseEvent.actor_ref,
                func.row_number().over(partition_by=CaseEvent.case_id, order_by=CaseEvent.id).label("n"),
            )
            .where(CaseEvent.action == "supplement", CaseEvent.case_id.in_(cases))
            .subquery()
        )
        stmt = select(numbered.c.actor_kind, numbered.c.actor_ref, numbered.c.n).where(
            numbered.c.at >= start, numbered.c.at < end
        )
        return [Notice(k, ref, int(n)) for k, ref, n in self.session.execute(stmt)]

    def overdue_running(self, actor: Actor, hall_id: int, today: date, stopped: Collection[str]) -> list[Case]:
        """The hall's cases (in scope) whose clock runs (not in ``stopped``) past their promised due date."""
        stmt = self.scoped(actor).where(
            Case.hall_id == hall_id, Case.status.not_in(list(stopped)), Case.promised_due < today
        )
        return list(self.session.execute(stmt.order_by(Case.promised_due, Case.id)).scalars())

    def with_evidence(self, actor: Actor, item_code: str, *, limit: int) -> list[Case]:
        """Past cases of an item in scope that stored instant-approval evidence, oldest first (rule replay)."""
        stmt = (
            self.scoped(actor)
            .where(Case.item_code == item_code, Case.evidence.is_not(None))
            .order_by(Case.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    # -- writes ------------------------------------------------------------------------------------------------
    def move(self, case: Case, target: str) -> bool:
        """``case`` to ``target`` if nobody moved it since it was read (one conditional UPDATE)."""
        result = self.session.execute(
            update(Case)
            .where(Case.id == case.id, Case.status == case.status, Case.version == case.version)
            .values(status=target, version=case.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        case.status = target
        case.version = case.version + 1
        return True

    def reassign(self, case: Case, *, to_hall_id: int, to_hall_code: str) -> bool:
        """A submitted ``case`` to another hall if nobody moved it since it was read (one conditional UPDATE)."""
        result = self.session.execute(
            update(Case)
            .where(
                Case.id == case.id,
                Case.hall_id == case.hall_id,
                Case.status == "submitted",
                Case.version == case.version,
            )
            .values(hall_id=to_hall_id, hall_code=to_hall_code, version=case.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        case.hall_id, case.hall_code, case.version = to_hall_id, to_hall_code, case.version + 1
        return True

    def next_number(self, hall_code: str, day: str) -> int:
        """The next number of the (hall, day) counter: one atomic ``UPDATE ... RETURNING``, the row made on first
        use (a concurrent first use loses the unique race harmlessly and updates the winner's row)."""
        stmt = (
            update(CaseCounter)
            .where(CaseCounter.hall_code == hall_code, CaseCounter.day == day)
            .values(value=CaseCounter.value + 1)
            .returning(CaseCounter.value)
        )
        value = self.session.execute(stmt).scalar_one_or_none()
        if value is None:
            try:
                with self.session.begin_nested():
                    self.session.execute(insert(CaseCounter).values(hall_code=hall_code, day=day, value=0))
            except IntegrityError:
                pass  # another transaction created it first
            value = self.session.execute(stmt).scalar_one()
        return int(value)

    # -- the timeline ------------------------------------------------------------------------------------------
    def add_event(
        self,
        case: Case,
        *,
        action: str,
        source: str | None,
        target: str,
        actor: Actor,
        at: datetime,
        note: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        ref = actor.username if actor.kind == "staff" else (str(actor.id) if actor.id is not None else None)
        self.session.add(
            CaseEvent(
                case_id=case.id,
                at=at,
                action=action,
                from_status=source,
                to_status=target,
                actor_kind=actor.kind,
                actor_ref=ref,
                note=note,
                detail=detail or {},
            )
        )
        self.session.flush()

    def timeline(self, case: Case) -> list[CaseEvent]:
        stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        return list(self.session.execute(stmt).scalars())

    def entered_current_status(self, case: Case) -> datetime | None:
        """When the case last entered its current status (from another one)."""
        stmt = (
            select(CaseEvent.at)
            .where(
                CaseEvent.case_id == case.id,
                CaseEvent.to_status == case.status,
                CaseEvent.from_status.is_distinct_from(case.status),
            )
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def last_action(self, case: Case) -> str | None:
        stmt = select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc()).limit(1)
        return self.session.execute(stmt).scalar_one_or_none()

    def has_event(self, case: Case, action: str) -> bool:
        stmt = select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.action == action).limit(1)
        return self.session.execute(stmt).first() is not None


class DraftRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, citizen_id: int, item_code: str) -> CaseDraft | None:
        stmt = select(CaseDraft).where(CaseDraft.citizen_id == citizen_id, CaseDraft.item_code == item_code)
        return self.session.execute(stmt).scalar_one_or_none()

    def add(self, draft: CaseDraft) -> CaseDraft:
        self.session.add(draft)
        return draft

    def delete(self, draft: CaseDraft) -> None:
        self.session.delete(draft)


class FileRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, file_id: str) -> UploadedFile | None:
        return self.session.get(UploadedFile, file_id)

    def add(self, row: UploadedFile) -> UploadedFile:
        self.session.add(row)
        self.session.flush()
        return row


class ShareRepository:
    """The demo data-sharing records (共享交换), by department, field and the subject's blind index."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def values(self, department: str, field: str, subject_indexes: list[str]) -> dict[str, str]:
        stmt = select(ShareRecord).where(
            ShareRecord.department == department,
            ShareRecord.field == field,
            ShareRecord.subject_index.in_(subject_indexes),
        )
        return {r.subject_index: r.value for r in self.session.execute(stmt).scalars()}

    def put(self, department: str, field: str, subject_index: str, value: str) -> None:
        stmt = select(ShareRecord).where(
            ShareRecord.department == department,
            ShareRecord.field == field,
            ShareRecord.subject_index == subject_index,
        )
        row = self.session.execute(stmt).scalar_one_or_none()
        if row is None:
            self.session.add(ShareRecord(department=department, field=field, subject_index=subject_index, value=value))
        else:
            row.value = value
