"""Rules as settings: the nearest override down the hall tree wins, every change is versioned and audited, and only
those who manage a scope may change it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smarthall.audit.models import AuditEvent
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service
from smarthall.rules.definitions import RULES
from tests.conftest import auth
from tests.factories import make_staff

HALL = "H-690102"  # 澜湖区 (county 690102, city 690100, province 690000)
STATION = "H-690102001"  # a township station beneath it
KEY = "appointment.grace_minutes"


def _rules(client: Any, headers: dict[str, str], hall: str = HALL) -> dict[str, dict[str, Any]]:
    r = client.get("/api/v1/rules", params={"hall_code": hall}, headers=headers)
    assert r.status_code == 200, r.text
    return {rule["key"]: rule for rule in r.json()["rules"]}


def _set(client: Any, headers: dict[str, str], scope: str, value: Any, key: str = KEY) -> Any:
    return client.put(f"/api/v1/rules/{key}", json={"scope_code": scope, "value": value, "note": "t"}, headers=headers)


class TestEffective:
    def test_every_rule_starts_at_its_platform_default(self, client, env):
        rules = _rules(client, auth(client, "admin1"))
        assert set(rules) == set(RULES)
        grace = rules[KEY]
        assert grace["value"] == 15 and grace["level"] == "platform" and grace["scope_code"] is None
        assert grace["label_zh"] == "迟到宽限" and grace["unit_zh"] == "分钟"

    def test_nearest_override_wins_and_clearing_inherits_again(self, client, env):
        make_staff(env, username="provadmin", role="admin", hall_code="H-690100")  # a city hall's admin
        with env.db.unit_of_work() as session:
            # The province's own rule is set by the system (no province hall in the demo tree).
            rules_service.set_rule(session, _system(), key=KEY, scope_code="690000", value=20, now=env.clock.now())
        admin = auth(client, "admin1")
        assert _rules(client, admin)[KEY]["value"] == 20
        assert _rules(client, admin)[KEY]["level"] == "province"
        city = auth(client, "provadmin")
        assert _set(client, city, "690100", 25).status_code == 200
        assert (_rules(client, admin)[KEY]["value"], _rules(client, admin)[KEY]["level"]) == (25, "city")
        assert _set(client, admin, "690102", 10).status_code == 200  # the county
        assert _set(client, admin, HALL, 12).status_code == 200  # the hall itself
        here = _rules(client, admin)[KEY]
        assert (here["value"], here["level"], here["scope_code"], here["version"]) == (12, "hall", HALL, 1)
        # The township station inherits the county's value, not the county hall's own.
        station = _rules(client, admin, STATION)[KEY]
        assert (station["value"], station["level"]) == (10, "county")
        assert client.delete(f"/api/v1/rules/{KEY}", params={"scope_code": HALL}, headers=admin).status_code == 204
        assert _rules(client, admin)[KEY]["value"] == 10
        history = client.get(f"/api/v1/rules/{KEY}/history", params={"hall_code": HALL}, headers=admin).json()
        assert [(h["scope_code"], h["action"]) for h in history][:2] == [(HALL, "clear"), (HALL, "set")]
        assert {h["scope_code"] for h in history} == {HALL, "690102", "690100", "690000"}

    def test_the_service_reads_the_same_value_a_domain_would(self, client, env):
        admin = auth(client, "admin1")
        assert _set(client, admin, HALL, 40, key="queue.long_wait_minutes").status_code == 200
        with env.db.session(write=False) as session:
            hall = org_service.hall_facts(session, HALL)
            assert rules_service.value(session, hall, "queue.long_wait_minutes") == 40
            assert rules_service.value(session, hall, "queue.quiet_call_ahead") == 3


class TestChanges:
    def test_a_change_is_audited_with_its_version(self, client, env):
        admin = auth(client, "admin1")
        assert _set(client, admin, HALL, 5).status_code == 200
        r = _set(client, admin, HALL, 6)
        assert r.json()["version"] == 2
        with env.db.session(write=False) as session:
            actions = list(session.execute(select(AuditEvent.action).where(AuditEvent.action == "rules.set")).scalars())
        assert len(actions) == 2

    def test_bad_values_are_refused_with_the_rule_named(self, client, env):
        admin = auth(client, "admin1")
        for bad in (-1, 10_000, "x", 1.5, True, None):
            r = _set(client, admin, HALL, bad)
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["code"] == "rule_value_invalid" and r.json()["detail"]["key"] == KEY
        r = _set(client, admin, HALL, 5, key="no.such_rule")
        assert r.status_code == 404 and r.json()["code"] == "unknown_rule"
        r = _set(client, admin, "H-NOPE", 5)
        assert r.status_code == 404 and r.json()["code"] == "unknown_scope"
        assert _rules(client, admin)[KEY]["value"] == 15  # nothing half-written

    def test_only_who_manages_the_scope_may_change_it(self, client, env):
        make_staff(env, username="otheradmin", role="admin", hall_code="H-690123")
        other = auth(client, "otheradmin")
        for scope in (HALL, "690102", "690100", "690000"):
            r = _set(client, other, scope, 5)
            assert r.status_code == 403 and r.json()["code"] == "out_of_scope", scope
        admin = auth(client, "admin1")
        for scope in ("690100", "690000", "H-690123"):  # above one's own region, or a sibling's hall
            r = _set(client, admin, scope, 5)
            assert r.status_code == 403 and r.json()["code"] == "out_of_scope", scope
        r = client.get("/api/v1/rules", params={"hall_code": HALL}, headers=other)
        assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
        for user in ("hallmanager1", "auditor1", "clerk1"):
            r = _set(client, auth(client, user), HALL, 5)
            assert r.status_code == 403 and r.json()["code"] == "forbidden_role", user
        r = client.get("/api/v1/rules", params={"hall_code": HALL}, headers=auth(client, "clerk1"))
        assert r.status_code == 403 and r.json()["code"] == "forbidden_role"


def _system() -> Any:
    from smarthall.core.tenancy import SYSTEM

    return SYSTEM
