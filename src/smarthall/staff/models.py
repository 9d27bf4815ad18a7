"""Staff supervision alerts (8.1) and competence courses with their quiz attempts and assignments (8.3).

Performance (8.2) keeps no table of its own: it is computed from the tickets, cases and ratings it measures, so a
ranking always matches a recount from the raw records.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class StaffAlert(IdMixin, TimestampMixin, Base):
    """One supervision alert to the hall manager: a window idle while its queue waits, a service running too long,
    a window paused too long, a bad rating. ``subject_ref`` makes one alert per episode (a rescan raises none)."""

    __tablename__ = "staff_alert"
    __table_args__ = (UniqueConstraint("hall_id", "kind", "subject_ref"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # idle | long_service | paused_long | bad_rating
    window_code: Mapped[str | None] = mapped_column(String(40))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"), index=True)
    subject_ref: Mapped[str] = mapped_column(String(80))
    raised_at: Mapped[datetime] = mapped_column(index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class Course(IdMixin, TimestampMixin, Base):
    """A course with its quiz, made by a hall manager for the staff of the hall."""

    __tablename__ = "staff_course"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)  # text, options, answer
    pass_percent: Mapped[int] = mapped_column(Integer, default=80)
    required_for_role: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))


class CourseAttempt(IdMixin, Base):
    """One staff member's answers to a course's quiz and the score they earned."""

    __tablename__ = "staff_course_attempt"

    course_id: Mapped[int] = mapped_column(ForeignKey("staff_course.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("identity_staff.id"), index=True)
    answers: Mapped[list[int]] = mapped_column(JsonType, default=list)
    correct: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)  # percent
    passed: Mapped[bool] = mapped_column(Boolean)
    taken_at: Mapped[datetime] = mapped_column(index=True)


class CourseAssignment(IdMixin, TimestampMixin, Base):
    """A course the hall manager assigns, due by a day: to one staff member, or to everyone of a role and/or a
    department of the hall (who is meant is worked out when read, so a newcomer in the role is included)."""

    __tablename__ = "staff_course_assignment"

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("staff_course.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column()
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column()


class StaffCard(IdMixin, TimestampMixin, Base):
    """A yellow or red card to a staff member: raised by the hall's rules on the month's supervision alerts (``ref``
    ``rule``: one of each colour a month), or given by the hall manager by hand with a reason (``ref``
    ``manual:…``, any number); the staff member's reply and the manager's decision (upheld or withdrawn) are kept
    with it."""

    __tablename__ = "staff_card"
    __table_args__ = (UniqueConstraint("hall_id", "staff_id", "color", "month", "ref"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("identity_staff.id"), index=True)
    color: Mapped[str] = mapped_column(String(8))  # yellow | red
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    alerts: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column()
    ref: Mapped[str] = mapped_column(String(40), default="rule", server_default="rule")  # rule | manual:<token>
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")  # a manual card's reason
    issued_by: Mapped[str | None] = mapped_column(String(64))  # the manager who gave a manual card
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column()
    decision: Mapped[str | None] = mapped_column(String(12))  # upheld | withdrawn
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column()


class ChangeNotice(IdMixin, TimestampMixin, Base):
    """A "what changed" notice (变更告知) of one hall: an item's catalog entry went from one version to another, and
    ``changes`` says how in words (``catalog.changes``: {"kind", "zh", "en"}). The staff who handle the item in the
    hall when it changed each get a receipt to confirm (``ChangeReceipt``)."""

    __tablename__ = "staff_change_notice"
    __table_args__ = (UniqueConstraint("hall_id", "source", "item_code", "to_version"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    # what changed: "catalog" (the item's catalog entry), "knowledge" (a KB entry: item_code is the entry's code),
    # "override" (the hall's own settings of the item)
    source: Mapped[str] = mapped_column(String(16), default="catalog", server_default="catalog")
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    item_name: Mapped[str] = mapped_column(String(128))
    from_version: Mapped[int] = mapped_column(Integer)
    to_version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    issued_at: Mapped[datetime] = mapped_column(index=True)


class ChangeReceipt(IdMixin, Base):
    """One staff member's copy of a change notice: read and confirmed (``confirmed_at``) or still open."""

    __tablename__ = "staff_change_receipt"
    __table_args__ = (UniqueConstraint("notice_id", "staff_id"),)

    notice_id: Mapped[int] = mapped_column(ForeignKey("staff_change_notice.id", ondelete="CASCADE"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("identity_staff.id"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column()
