"""The typed rows the queue's repository returns (``NamedTuple``: built straight from a Core row, no ORM)."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple


class TicketRow(NamedTuple):
    """What the hot paths read of a ticket (no personal data)."""

    id: int
    hall_id: int
    hall_code: str
    queue_code: str
    day: date
    number: str
    item_code: str
    department_code: str
    status: str
    priority: bool
    queued_at: datetime
    target_window_code: str | None
    window_code: str | None
    staff_id: int | None
    issued_at: datetime
    called_at: datetime | None
    finished_at: datetime | None
    recall_count: int
    requeue_count: int
    transfer_count: int
    request_hash: str | None


class TicketAtWindow(NamedTuple):
    """A ticket with the session of the window that called it (``None`` fields: nobody signed in there)."""

    ticket: TicketRow
    ws_staff_id: int | None
    ws_status: str | None
    ws_id: int | None = None
    ws_priority_streak: int | None = None


class WindowSessionRow(NamedTuple):
    id: int
    staff_id: int | None
    status: str
    priority_streak: int
    busy: bool  # serving a ticket


class Candidate(NamedTuple):
    id: int
    priority: bool
    queued_at: datetime
    kind: int  # 0 transferred to this window, 1 priority, 2 ordinary


class RecentCall(NamedTuple):
    id: int
    number: str
    window_code: str | None
    called_at: datetime | None
    citizen_id: int | None


class HallState(NamedTuple):
    """The board's live state: waiting per queue, each window's status, the number each window serves."""

    waiting: dict[str, int]
    window_status: dict[str, str]
    serving: dict[str, str]
    notice: tuple[str, str] | None = None  # the board notice in force (Chinese, English or "")


class SubjectRow(NamedTuple):
    id: int
    hall_id: int
    hall_code: str
    status: str
    finished_at: datetime | None
    citizen_id: int | None
    id_number_index: str | None
    phone: str | None
    window_code: str | None
    staff_id: int | None
    department_code: str
    item_code: str


class WaitingRow(NamedTuple):
    id: int
    item_code: str
    priority: bool
    queued_min: float  # place in line, minutes relative to the replay's now (≤ 0)
    target_window_code: str | None


class QueuedRow(NamedTuple):
    id: int
    priority: bool
    queued_at: datetime
    target_window_code: str | None


class FinishedRow(NamedTuple):
    item_code: str
    called_at: datetime | None
    finished_at: datetime | None


class ServingRow(NamedTuple):
    window_code: str | None
    item_code: str
    called_at: datetime | None


class OpenWindowRow(NamedTuple):
    window_code: str
    priority_streak: int


class NearRow(NamedTuple):
    id: int
    number: str
    citizen_id: int | None
    phone: str | None
