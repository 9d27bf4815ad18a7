"""Holiday calendar overrides (节假日调整): a region or a hall marks single days as working or not, against the
official calendar (``core.workdays``); down the hall tree the nearest scope wins for a day (hall → township → county
→ city → province → official), as with the rule settings. Changes are made at a scope the actor manages and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.tenancy import Actor
from smarthall.core.workdays import official_workday
from smarthall.org.errors import CalendarOverrideNotFound, CalendarRangeInvalid
from smarthall.org.models import CalendarOverride
from smarthall.org.repository import CalendarRepository
from smarthall.org.service import HallLike, ScopeFacts, chain_scopes, managed_scope

MAX_RANGE_DAYS = 800


@dataclass(frozen=True)
class CalendarEntry:
    """One override along a hall's chain, and whether it decides the day there (a nearer scope may override it)."""

    day: date
    is_workday: bool
    note: str
    scope: ScopeFacts
    effective: bool
    official_workday: bool  # what the official calendar says of the day

    @property
    def level(self) -> str:
        return "hall" if self.scope.kind == "hall" else self.scope.level


def _check_range(start: date, end: date) -> None:
    if end < start or (end - start).days > MAX_RANGE_DAYS:
        raise CalendarRangeInvalid(detail={"from": start.isoformat(), "to": end.isoformat()})


def hall_overrides(session: Session, hall: HallLike, *, start: date, end: date) -> list[CalendarEntry]:
    """Every override of the days in [start, end] along ``hall``'s chain, by day and nearest scope first; the
    nearest one of each day is the effective one."""
    _check_range(start, end)
    scopes = chain_scopes(session, hall)
    rank = {scope.code: i for i, scope in enumerate(scopes)}
    by_code = {scope.code: scope for scope in scopes}
    rows = CalendarRepository(session).for_scopes(list(by_code), start=start, end=end)
    rows.sort(key=lambda r: (r.day, -rank[r.scope_code]))
    out: list[CalendarEntry] = []
    seen: set[date] = set()
    for row in rows:
        official = official_workday(row.day)[0]
        out.append(
            CalendarEntry(row.day, row.is_workday, row.note, by_code[row.scope_code], row.day not in seen, official)
        )
        seen.add(row.day)
    return out


def default_range(today: date) -> tuple[date, date]:
    """What the page shows first: from a month back to the end of next year (the official calendar's horizon)."""
    return today - timedelta(days=31), date(today.year + 1, 12, 31)


def set_override(
    session: Session, actor: Actor, *, scope_code: str, day: date, is_workday: bool, note: str, now: datetime
) -> CalendarOverride:
    """Mark ``day`` as a working day or not at a region or hall the actor manages (replacing its earlier mark)."""
    scope = managed_scope(session, actor, scope_code)
    repo = CalendarRepository(session)
    row = repo.at(scope.code, day)
    previous = None if row is None else row.is_workday
    if row is None:
        row = repo.add(CalendarOverride(scope_code=scope.code, day=day, is_workday=is_workday, note=note))
    else:
        row.is_workday, row.note = is_workday, note
    repo.flush()
    audit_service.record(
        session,
        actor,
        "calendar.set",
        target_type="org_calendar_override",
        target_id=f"{day.isoformat()}@{scope.code}",
        hall_code=scope.code if scope.kind == "hall" else None,
        now=now,
        detail={"scope_code": scope.code, "day": day.isoformat(), "is_workday": is_workday, "previous": previous},
    )
    return row


def clear_override(session: Session, actor: Actor, *, scope_code: str, day: date, now: datetime) -> None:
    """Remove the mark of ``day`` at a scope the actor manages: the day follows the scopes above again."""
    scope = managed_scope(session, actor, scope_code)
    repo = CalendarRepository(session)
    row = repo.at(scope.code, day)
    if row is None:
        raise CalendarOverrideNotFound(detail={"scope_code": scope.code, "day": day.isoformat()})
    was = row.is_workday
    repo.delete(row)
    repo.flush()
    audit_service.record(
        session,
        actor,
        "calendar.clear",
        target_type="org_calendar_override",
        target_id=f"{day.isoformat()}@{scope.code}",
        hall_code=scope.code if scope.kind == "hall" else None,
        now=now,
        detail={"scope_code": scope.code, "day": day.isoformat(), "was_workday": was},
    )
