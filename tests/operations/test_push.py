"""Personalised push (§10.6) through the API and the outbox: opt-in with a consent record, licence reminders at 90
and 30 days once each, the elder-allowance match, related items after an approved case, the weekly cap (a hall
override changes it), one-tap opt-out, and who may read subscriptions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from smarthall.audit.models import AuditEvent
from smarthall.notify.models import Message
from smarthall.operations import push, subscriptions
from tests.conftest import DEFAULT_NOW, auth
from tests.factories import assert_problem, assert_refused_page, make_id_number, make_rule, register_citizen
from tests.queueing.helpers import problem

SUBS = "/api/v1/me/subscriptions"
TODAY = DEFAULT_NOW.date()


def _citizen_id(env, id_number: str) -> int:
    from smarthall.identity import service as identity_service

    with env.session() as s:
        cid = identity_service.citizen_id_by_id_number(s, id_number)
    assert cid is not None
    return cid


def _messages(env, citizen_id: int, template: str) -> list[Message]:
    with env.session() as s:
        stmt = select(Message).where(Message.recipient_id == citizen_id, Message.template == template)
        return list(s.execute(stmt).scalars())


def _licence(env, citizen_id: int, days_left: int, number: str) -> None:
    from smarthall.licences import service as licences_service

    with env.db.unit_of_work() as s:
        licences_service.add_licence(
            s,
            citizen_id=citizen_id,
            type_="居民身份证",
            number=number,
            fields={},
            issued_on=TODAY - timedelta(days=3000),
            valid_until=TODAY + timedelta(days=days_left),
        )


def _run(env, at=DEFAULT_NOW) -> int:
    with env.db.unit_of_work() as s:
        return subscriptions.run_daily(s, at)


def test_opt_in_records_consent_and_reminders_come_once_per_mark(client, env):
    payload, h = register_citizen(client)
    cid = _citizen_id(env, payload["id_number"])
    assert all(not t["enabled"] for t in client.get(SUBS, headers=h).json())
    _licence(env, cid, 85, "ID-85")
    assert _run(env) == 0  # not opted in: nothing
    r = client.put(SUBS, json={"topics": {"licence_expiry": True}}, headers=h)
    assert r.status_code == 200, r.text
    row = next(t for t in r.json() if t["topic"] == "licence_expiry")
    assert row["enabled"] and row["consented_at"] and row["consent_version"] == push.CONSENT_VERSION
    with env.session() as s:
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "operations.push.consent")).first()
    assert _run(env) == 1 and _run(env) == 0  # once per mark
    body = _messages(env, cid, "operations.push.licence_expiry")[0].body_zh
    assert "居民身份证" in body and "/push/opt-out?token=" in body
    assert _run(env, DEFAULT_NOW + timedelta(days=56)) == 1  # 29 days left: the 30-day mark
    problem(client.put(SUBS, json={"topics": {"spam": True}}, headers=h), 422, "unknown_topic")


def test_weekly_cap_and_one_tap_opt_out(client, env):
    payload, h = register_citizen(client)
    cid = _citizen_id(env, payload["id_number"])
    client.put(SUBS, json={"topics": {"licence_expiry": True}}, headers=h)
    for i in range(5):
        _licence(env, cid, 60 + i, f"CAP-{i}")
    assert _run(env) == 3  # the platform cap: 3 a week
    assert _run(env, DEFAULT_NOW + timedelta(days=8)) == 2
    body = _messages(env, cid, "operations.push.licence_expiry")[0].body_zh
    token = body.split("token=")[1].split()[0]
    page = client.get(f"/push/opt-out?token={token}")
    assert page.status_code == 200 and 'data-testid="opt-out"' in page.text
    done = client.post("/push/opt-out", data={"token": token})
    assert done.status_code == 200 and 'data-testid="opted-out"' in done.text
    assert not next(t for t in client.get(SUBS, headers=h).json() if t["topic"] == "licence_expiry")["enabled"]
    assert_refused_page(client.get("/push/opt-out?token=nope"), 404, "opt_out_link_invalid")


def test_elder_allowance_match_from_the_profile(client, env):
    payload, h = register_citizen(client, id_number=make_id_number(date(1946, 12, 10)))
    cid = _citizen_id(env, payload["id_number"])
    client.put(SUBS, json={"topics": {"policy_match": True}}, headers=h)
    assert _run(env) == 1 and _run(env) == 0
    assert "高龄津贴" in _messages(env, cid, "operations.push.policy_match")[0].body_zh
    young, hy = register_citizen(client, id_number=make_id_number(date(1990, 1, 1), serial=77))
    client.put(SUBS, json={"topics": {"policy_match": True}}, headers=hy)
    assert not _messages(env, _citizen_id(env, young["id_number"]), "operations.push.policy_match")


def test_related_items_after_a_case_and_hall_cap_override(client, env):
    from smarthall.org import service as org_service

    payload, h = register_citizen(client)
    cid = _citizen_id(env, payload["id_number"])
    client.put(SUBS, json={"topics": {"related_items": True}}, headers=h)
    with env.db.unit_of_work() as s:
        hall = org_service.hall_facts(s, "H-690102")
        assert subscriptions.after_case(s, citizen_id=cid, item_code="SC-001", hall=hall, now=DEFAULT_NOW) == 2
    names = " ".join(m.body_zh for m in _messages(env, cid, "operations.push.related_items"))
    assert "新办纳税人" in names
    other, ho = register_citizen(client, id_number=make_id_number(serial=55))
    oid = _citizen_id(env, other["id_number"])
    client.put(SUBS, json={"topics": {"related_items": True}}, headers=ho)
    with env.db.unit_of_work() as s:
        make_rule(s, key="operations.push_weekly_cap", scope_code="H-690102", value=1)
    with env.db.unit_of_work() as s:
        hall = org_service.hall_facts(s, "H-690102")
        assert subscriptions.after_case(s, citizen_id=oid, item_code="SC-001", hall=hall, now=DEFAULT_NOW) == 1


def test_only_the_citizen_reads_their_subscriptions(client):
    assert_problem(client.get(SUBS), 401, "unauthorized")
    for who in ("hallmanager1", "clerk1", "admin1"):
        assert_problem(client.get(SUBS, headers=auth(client, who)), 403, "forbidden_role")
        assert_problem(client.put(SUBS, json={"topics": {}}, headers=auth(client, who)), 403, "forbidden_role")


def test_an_approved_case_event_pushes_related_items_in_its_transaction(client, env):
    from smarthall.core import events
    from tests.factories import DEMO_CITIZEN_ID, make_case

    h = auth(client, DEMO_CITIZEN_ID)
    client.put(SUBS, json={"topics": {"related_items": True}}, headers=h)
    cid = _citizen_id(env, DEMO_CITIZEN_ID)
    with env.db.unit_of_work() as s:
        case = make_case(s, status="approved", item_code="SC-001")
        events.emit(s, "case.finished", case_no=case.case_no, hall_code=case.hall_code, status="approved")
    assert len(_messages(env, cid, "operations.push.related_items")) == 2
    with env.db.unit_of_work() as s:
        refused = make_case(s, status="rejected", item_code="SC-001")
        events.emit(s, "case.finished", case_no=refused.case_no, hall_code=refused.hall_code, status="rejected")
    assert len(_messages(env, cid, "operations.push.related_items")) == 2
