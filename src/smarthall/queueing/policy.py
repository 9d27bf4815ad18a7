"""Pure queueing rules (no I/O): ticket numbers, opening hours, priority, and the calling order.

- Numbers (取号): a letter prefix per queue and a daily sequence per hall and queue, zero-padded to three digits
  and widening past 999 (A001 … A999, A1000).
- Priority (优先): age ≥ ``priority_age`` (60 by default) from the ID birth date, declared
  pregnancy/disability/military service, and on-time appointment check-ins (GB/T 44888 §6.4; 适老化 practice).
- Calling order: tickets transferred to this window first, then priority tickets, then ordinary tickets, each
  by their place in line; a starvation guard lets an ordinary ticket through after ``max_priority_streak``
  priority calls in a row at a window, or once the oldest ordinary ticket has waited ``max_ordinary_wait``
  (both hall rules, ``QueueRules``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from smarthall.core.clock import SHANGHAI
from smarthall.core.validators import age_on

DECLARED_REASONS = ("pregnant", "disabled", "military")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class QueueRules:
    """A hall's queue rules, read once per request from its rule settings (``queue.<field>`` in
    ``rules.definitions``, where the platform defaults live): quiet calling, the starvation guard, priority by age,
    the long-wait alert."""

    quiet_call_ahead: int
    max_priority_streak: int
    max_ordinary_wait_minutes: int
    priority_age: int
    long_wait_minutes: int
    long_wait_alert_count: int
    remote_live_per_citizen: int

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> QueueRules:
        """From ``{field: value}`` (or ``{"queue.<field>": value}``, e.g. ``rules.service.defaults()``)."""
        return cls(**{k: int(values[k] if k in values else values[f"queue.{k}"]) for k in cls.keys()})

    @property
    def max_ordinary_wait(self) -> timedelta:
        return timedelta(minutes=self.max_ordinary_wait_minutes)


def format_number(prefix: str, seq: int) -> str:
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{prefix}{seq:03d}"


def queue_prefixes(department_codes: Iterable[str]) -> dict[str, str]:
    """One letter per department queue, stable for a given catalog (sorted codes → A, B, C …)."""
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read like 1 and 0 on a board
    return {
        code: letters[i % len(letters)] + ("" if i < len(letters) else str(i // len(letters)))
        for i, code in enumerate(sorted(set(department_codes)))
    }


def priority_reason(
    id_number: str | None, declared: str | None, on_time_appointment: bool, day: date, *, priority_age: int
) -> str | None:
    if on_time_appointment:
        return "appointment"
    if declared in DECLARED_REASONS:
        return declared
    if id_number and age_on(id_number, day) >= priority_age:
        return "elderly"
    return None


def _periods(hours: Mapping[str, Any], key: str) -> list[tuple[time, time]]:
    out = []
    for period in (hours.get("weekly") or {}).get(key) or []:
        out.append((time.fromisoformat(period["open"]), time.fromisoformat(period["close"])))
    return out


def opening_periods(hours: Mapping[str, Any], day: date, is_workday: bool) -> list[tuple[time, time]]:
    """The day's opening periods: closed on public holidays, weekday hours on adjusted working weekends."""
    weekday = day.weekday()
    if weekday < 5 and not is_workday:
        return []
    if weekday >= 5 and is_workday:
        return _periods(hours, "mon")
    return _periods(hours, WEEKDAYS[weekday])


def is_open(hours: Mapping[str, Any], now: datetime, is_workday: bool) -> bool:
    """Tickets are issued from the first opening to the last closing of the day (lunch included: the queue
    waits, the windows pause)."""
    local = now.astimezone(SHANGHAI)
    periods = opening_periods(hours, local.date(), is_workday)
    if not periods:
        return False
    return periods[0][0] <= local.time().replace(tzinfo=None) < periods[-1][1]


@dataclass(frozen=True)
class Candidate:
    id: int
    priority: bool
    queued_at: datetime
    targeted: bool = False  # transferred to this very window


def calling_order(
    candidates: Sequence[Candidate], *, now: datetime, priority_streak: int, rule: QueueRules
) -> list[int]:
    """Ids in the order a window should try to call them (the first that is still waiting wins)."""
    targeted = sorted((c for c in candidates if c.targeted), key=lambda c: (c.queued_at, c.id))
    prio = sorted((c for c in candidates if not c.targeted and c.priority), key=lambda c: (c.queued_at, c.id))
    ordinary = sorted((c for c in candidates if not c.targeted and not c.priority), key=lambda c: (c.queued_at, c.id))
    starving = bool(ordinary) and (
        priority_streak >= rule.max_priority_streak or now - ordinary[0].queued_at >= rule.max_ordinary_wait
    )
    middle = ordinary + prio if starving else prio + ordinary
    return [c.id for c in targeted + middle]


def ahead_in_line(
    candidates: Sequence[Candidate], ticket_id: int, *, now: datetime, priority_streak: int, rule: QueueRules
) -> int:
    """How many of ``candidates`` one window calling them by ``calling_order`` (call after call, the streak moving
    with each priority call, the clock standing at ``now``) calls before ``ticket_id`` — the place in line when no
    window is open yet to replay the day with. Stops at the ticket."""
    for called, chosen in enumerate(_calls(candidates, now=now, priority_streak=priority_streak, rule=rule)):
        if chosen == ticket_id:
            return called
    return len(candidates)


def calling_sequence(
    candidates: Sequence[Candidate], *, now: datetime, priority_streak: int, rule: QueueRules
) -> list[int]:
    """Every id of ``candidates`` in the order one window would call them, call after call (the workstation's list:
    the n-th row is the ticket with n-1 ahead at this window)."""
    return list(_calls(candidates, now=now, priority_streak=priority_streak, rule=rule))


def _calls(
    candidates: Sequence[Candidate], *, now: datetime, priority_streak: int, rule: QueueRules
) -> Iterator[int]:
    """The calls ``calling_order`` makes one after another (linear after the sort: two pointers, no re-ordering)."""
    targeted = sorted((c for c in candidates if c.targeted), key=lambda c: (c.queued_at, c.id))
    yield from (c.id for c in targeted)
    prio = sorted((c for c in candidates if not c.targeted and c.priority), key=lambda c: (c.queued_at, c.id))
    ordinary = sorted((c for c in candidates if not c.targeted and not c.priority), key=lambda c: (c.queued_at, c.id))
    p, o, streak = 0, 0, priority_streak
    while p < len(prio) or o < len(ordinary):
        starving = o < len(ordinary) and (
            streak >= rule.max_priority_streak or now - ordinary[o].queued_at >= rule.max_ordinary_wait
        )
        if p < len(prio) and not starving:
            chosen, p, streak = prio[p], p + 1, streak + 1
        else:
            chosen, o, streak = ordinary[o], o + 1, 0
        yield chosen.id
