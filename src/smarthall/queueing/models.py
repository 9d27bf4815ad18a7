"""Queueing tables: daily counters per hall and queue, tickets, and who is signed in at which window.

A ticket number is unique per (hall, queue, service day) by construction (one atomic upsert on the counter row)
and by a unique constraint, the last guard.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.crypto import EncryptedString
from smarthall.core.models import Base, IdMixin, TimestampMixin


class QueueCounter(Base):
    __tablename__ = "queue_counter"
    __table_args__ = (
        UniqueConstraint("hall_id", "queue_code", "day"),
        Index("ix_queue_counter_day", "hall_id", "day"),  # a board's queues of the day, however many days are kept
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"))
    queue_code: Mapped[str] = mapped_column(String(8))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(Integer, default=0)  # the last number issued
    # Tickets of the queue waiting now: moved in the same transaction as every change into or out of ``waiting``.
    waiting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Ticket(IdMixin, TimestampMixin, Base):
    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("hall_id", "queue_code", "day", "seq"),
        # Partial indexes, one per question the hot paths ask, each holding only the rows that answer it: the waiting
        # line in calling order (call-next, the replay), the tickets transferred to a window, who is being served,
        # the day's calls (boards) and finishes (learnt service times). Each is an index range however long the day,
        # and no other index can serve the same statement, so the plan does not depend on the table's statistics
        # (a busy morning outgrows them long before an ANALYZE). Statements state the status as a literal
        # (``status_is``), which is what lets the planner use the partial index in every plan, generic ones too.
        Index(
            "ix_queue_ticket_waiting",
            "hall_id",
            "day",
            "priority",
            "queued_at",
            "id",
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
        Index(
            "ix_queue_ticket_targeted",
            "hall_id",
            "day",
            "target_window_code",
            "queued_at",
            "id",
            sqlite_where=text("status = 'waiting' AND target_window_code IS NOT NULL"),
            postgresql_where=text("status = 'waiting' AND target_window_code IS NOT NULL"),
        ),
        Index(
            "ix_queue_ticket_serving",
            "hall_id",
            "day",
            sqlite_where=text("status = 'called'"),
            postgresql_where=text("status = 'called'"),
        ),
        Index(
            "ix_queue_ticket_calls",
            "hall_id",
            "day",
            "called_at",
            sqlite_where=text("called_at IS NOT NULL"),
            postgresql_where=text("called_at IS NOT NULL"),
        ),
        Index(
            "ix_queue_ticket_done",
            "hall_id",
            "day",
            "finished_at",
            sqlite_where=text("status = 'finished'"),
            postgresql_where=text("status = 'finished'"),
        ),
        Index("ix_queue_ticket_window", "window_code", "status"),
        # a ticket's status by its number: a point lookup; the number first, so no (hall_id, day) range statement of
        # the hot paths can take it instead of its partial index
        Index("ix_queue_ticket_number", "number", "hall_id", "day"),
    )

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"))
    hall_code: Mapped[str] = mapped_column(String(32))
    queue_code: Mapped[str] = mapped_column(String(8))
    day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(16))
    item_code: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(String(16))
    # waiting → called → finished; called → skipped (→ waiting once, on requeue); waiting → cancelled
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    # elderly / pregnant / disabled / military / appointment: sensitive, so sealed like other personal data
    priority_reason: Mapped[str | None] = mapped_column(EncryptedString("queue_ticket.priority_reason"))
    source: Mapped[str] = mapped_column(String(16))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    id_number: Mapped[str | None] = mapped_column(EncryptedString("queue_ticket.id_number"))
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedString("queue_ticket.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64))
    appointment_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column()
    queued_at: Mapped[datetime] = mapped_column()  # the place in line: issue time, or the requeue time
    target_window_code: Mapped[str | None] = mapped_column(String(40))  # after a transfer to one window
    window_code: Mapped[str | None] = mapped_column(String(40))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    called_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    requeue_count: Mapped[int] = mapped_column(Integer, default=0)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    notified_ahead: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))


class WindowSession(IdMixin, TimestampMixin, Base):
    """Who is signed in at a window, and whether it is calling (open) or paused."""

    __tablename__ = "queue_window_session"

    window_code: Mapped[str] = mapped_column(String(40), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # open / paused / closed
    signed_in_at: Mapped[datetime | None] = mapped_column()
    priority_streak: Mapped[int] = mapped_column(Integer, default=0)
    status_since: Mapped[datetime | None] = mapped_column()  # the last pause, resume or sign-out (supervision)


TICKET_STATUSES = frozenset({"waiting", "called", "skipped", "finished", "cancelled"})


def status_is(value: str) -> ColumnElement[bool]:
    """``queue_ticket.status = 'value'`` with the value written into the SQL rather than bound, so that the
    planner matches the partial indexes above at plan time (PostgreSQL's generic plans, SQLite) — see the table."""
    if value not in TICKET_STATUSES:
        raise ValueError(f"unknown ticket status {value!r}")
    return Ticket.__table__.c.status == literal_column(f"'{value}'")


class BoardNotice(IdMixin, TimestampMixin, Base):
    """The notice line a hall manager sets for the hall's boards (one per hall), in Chinese and English, shown until
    it expires (never when ``expires_at`` is empty) or is cleared; the catalog's standing notice otherwise."""

    __tablename__ = "queue_board_notice"

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), unique=True)
    text_zh: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(String(300), default="")
    expires_at: Mapped[datetime | None] = mapped_column()
    set_by: Mapped[str] = mapped_column(String(80))
