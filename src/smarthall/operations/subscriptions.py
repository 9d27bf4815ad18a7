"""Personalised push (§10.6): the citizen's subscriptions with their consent, one-tap opt-out, and the pushes —
licence expiry reminders, policy matches from the profile, related items after a case — each through the notify
outbox, once per subject, within the frequency cap (rule ``operations.push_weekly_cap``). The rules of what is due
are in ``push``; queries in ``repository``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.core.clock import service_day
from smarthall.core.errors import NotFound, ValidationFailed
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.licences import service as licences_service
from smarthall.notify import service as notify_service
from smarthall.operations import push
from smarthall.operations import repository as repo
from smarthall.rules import service as rules_service


class UnknownTopic(ValidationFailed):
    code = "unknown_topic"
    message_zh = "没有这种推送"
    message_en = "There is no such kind of push"


class OptOutLinkInvalid(NotFound):
    code = "opt_out_link_invalid"
    message_zh = "退订链接无效"
    message_en = "This opt-out link is not valid"


def _read(topic: str, row: Any) -> dict[str, Any]:
    return {
        "topic": topic,
        "enabled": bool(row and row.enabled),
        "consented_at": row.consented_at.isoformat() if row and row.consented_at else None,
        "consent_version": row.consent_version if row else None,
        "withdrawn_at": row.withdrawn_at.isoformat() if row and row.withdrawn_at else None,
    }


def mine(session: Session, actor: Actor) -> list[dict[str, Any]]:
    assert actor.id is not None
    rows = repo.subscriptions_of(session, actor.id)
    return [_read(t, rows.get(t)) for t in push.TOPICS]


def _set(session: Session, actor: Actor, citizen_id: int, topic: str, enabled: bool, now: datetime) -> None:
    row = repo.subscriptions_of(session, citizen_id).get(topic)
    if row is None:
        row = repo.add_subscription(
            session, {"citizen_id": citizen_id, "topic": topic, "enabled": False, "token": secrets.token_urlsafe(24)}
        )
    if row.enabled == enabled:
        return
    row.enabled = enabled
    if enabled:
        row.consented_at, row.consent_version, row.withdrawn_at = now, push.CONSENT_VERSION, None
    else:
        row.withdrawn_at = now
    session.flush()
    audit_service.record(
        session,
        actor,
        "operations.push.consent" if enabled else "operations.push.withdraw",
        target_type="ops_subscription",
        target_id=row.id,
        detail={"topic": topic, "consent_version": push.CONSENT_VERSION},
        now=now,
    )


def change(session: Session, actor: Actor, changes: dict[str, bool], now: datetime) -> list[dict[str, Any]]:
    """Opt in or out topic by topic (one transaction; an unknown topic changes nothing)."""
    assert actor.id is not None
    unknown = sorted(set(changes) - set(push.TOPICS))
    if unknown:
        raise UnknownTopic(detail={"topics": unknown, "known": list(push.TOPICS)})
    for topic, enabled in changes.items():
        _set(session, actor, actor.id, topic, enabled, now)
    return mine(session, actor)


def opt_out(session: Session, actor: Actor, token: str, now: datetime) -> str:
    """The one-tap opt-out of a push's link: that topic off for its citizen; the topic."""
    row = repo.subscription_by_token(session, token)
    if row is None:
        raise OptOutLinkInvalid()
    _set(session, actor, row.citizen_id, row.topic, False, now)
    return row.topic


def opt_out_topic(session: Session, token: str) -> str | None:
    row = repo.subscription_by_token(session, token)
    return row.topic if row is not None else None


def _cap(session: Session, hall: Any | None) -> int:
    key = "operations.push_weekly_cap"
    return int(
        rules_service.value(session, hall, key) if hall is not None else rules_service.platform_value(session, key)
    )


def _push(
    session: Session,
    citizen_id: int,
    topic: str,
    ref: str,
    template: str,
    params: dict[str, Any],
    now: datetime,
    hall: Any | None = None,
) -> bool:
    """Send one push unless it was sent before, the citizen has not opted in, or the cap is reached."""
    sub = repo.subscriptions_of(session, citizen_id).get(topic)
    if sub is None or not sub.enabled or repo.already_pushed(session, citizen_id, [ref]):
        return False
    sent = [p.sent_at for p in repo.pushes_since(session, citizen_id, now - timedelta(days=7))]
    if push.capped(sent, now, _cap(session, hall)):
        return False
    repo.record_push(session, citizen_id, topic, ref, now)
    notify_service.send(
        session,
        template=template,
        now=now,
        citizen_id=citizen_id,
        params={**params, "opt_out": f"/push/opt-out?token={sub.token}"},
        ref_type="push",
        ref_id=ref,
    )
    return True


def run_daily(session: Session, now: datetime) -> int:
    """Licence reminders and policy matches for every citizen who opted in; the count sent."""
    today = service_day(now)
    sent = 0
    for citizen_id in repo.subscribers(session, "licence_expiry"):
        for licence in licences_service.wallet(session, citizen_id):
            mark = push.licence_mark(licence.valid_until, today) if licence.status == "valid" else None
            if mark is None:
                continue
            params = {
                "type": licence.type,
                "until": licence.valid_until.isoformat() if licence.valid_until else "",
                "days": (licence.valid_until - today).days if licence.valid_until else 0,
            }
            sent += _push(
                session,
                citizen_id,
                "licence_expiry",
                f"licence:{licence.id}:{mark}",
                "operations.push.licence_expiry",
                params,
                now,
            )
    for citizen_id in repo.subscribers(session, "policy_match"):
        citizen = identity_service.get_citizen(session, citizen_id)
        birthday = push.turns_elder(push.birth_date(citizen.id_number), today) if citizen else None
        if birthday is not None:
            item = catalog_service.item_facts(session, push.ELDER_ITEM)
            sent += _push(
                session,
                citizen_id,
                "policy_match",
                f"policy:elder_allowance:{birthday.year}",
                "operations.push.policy_match",
                {"item": item.name, "item_code": item.code},
                now,
            )
    return sent


def after_case(session: Session, *, citizen_id: int | None, item_code: str, hall: Any, now: datetime) -> int:
    """Related items of the bundles the finished case's item belongs to (once each, within the cap)."""
    if citizen_id is None:
        return 0
    bundles = [b.item_codes for b in catalog_service.list_bundles(session)]
    sent = 0
    for other in push.related(item_code, bundles)[:2]:
        item = catalog_service.item_facts(session, other)
        done = catalog_service.item_facts(session, item_code)
        sent += _push(
            session,
            citizen_id,
            "related_items",
            f"related:{item_code}:{other}",
            "operations.push.related_items",
            {"done": done.name, "item": item.name, "item_code": other},
            now,
            hall=hall,
        )
    return sent
