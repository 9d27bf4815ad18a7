"""The raw counts of performance (8.2), recounted from the records each time and read through their owners'
services: per staff member, and per window — a window's figures are those of the services served **at** it (the
ticket's window) and of the ratings given there, whoever was signed in; what carries no window (cases, supplement
notices, help requests, ratings given away from a window) counts for the window the staff member is assigned to.

Measures beyond the first five: the waits caused (the customers' waiting time, from joining the line to the call,
that each call ended: the wait attributed to the person and window that called), overdue cases (accepted cases
whose promised date fell in the period and passed unkept) and one-time-notice compliance (the share of supplement
notices that were their case's first)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from sqlalchemy.orm import Session

from smarthall.assist import service as assist_service
from smarthall.cases import oversight as case_oversight
from smarthall.cases import service as cases_service
from smarthall.core.clock import service_day
from smarthall.core.tenancy import Actor
from smarthall.evaluation import service as evaluation_service
from smarthall.queueing import measures as queue_measures
from smarthall.staff.scoring import Figures

FIELDS = tuple(f.name for f in fields(Figures))


@dataclass
class Counted:
    people: dict[int, Figures] = field(default_factory=dict)
    windows: dict[str, Figures] = field(default_factory=dict)
    window_people: dict[str, set[int]] = field(default_factory=dict)  # who contributed to each window's figures


def count(
    session: Session,
    actor: Actor,
    hall_id: int,
    *,
    start: datetime,
    end: datetime,
    first_day: date,
    last_day: date,
    today: date,
    assigned: Mapping[int, str | None],
) -> Counted:
    """The hall's counts in [start, end) (the days ``first_day`` … ``last_day``), per staff id and per window;
    ``assigned`` is each staff member's window (for what carries none)."""
    people: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    windows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    members: dict[str, set[int]] = defaultdict(set)

    def add(staff_id: int, window: str | None, **n: int) -> None:
        mine = people[staff_id]
        where = window or assigned.get(staff_id)
        at = windows[where] if where else None
        for key, value in n.items():  # plain dict sums: a month's tickets pass here one by one
            mine[key] += value
            if at is not None:
                at[key] += value
        if where:
            members[where].add(staff_id)

    for s in queue_measures.finished_services(session, actor, hall_id, start, end):
        n = {"handled": 1}
        if s.called_at is not None and s.finished_at is not None:
            n["service_seconds"] = max(0, int((s.finished_at - s.called_at).total_seconds()))
        if s.called_at is not None and s.queued_at is not None:
            n["waited"] = 1
            n["wait_seconds"] = max(0, int((s.called_at - s.queued_at).total_seconds()))
        add(int(s.staff_id), s.window_code, **n)
    for c in cases_service.finished_cases(session, actor, hall_id=hall_id, start=start, end=end):
        add(int(c.accepted_by), None, cases=1, cases_on_time=int(service_day(c.finished_at) <= c.promised_due))
    for r in evaluation_service.counted_ratings(session, actor, hall_id=hall_id, start=start, end=end):
        add(int(r.staff_id), r.window_code, ratings=1, good_ratings=int(r.level >= 4), complaints=int(r.level <= 2))
    for staff_id in assist_service.helped_by(session, actor, hall_id=hall_id, start=start, end=end):
        add(staff_id, None, helps=1)
    for staff_id in case_oversight.overdue_acceptors(session, actor, hall_id, first_day, last_day, today):
        add(staff_id, None, overdue=1)
    for staff_id, repeat in case_oversight.supplement_notices(session, actor, hall_id, start, end):
        add(staff_id, None, notices=1, repeat_notices=int(repeat))

    def made(c: dict[str, int]) -> Figures:
        return Figures(**{f: c.get(f, 0) for f in FIELDS})

    return Counted(
        people={k: made(v) for k, v in people.items()},
        windows={k: made(v) for k, v in windows.items()},
        window_people=dict(members),
    )
