"""The facts the live hall reads on every request — halls, windows and the items they serve, queue prefixes,
working days, the hall's queue rules — from the per-process caches of the owning domains (``org_service``,
``catalog_service``, ``rules_service``), with queueing's own errors for what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from smarthall.catalog import names as catalog_names
from smarthall.catalog import service as catalog_service
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.org.service import HallFacts, WindowFacts
from smarthall.queueing import history, policy, repository
from smarthall.queueing.errors import WindowNotFound
from smarthall.rules import service as rules_service

__all__ = ["HallFacts", "WindowFacts"]


def hall(session: Session, code: str) -> HallFacts:
    """An active hall by code (HallNotFound otherwise)."""
    return org_service.hall_facts(session, code)


def hall_by_id(session: Session, hall_id: int) -> HallFacts:
    return org_service.hall_facts_by_id(session, hall_id)


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


def item(session: Session, item_code: str) -> catalog_service.ItemFacts:
    """An active item (ItemNotFound otherwise)."""
    return catalog_service.item_facts(session, item_code)


def item_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """``code -> name`` for the items a page lists."""
    return catalog_service.item_names(session, [c for c in codes if c])


def prefixes(session: Session) -> dict[str, str]:
    """Queue prefix letter per department code (``org_service.departments`` is cached; this is a dict build)."""
    return policy.queue_prefixes(org_service.department_names(session))


def department_names(session: Session) -> dict[str, str]:
    """Department name per code (the board says whose queue it is in words)."""
    return org_service.department_names(session)


def english_names(session: Session) -> Mapping[str, str]:
    """The catalog's English names (Chinese name → English; ``catalog.names``), for a board read in English."""
    database = session.info.get("db")
    return catalog_names.english_names(database) if database is not None else {}


def queue_departments(session: Session) -> dict[str, str]:
    """Department code per queue prefix (the board names each queue's department)."""
    return {q: d for d, q in prefixes(session).items()}


def is_open(session: Session, hall_facts: HallFacts, now: datetime) -> bool:
    day = service_day(now)
    return policy.is_open(hall_facts.opening_hours, now, org_service.is_workday(session, hall_facts.code, day))


def rules(session: Session, hall_facts: HallFacts) -> policy.QueueRules:
    """The hall's queue rules (``queue.*`` in ``rules.definitions``; nearest override wins, cached per hall)."""
    return policy.QueueRules.from_values(
        {key: rules_service.value(session, hall_facts, f"queue.{key}") for key in policy.QueueRules.keys()}
    )


def next_opening(session: Session, hall_facts: HallFacts, now: datetime) -> datetime | None:
    """When the hall next starts issuing tickets (today later, or a coming day), within two weeks; None if never."""
    local = now.astimezone(SHANGHAI)
    for offset in range(15):
        day = local.date() + timedelta(days=offset)
        periods = policy.opening_periods(
            hall_facts.opening_hours, day, org_service.is_workday(session, hall_facts.code, day)
        )
        for start, _ in periods[:1]:
            at = datetime.combine(day, start, tzinfo=SHANGHAI)
            if at > now:
                return at
    return None


def item_counts(session: Session, hall_id: int, since: date) -> dict[str, int]:
    """Tickets per item since ``since`` (the kiosk's popular items)."""
    return repository.item_counts(session, hall_id, since)


def hourly_arrivals(
    session: Session, scope: Actor, hall_code: str, from_day: date, to_day: date, queue: str | None = None
) -> history.Counts:
    """Tickets issued per day → local hour → queue in the hall (days without tickets absent): the forecast's
    history."""
    return history.hourly_arrivals(session, scope, hall_code, from_day, to_day, queue)


def queue_profiles(
    session: Session, scope: Actor, hall_id: int, from_day: date, to_day: date
) -> dict[str, tuple[float | None, float]]:
    """Per queue: mean handling minutes of finished tickets (``None`` without any) and the priority share."""
    return history.queue_profiles(session, scope, hall_id, from_day, to_day)
