"""Operations use cases that span domains: load the generated history for halls of the catalog, rebuild facts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core.clock import service_day
from smarthall.operations import history, roster
from smarthall.operations import service as operations_service
from smarthall.org import service as org_service

ROSTER_AHEAD = 13


def _halls(session: Session, hall_codes: Sequence[str] | None) -> list[org_service.HallFacts]:
    halls = [org_service.facts_of(h) for h in org_service.list_halls(session)]
    if hall_codes is not None:
        wanted = set(hall_codes)
        halls = [h for h in halls if h.code in wanted]
    return halls


def load_history(
    session: Session,
    *,
    days: int,
    hall_codes: Sequence[str] | None,
    seed: int,
    now: datetime,
    today: date | None = None,
) -> dict[str, Any]:
    """Generate ``days`` past days for the halls (all active by default) and fold them into facts."""
    halls = _halls(session, hall_codes)
    today = today or service_day(now)
    summary = history.generate(session, halls=halls, items=history.catalog_items(), days=days, today=today, seed=seed)
    folded = operations_service.rebuild(session, now=now, hall_ids=[h.id for h in halls],
                                        folded=frozenset(summary.folded))  # fmt: skip
    # the roster of the generated days and of the fortnight the forecast and the staffing plan look at
    rostered = roster.seed_plan(session, halls, from_day=today - timedelta(days=days), days=days + ROSTER_AHEAD)
    return {**summary.as_dict(), "hall_days_folded": folded, "roster_days": rostered}


def rebuild(session: Session, *, hall_codes: Sequence[str] | None, now: datetime) -> int:
    ids = None if hall_codes is None else [h.id for h in _halls(session, hall_codes)]
    return operations_service.rebuild(session, now=now, hall_ids=ids)
