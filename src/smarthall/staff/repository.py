"""Queries of the staff domain: alerts, cards, courses and their attempts and assignments, change notices. Every
hall-owned question starts from the one scope filter (``core.repository``). The tickets, window sessions, cases,
ratings and accounts that performance and supervision are measured from are read through their owners' services
(``queueing.measures``, ``cases.service``, ``evaluation.service``, ``identity.service``), as typed rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select

from smarthall.core.repository import Repository, hall_scope
from smarthall.core.tenancy import Actor
from smarthall.staff.models import (
    ChangeNotice,
    ChangeReceipt,
    Course,
    CourseAssignment,
    CourseAttempt,
    StaffAlert,
    StaffCard,
)

MEASURED_ROLES = ("clerk", "guide", "approver")


class AlertRepository(Repository[StaffAlert]):
    model = StaffAlert

    def existing_refs(self, hall_id: int, refs: list[tuple[str, str]]) -> set[tuple[str, str]]:
        if not refs:
            return set()
        kinds = {k for k, _ in refs}
        subjects = {r for _, r in refs}
        stmt = select(StaffAlert.kind, StaffAlert.subject_ref).where(
            StaffAlert.hall_id == hall_id, StaffAlert.kind.in_(kinds), StaffAlert.subject_ref.in_(subjects)
        )
        return {(r[0], r[1]) for r in self.session.execute(stmt)}

    def recent(self, actor: Actor, hall_id: int, *, open_only: bool, limit: int = 100) -> list[StaffAlert]:
        stmt = self.scoped(actor).where(StaffAlert.hall_id == hall_id)
        if open_only:
            stmt = stmt.where(StaffAlert.acknowledged_at.is_(None))
        return list(self.session.execute(stmt.order_by(StaffAlert.raised_at.desc()).limit(limit)).scalars())

    def counts_by_staff(self, hall_id: int, start: datetime, end: datetime) -> dict[int, int]:
        """Alerts per staff member raised in [start, end)."""
        stmt = (
            select(StaffAlert.staff_id, func.count())
            .where(
                StaffAlert.hall_id == hall_id,
                StaffAlert.staff_id.is_not(None),
                StaffAlert.raised_at >= start,
                StaffAlert.raised_at < end,
            )
            .group_by(StaffAlert.staff_id)
        )
        return {r[0]: int(r[1]) for r in self.session.execute(stmt) if r[0] is not None}

    def for_update(self, actor: Actor, alert_id: int) -> StaffAlert | None:
        stmt = self.scoped(actor).where(StaffAlert.id == alert_id).with_for_update()
        return self.session.execute(stmt).scalars().one_or_none()  # type: ignore[no-any-return]


class CourseRepository(Repository[Course]):
    model = Course

    def of_hall(self, actor: Actor, hall_id: int) -> list[Course]:
        stmt = self.scoped(actor).where(Course.hall_id == hall_id, Course.active.is_(True)).order_by(Course.code)
        return list(self.session.execute(stmt).scalars())

    def by_code(self, hall_id: int, code: str) -> Course | None:
        stmt = select(Course).where(Course.hall_id == hall_id, Course.code == code)
        return self.session.execute(stmt).scalars().one_or_none()

    def required_for(self, hall_id: int, role: str) -> list[Course]:
        stmt = select(Course).where(
            Course.hall_id == hall_id, Course.active.is_(True), Course.required_for_role == role
        )
        return list(self.session.execute(stmt).scalars())


class AttemptRepository(Repository[CourseAttempt]):
    model = CourseAttempt

    def of_staff(self, actor: Actor, staff_id: int) -> list[tuple[CourseAttempt, Course]]:
        stmt = (
            select(CourseAttempt, Course)
            .join(Course, and_(Course.id == CourseAttempt.course_id))
            .where(hall_scope(CourseAttempt, actor), CourseAttempt.staff_id == staff_id)
            .order_by(CourseAttempt.taken_at.desc())
        )
        return [(r[0], r[1]) for r in self.session.execute(stmt)]

    def passed_course_ids(self, staff_id: int) -> set[int]:
        stmt = select(CourseAttempt.course_id).where(CourseAttempt.staff_id == staff_id, CourseAttempt.passed)
        return {r[0] for r in self.session.execute(stmt)}

    def passed_pairs(self, staff_ids: Sequence[int]) -> set[tuple[int, int]]:
        """(staff_id, course_id) of every course each of ``staff_ids`` has passed."""
        if not staff_ids:
            return set()
        stmt = select(CourseAttempt.staff_id, CourseAttempt.course_id).where(
            CourseAttempt.staff_id.in_(list(staff_ids)), CourseAttempt.passed
        )
        return {(r[0], r[1]) for r in self.session.execute(stmt)}


class AssignmentRepository(Repository[CourseAssignment]):
    model = CourseAssignment

    def of_hall(self, actor: Actor, hall_id: int) -> list[tuple[CourseAssignment, Course]]:
        """The hall's assignments with their (active) course, soonest due first."""
        stmt = (
            select(CourseAssignment, Course)
            .join(Course, Course.id == CourseAssignment.course_id)
            .where(hall_scope(CourseAssignment, actor), CourseAssignment.hall_id == hall_id, Course.active.is_(True))
            .order_by(CourseAssignment.due_on, CourseAssignment.id)
        )
        return [(r[0], r[1]) for r in self.session.execute(stmt)]


