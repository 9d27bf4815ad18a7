"""Access control, enforced in one place (identity/permissions.py), tested from the outside.

1. Every API route refuses an anonymous caller unless it is listed as public here: adding an endpoint forces a
   conscious choice.
2. For each protected foundation endpoint, every role is tried: the allowed ones get in, the others get 403.
3. Hall scope: supervisors see the halls beneath theirs; front-line staff only their own.
"""

from __future__ import annotations

import re

import pytest

from smarthall.identity.permissions import STAFF_ROLES
from tests.conftest import auth
from tests.factories import assert_problem

STAFF_BY_ROLE = {
    "guide": "guide1",
    "clerk": "clerk1",
    "approver": "approver1",
    "hall_manager": "hallmanager1",
    "admin": "admin1",
    "auditor": "auditor1",
}

# (method, path) of routes anyone may call.
PUBLIC = {
    ("GET", "/api/v1/regions"),
    ("GET", "/api/v1/halls"),
    ("GET", "/api/v1/halls/{hall_code}"),
    ("GET", "/api/v1/items"),
    ("GET", "/api/v1/items/{item_code}"),
    ("GET", "/api/v1/bundles"),
    ("GET", "/api/v1/faq"),
    ("POST", "/api/v1/citizens"),
    # The registration SMS code: to a number, not an account (throttled per number and address, tests/identity).
    ("POST", "/api/v1/citizens/phone-codes"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/logout"),
    # Rating: a signed one-time link (QR/SMS) or a kiosk ID read stands in for a login; the service checks that
    # the rater is the person served (403 otherwise), tested in tests/evaluation.
    ("POST", "/api/v1/evaluations"),
    # Consultation is for everyone, signed in or not (智能咨询); feedback on an answer and the pick of a clarifying
    # choice need the asker's token (403 otherwise, tested in tests/consult).
    ("POST", "/api/v1/consult/ask"),
    ("POST", "/api/v1/consult/feedback"),
    ("POST", "/api/v1/consult/questions/{question_id}/choice"),
    # A citizen may ask for assisted handling from the web without an account (contact by phone).
    ("POST", "/api/v1/help-requests"),
    # Anyone holding a result document may check it against the signed original (public verification).
    ("POST", "/api/v1/verify/{token}"),
    # The guidance card of an item is public service information; the route a visitor took is recorded anonymously.
    ("GET", "/api/v1/consult/guide/{item_code}"),
    ("POST", "/api/v1/consult/routes"),
    # A ticket's live position, reached from the QR code printed on it (an unguessable reference), shows what the
    # wall board shows (number, window, people ahead) and nothing personal; the call's voice file likewise.
    ("GET", "/api/v1/tickets/by-token/{token}"),
    ("GET", "/api/v1/tickets/{ticket_id}/voice.wav"),
    # Free appointment slots are public; booking one needs a citizen login.
    ("GET", "/api/v1/appointment-slots"),
    # A browser becomes a device by presenting a one-time pairing code the hall manager made: the code is the
    # credential (400/409/410 otherwise, tested in tests/venue).
    ("POST", "/api/v1/venue/pair"),
    # The quietest hours of the coming days (from the forecast) are shown to anyone choosing when to come.
    ("GET", "/api/v1/halls/{hall_code}/quiet-hours"),
    # A payment provider's notification: its signature is the credential (400 otherwise, tested in tests/payments).
    ("POST", "/api/v1/payments/callback/{provider_name}"),
}


def _api_routes(app):
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/v1/"):
            for method in sorted(operations):
                yield method.upper(), path


def test_every_non_public_route_refuses_anonymous_callers(env, client):
    routes = list(_api_routes(env.app))
    assert len(routes) > 10
    violations = []
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        response = client.request(method, concrete)
        if response.status_code not in (401, 403):
            violations.append(f"{method} {path} answered {response.status_code} to anonymous")
        elif response.json()["code"] not in DENIAL_CODES:
            violations.append(f"{method} {path} denied with unexpected code {response.json()['code']}")
    assert not violations, violations


DENIAL_CODES = {"unauthorized", "forbidden", "forbidden_role", "device_only", "citizen_only"}


# (method, path, roles allowed, expected success status)
MATRIX = [
    ("GET", "/api/v1/staff", {"hall_manager", "admin", "auditor"}, 200),
    ("GET", "/api/v1/devices", {"hall_manager", "admin"}, 200),
    ("GET", "/api/v1/rules?hall_code=H-690102", {"hall_manager", "admin", "auditor"}, 200),
    ("GET", "/api/v1/halls/H-690102/calendar-overrides", {"hall_manager", "admin", "auditor"}, 200),
    (
        "GET",
        "/api/v1/halls/H-690102/items/GA-006/override",
        {"guide", "clerk", "approver", "hall_manager", "admin"},
        200,
    ),
    ("GET", "/api/v1/audit/events", {"auditor"}, 200),
    ("GET", "/api/v1/audit/verify", {"auditor"}, 200),
    ("GET", "/api/v1/citizens/lookup?id_number=690102199003071232", {"guide", "clerk", "hall_manager"}, 200),
]


@pytest.mark.parametrize(("method", "path", "allowed", "ok"), MATRIX)
def test_role_matrix(client, method, path, allowed, ok):
    for role in STAFF_ROLES:
        response = client.request(method, path, headers=auth(client, STAFF_BY_ROLE[role]))
        if role in allowed:
            assert response.status_code == ok, f"{role} on {method} {path}: {response.status_code}"
        else:
            assert_problem(response, 403, "forbidden_role")
    citizen = auth(client, "690102199003071232")
    assert_problem(client.request(method, path, headers=citizen), 403, "forbidden_role")
    kiosk = {"X-Device-Key": "demo-kiosk-key"}
    assert_problem(client.request(method, path, headers=kiosk), 403, "forbidden_role")


def test_administrator_cannot_read_the_audit_trail_and_auditor_cannot_import(client):
    assert_problem(client.get("/api/v1/audit/events", headers=auth(client, "admin1")), 403, "forbidden_role")
    body = b"{}"
    imported = client.post("/api/v1/catalog/import", content=body, headers=auth(client, "auditor1"))
    assert_problem(imported, 403, "forbidden_role")


def test_hall_scope_of_staff_lists(env, client):
    # Add a township station clerk and a city-centre manager to the demo data.
    from tests.factories import make_staff

    make_staff(env, username="stationclerk", role="clerk", hall_code="H-690102001", name="赵六")
    make_staff(env, username="citymanager", role="hall_manager", hall_code="H-690200", name="钱七")
    county_view = {s["username"] for s in client.get("/api/v1/staff", headers=auth(client, "hallmanager1")).json()}
    assert "stationclerk" in county_view  # the county manager oversees its township stations
    assert "citymanager" not in county_view  # but not another city's centre
    other_city = {s["username"] for s in client.get("/api/v1/staff", headers=auth(client, "citymanager")).json()}
    assert other_city == {"citymanager"}
    names = client.get("/api/v1/staff", headers=auth(client, "hallmanager1")).json()
    assert all("*" in s["name_masked"] for s in names)
