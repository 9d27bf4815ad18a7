"""Yellow and red cards (8.1): after each supervision scan, a staff member whose supervision alerts this month
reach the hall's ``staff.yellow_card_alerts`` gets a yellow card, and at ``staff.red_card_alerts`` a red one (at
most one of each colour a month); the hall manager may also give a card by hand, with a reason (audited). The
carded person replies once; the hall manager then decides once — upheld or withdrawn — and both are kept with the
card."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.clock import SHANGHAI
from smarthall.core.errors import Forbidden
from smarthall.core.masking import mask_name
from smarthall.core.schemas import RequestModel
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service
from smarthall.staff import repository as repo
from smarthall.staff.errors import CardClosed, CardNotFound, StaffNotFound
from smarthall.staff.models import StaffCard


class CardReply(RequestModel):
    reply: str = Field(min_length=1, max_length=1000)


class CardGive(RequestModel):
    staff_code: str = Field(min_length=1, max_length=40)
    color: Literal["yellow", "red"]
    reason: str = Field(min_length=2, max_length=1000)
    hall_code: str | None = Field(default=None, max_length=32)


class CardDecision(RequestModel):
    decision: Literal["upheld", "withdrawn"]
    note: str = Field(default="", max_length=1000)


def _month_bounds(now: datetime) -> tuple[str, datetime, datetime]:
    local = now.astimezone(SHANGHAI)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return f"{start:%Y-%m}", start, end


def raise_cards(session: Session, hall: org_service.HallFacts, *, now: datetime) -> list[StaffCard]:
    """Issue the cards the month's alerts have earned and not yet got (parallel scans issue each once)."""
    yellow = int(rules_service.value(session, hall, "staff.yellow_card_alerts"))
    red = int(rules_service.value(session, hall, "staff.red_card_alerts"))
    month, start, end = _month_bounds(now)
    counts = repo.AlertRepository(session).counts_by_staff(hall.id, start, end)
    have = repo.CardRepository(session).of_month(hall.id, month)
    issued: list[StaffCard] = []
    for staff_id, count in sorted(counts.items()):
        for color, limit in (("yellow", yellow), ("red", red)):
            if count < limit or (staff_id, color) in have:
                continue
            card = StaffCard(
                hall_id=hall.id,
                hall_code=hall.code,
                region_path=hall.region_path,
                staff_id=staff_id,
                color=color,
                month=month,
                alerts=count,
                issued_at=now,
                reply="",
                decision_note="",
            )
            try:
                with session.begin_nested():
                    session.add(card)
                    session.flush()
            except IntegrityError:
                continue
            issued.append(card)
    return issued


def card_read(card: StaffCard, people: dict[int, Any] | None = None) -> dict[str, Any]:
    person = (people or {}).get(card.staff_id)
    return {
        "id": card.id,
        "hall_code": card.hall_code,
        "staff_id": card.staff_id,
        "staff_code": person.code if person is not None else None,
        "staff_name": mask_name(person.name) if person is not None else None,
        "color": card.color,
        "month": card.month,
        "alerts": card.alerts,
        "issued_at": card.issued_at,
        "manual": card.ref != "rule",
        "reason": card.reason,
        "issued_by": card.issued_by,
        "reply": card.reply,
        "replied_at": card.replied_at,
        "decision": card.decision,
        "decision_note": card.decision_note,
        "decided_by": card.decided_by,
        "decided_at": card.decided_at,
    }


def hall_cards(session: Session, actor: Actor, hall_id: int) -> list[dict[str, Any]]:
    cards = repo.CardRepository(session).recent(actor, hall_id)
    people = identity_service.staff_by_ids(session, [c.staff_id for c in cards])
    return [card_read(c, people) for c in cards]


def my_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    if actor.kind != "staff" or actor.id is None or actor.hall_id is None:
        return []
    return [card_read(c) for c in repo.CardRepository(session).recent(actor, actor.hall_id, staff_id=actor.id)]


def reply(session: Session, actor: Actor, card_id: int, data: CardReply, *, now: datetime) -> dict[str, Any]:
    """The carded staff member's one reply, before any decision (others get 404: the card is not theirs)."""
    card = repo.CardRepository(session).for_update(actor, card_id)
    if card is None or actor.kind != "staff" or card.staff_id != actor.id:
        raise CardNotFound(detail={"card_id": card_id})
    if card.replied_at is not None or card.decision is not None:
        raise CardClosed(detail={"card_id": card_id})
    card.reply, card.replied_at = data.reply, now
    session.flush()
    audit_service.record(
        session,
        actor,
        "staff.card.reply",
        target_type="staff_card",
        target_id=card.id,
        hall_code=card.hall_code,
        now=now,
    )
    return card_read(card)


def decide(session: Session, actor: Actor, card_id: int, data: CardDecision, *, now: datetime) -> dict[str, Any]:
    """The hall manager's one decision on a card: upheld or withdrawn, with a note."""
    if not actor.has("staff.supervise"):
        raise Forbidden("您的角色无权处理红黄牌", "Your role cannot decide on cards", code="forbidden_role")
    card = repo.CardRepository(session).for_update(actor, card_id)
    if card is None:
        raise CardNotFound(detail={"card_id": card_id})
    if card.decision is not None:
        raise CardClosed(detail={"card_id": card_id})
    card.decision, card.decision_note, card.decided_by, card.decided_at = data.decision, data.note, actor.label, now
    session.flush()
    audit_service.record(
        session,
        actor,
        "staff.card.decide",
        target_type="staff_card",
        target_id=card.id,
        hall_code=card.hall_code,
        detail={"decision": data.decision},
        now=now,
    )
    return card_read(card)


def give(session: Session, actor: Actor, data: CardGive, *, now: datetime) -> dict[str, Any]:
    """The hall manager gives a card by hand, with a reason: to a staff member of a hall in their scope."""
    if not actor.has("staff.supervise"):
        raise Forbidden("您的角色无权记红黄牌", "Your role cannot give cards", code="forbidden_role")
    from smarthall.staff.performance import hall_in_scope

    hall = hall_in_scope(session, actor, data.hall_code)
    person = identity_service.staff_by_code_in_scope(session, actor, data.staff_code)
    if person is None or person.hall_id != hall.id:
        raise StaffNotFound(detail={"staff_code": data.staff_code})
    month, start, end = _month_bounds(now)
    card = StaffCard(
        hall_id=hall.id,
        hall_code=hall.code,
        region_path=hall.region_path,
        staff_id=person.id,
        color=data.color,
        month=month,
        alerts=repo.AlertRepository(session).counts_by_staff(hall.id, start, end).get(person.id, 0),
        issued_at=now,
        ref=f"manual:{uuid.uuid4().hex[:24]}",
        reason=data.reason.strip(),
        issued_by=actor.label,
        reply="",
        decision_note="",
    )
    session.add(card)
    session.flush()
    audit_service.record(
        session,
        actor,
        "staff.card.give",
        target_type="staff_card",
        target_id=card.id,
        hall_code=card.hall_code,
        detail={"color": data.color, "staff_code": person.code},
        now=now,
    )
    return card_read(card, {person.id: person})
