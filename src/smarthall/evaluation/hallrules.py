"""The evaluation rules of a hall, read from the rule settings (``rules.definitions``, inherited down the hall
tree, the nearest override winning): follow-up and fix deadlines (1 and 15 working days), the invitation delay
(3 days), the re-ratings allowed (one) and how soon after a service a device may mint its rating link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smarthall.core.tenancy import Actor
from smarthall.evaluation.schemas import SettingsRead
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service

FOLLOW_UP = "evaluation.follow_up_workdays"
FIX = "evaluation.fix_workdays"
INVITE_AFTER = "evaluation.invite_after_days"
RATING_WINDOW = "evaluation.rating_window_days"
RERATINGS = "evaluation.reratings_allowed"
DEVICE_LINK_MINUTES = "evaluation.device_link_minutes"


def rule(session: Session, hall: org_service.HallLike, key: str) -> int:
    return int(rules_service.value(session, hall, key))


def hall_settings(session: Session, hall_code: str) -> SettingsRead:
    """The hall's effective deadlines and invitation delay (each a rule setting, cached by the rules domain)."""
    hall = org_service.hall_facts(session, hall_code)
    return SettingsRead(
        hall_code=hall.code,
        follow_up_workdays=rule(session, hall, FOLLOW_UP),
        fix_workdays=rule(session, hall, FIX),
        invite_after_days=rule(session, hall, INVITE_AFTER),
    )


def read_settings(session: Session, actor: Actor, hall_code: str) -> SettingsRead:
    """The deadlines of a hall in ``actor``'s scope (another hall's: ``out_of_scope``)."""
    hall = org_service.hall_facts(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    return hall_settings(session, hall.code)


def set_hall_settings(session: Session, actor: Actor, data: SettingsRead, *, now: datetime) -> SettingsRead:
    """Override the hall's deadlines: one versioned, audited hall-level rule setting per changed value (refused
    for a hall the actor does not manage)."""
    hall = org_service.hall_facts(session, data.hall_code)
    current = hall_settings(session, hall.code)
    wanted = {
        FOLLOW_UP: (data.follow_up_workdays, current.follow_up_workdays),
        FIX: (data.fix_workdays, current.fix_workdays),
        INVITE_AFTER: (data.invite_after_days, current.invite_after_days),
    }
    org_service.managed_scope(session, actor, hall.code)
    for key, (value, before) in wanted.items():
        if value != before:
            rules_service.set_rule(session, actor, key=key, scope_code=hall.code, value=value, now=now)
    return data.model_copy(update={"hall_code": hall.code})