class CardRepository(Repository[StaffCard]):
    model = StaffCard

    def of_month(self, hall_id: int, month: str) -> set[tuple[int, str]]:
        """(staff_id, colour) of the cards the hall's rules gave in ``month`` (manual cards do not count)."""
        stmt = select(StaffCard.staff_id, StaffCard.color).where(
            StaffCard.hall_id == hall_id, StaffCard.month == month, StaffCard.ref == "rule"
        )
        return {(r[0], r[1]) for r in self.session.execute(stmt)}

    def recent(self, actor: Actor, hall_id: int, *, staff_id: int | None = None, limit: int = 100) -> list[StaffCard]:
        stmt = self.scoped(actor).where(StaffCard.hall_id == hall_id)
        if staff_id is not None:
            stmt = stmt.where(StaffCard.staff_id == staff_id)
        return list(self.session.execute(stmt.order_by(StaffCard.issued_at.desc()).limit(limit)).scalars())

    def for_update(self, actor: Actor, card_id: int) -> StaffCard | None:
        stmt = self.scoped(actor).where(StaffCard.id == card_id).with_for_update()
        return self.session.execute(stmt).scalars().one_or_none()  # type: ignore[no-any-return]


class NoticeRepository(Repository[ChangeNotice]):
    model = ChangeNotice

    def exists(self, hall_id: int, item_code: str, to_version: int, source: str = "catalog") -> bool:
        stmt = select(ChangeNotice.id).where(
            ChangeNotice.hall_id == hall_id,
            ChangeNotice.source == source,
            ChangeNotice.item_code == item_code,
            ChangeNotice.to_version == to_version,
        )
        return self.session.execute(stmt.limit(1)).first() is not None

    def of_staff(self, actor: Actor, staff_id: int, *, limit: int = 200) -> list[tuple[ChangeReceipt, ChangeNotice]]:
        """One staff member's notices with their receipts, open ones first, newest first."""
        stmt = (
            select(ChangeReceipt, ChangeNotice)
            .join(ChangeNotice, ChangeNotice.id == ChangeReceipt.notice_id)
            .where(hall_scope(ChangeReceipt, actor), ChangeReceipt.staff_id == staff_id)
            .order_by(ChangeReceipt.confirmed_at.is_not(None), ChangeNotice.issued_at.desc(), ChangeNotice.id.desc())
            .limit(limit)
        )
        return [(r, n) for r, n in self.session.execute(stmt)]

    def receipt_for_update(self, actor: Actor, notice_id: int, staff_id: int) -> ChangeReceipt | None:
        stmt = (
            select(ChangeReceipt)
            .where(hall_scope(ChangeReceipt, actor), ChangeReceipt.notice_id == notice_id)
            .where(ChangeReceipt.staff_id == staff_id)
            .with_for_update()
        )
        return self.session.execute(stmt).scalars().one_or_none()

    def of_hall(self, actor: Actor, hall_id: int, *, limit: int = 200) -> list[ChangeNotice]:
        stmt = self.scoped(actor).where(ChangeNotice.hall_id == hall_id)
        return list(
            self.session.execute(
                stmt.order_by(ChangeNotice.issued_at.desc(), ChangeNotice.id.desc()).limit(limit)
            ).scalars()
        )

    def receipts(self, actor: Actor, notice_ids: Sequence[int]) -> list[ChangeReceipt]:
        if not notice_ids:
            return []
        stmt = select(ChangeReceipt).where(
            hall_scope(ChangeReceipt, actor), ChangeReceipt.notice_id.in_(list(notice_ids))
        )
        return list(self.session.execute(stmt.order_by(ChangeReceipt.id)).scalars())
