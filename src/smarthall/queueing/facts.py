"""The facts the live hall reads on every request — halls, windows and the items they serve, queue prefixes,
working days — from the per-process caches of the owning domains (``org_service.hall_facts``,
``catalog_service.item_facts``, ``core.cache``), with queueing's own errors for what is missing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.catalog import service as catalog_service
from smarthall.core.cache import cached
from smarthall.core.clock import service_day
from smarthall.org import service as org_service
from smarthall.org.models import Department
from smarthall.org.service import HallFacts, WindowFacts
from smarthall.queueing import policy
from smarthall.queueing.errors import WindowNotFound

__all__ = ["HallFacts", "WindowFacts"]

QUEUES_CACHE = "queue.prefixes"


def hall(session: Session, code: str) -> HallFacts:
    """An active hall by code (HallNotFound otherwise)."""
    return org_service.hall_facts(session, code)


def window(session: Session, code: str) -> WindowFacts:
    """An active window by code (WindowNotFound otherwise)."""
    facts = org_service.window_facts(session, code)
    if facts is None:
        raise WindowNotFound(detail={"window_code": code})
    return facts


def hall_windows(session: Session, hall_id: int) -> tuple[WindowFacts, ...]:
    return org_service.hall_windows(session, hall_id)


def hall_items(session: Session, hall_code: str) -> frozenset[str]:
    """Item codes the hall handles."""
    return catalog_service.hall_items(session, hall(session, hall_code))


def item(session: Session, item_code: str) -> tuple[str, str]:
    """(code, department code) of an active item (ItemNotFound otherwise)."""
    facts = catalog_service.item_facts(session, item_code)
    return facts.code, facts.department_code


def prefixes(session: Session) -> dict[str, str]:
    """Queue prefix letter per department code."""
    return cached(
        session,
        QUEUES_CACHE,
        "prefixes",
        lambda: policy.queue_prefixes(session.execute(select(Department.code)).scalars()),
    )


def queue_departments(session: Session) -> dict[str, str]:
    """Department code per queue prefix (the board names each queue's department)."""
    return cached(session, QUEUES_CACHE, "departments", lambda: {q: d for d, q in prefixes(session).items()})


def is_open(session: Session, hall_facts: HallFacts, now: datetime) -> bool:
    day = service_day(now)
    return policy.is_open(hall_facts.opening_hours, now, org_service.is_workday(session, hall_facts.code, day))
