"""The attack sweep (issue 12, as the probe did it): EVERY API route of the app (``app.routes``) whose path names a
record of a hall — a hall, window, case, ticket, booking, errand, bundle application, payment order, device, staff
member, file, document, archive, proxy, help request, handover ... — is called with the real identifiers of records
of hall H-690102, made through the API, by

(i) a staff member of ANOTHER hall in each role (and that hall's kiosk),
(ii) a citizen who owns none of the records,
(iii) nobody (no credentials),

and each must be refused with 401/403/404 and a problem code. Routes public by design are listed, with why, in
``PUBLIC``; a route that is public only for some callers in ``PUBLIC_FOR``. New routes are swept without editing
this file. The same file checks mass assignment (extra fields in JSON bodies), IDOR by sequential ids, and that lists
mask personal data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, text

from smarthall.identity.permissions import STAFF_ROLES
from tests.cases.helpers import li_ming, prefilled, upload
from tests.conftest import DEFAULT_NOW, auth
from tests.factories import make_device, make_staff, register_citizen
from tests.openapi_samples import resolve, sample

HALL = "H-690102"
OTHER_HALL = "H-690200"  # another city's centre: neither above nor beneath H-690102
OTHER_KIOSK = "sweep-other-kiosk-key"
KIOSK = {"X-Device-Key": "demo-kiosk-key"}

# Path parameters that name a record owned by a hall (or by its citizen): a route with one of them is swept.
OWNED = {
    "hall_code", "scope_code", "window_code", "zone_code", "case_no", "ticket_id", "code", "errand_code",
    "order_no", "staff_code", "file_id", "document_id", "disposal_id", "request_id", "proxy_id", "handover_id",
    "question_id", "rect_id", "alert_id", "fault_id", "client_id", "subscription_id", "delivery_id",
}  # fmt: skip

# Public by design, to everyone: what a hall publishes about itself (opening hours, its board, its items and its
# catalog form) — they name the hall because they are about it; and what a secret in the path unlocks.
PUBLIC = {
    "GET /api/v1/halls/{hall_code}": "the hall's public card (address, hours)",
    "GET /api/v1/halls/{hall_code}/quiet-hours": "when the hall is quiet: public guidance for visitors",
    "GET /api/v1/halls/{hall_code}/board": "the calling board shown on the hall's screens (masked numbers only)",
    "GET /api/v1/halls/{hall_code}/board/stream": "the board's live stream (the same masked content)",
    "GET /api/v1/stations/{hall_code}": "the hall's stations and windows, shown in the hall's guidance",
}

# Public to some callers by design: "who -> why". Keys are "METHOD path"; who is "citizen", "anonymous" or a role.
PUBLIC_FOR: dict[str, dict[str, str]] = {}  # none today

# Found by this sweep in domains other engineers are changing now: "METHOD path" -> why. Must only shrink.
KNOWN_HOLES: dict[str, str] = {}


# The HTML pages, swept the same way (a page refuses with a 401/403/404 page naming the problem code in data-code,
# or sends the anonymous caller to log in).
PAGES_PUBLIC = {
    "GET /admin/catalog/halls/{hall_code}": "the hall's public card to catalog browsers; overrides only in scope",
    "GET /pay/demo/{order_no}": "the demo payment provider's cashier: the unguessable order number is the link's "
    "secret, as with a real cashier page, and anyone holding it may pay",
    "POST /pay/demo/{order_no}": "the same cashier page paying",
    "GET /take/{hall_code}": "a citizen takes a remote ticket at any hall (the service lets citizens issue remotely "
    "for themselves, as POST /api/v1/tickets does); it shows the hall's public name and the item, nothing "
    "of its records",
    "POST /take/{hall_code}": "the same remote ticket taken",
}
# Pages that answer everyone but show a stranger nothing: checked to hold none of the records' identifiers.
PAGES_EMPTY_TO_STRANGERS = {
    "GET /errands/of/case/{case_no}": "the case page's link to its errand: an empty fragment unless the reader may "
    "see the errand",
}


def all_routes(app: Any) -> Iterator[tuple[str, str]]:
    """Every (method, full path) of the app, read from ``app.routes`` (included routers walked)."""

    def walk(items: Any, prefix: str) -> Iterator[tuple[str, Any]]:
        for route in items:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                yield prefix + route.path, route

    for path, route in walk(app.routes, ""):
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def api_routes(app: Any) -> Iterator[tuple[str, str]]:
    return ((m, p) for m, p in all_routes(app) if p.startswith("/api/v1/"))


def page_routes(app: Any) -> Iterator[tuple[str, str]]:
    return ((m, p) for m, p in all_routes(app) if not p.startswith(("/api/", "/static", "/docs", "/openapi")))


def _params(path: str) -> list[str]:
    return re.findall(r"{(\w+)(?::\w+)?}", path)


class Records:
    """Real records of hall H-690102, made through the API by their owner (李明, the demo citizen) and the hall."""

    def __init__(self, env: Any, client: Any) -> None:
        owner = li_ming(client)
        self.owner = owner
        ticket = client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-001"}, headers=KIOSK)
        assert ticket.status_code == 201, ticket.text
        self.ticket_id = ticket.json()["id"]
        slots = client.get(
            "/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": "GA-006", "date": "2026-12-01"}
        ).json()
        booking = client.post(
            "/api/v1/appointments", json={"slot_id": slots[0]["id"], "item_code": "GA-006"}, headers=owner
        )
        assert booking.status_code == 201, booking.text
        self.booking = booking.json()["code"]
        form, _ = prefilled(client, owner, "GA-001")
        form.update({"reason": "有效期满", "delivery": "窗口领取"})
        self.file_id = upload(client, owner)
        materials = [{"material_code": "GA-001-M01", "file_id": self.file_id}]
        case = client.post(
            "/api/v1/cases", headers=owner, json={"item_code": "GA-001", "hall_code": HALL, "form": form,
                                                  "materials": materials},
        )  # fmt: skip
        assert case.status_code == 201, case.text
        self.case_no = case.json()["case_no"]
        order = client.post(f"/api/v1/cases/{self.case_no}/payment", headers=owner)
        assert order.status_code == 201, order.text
        self.order_no = order.json()["order_no"]
        errands = client.get("/api/v1/errands", headers=owner).json()
        self.errand = errands[0]["code"]
        help_request = client.post("/api/v1/help-requests", json={"hall_code": HALL, "source": "kiosk"}, headers=KIOSK)
        assert help_request.status_code == 201, help_request.text
        self.help_request = help_request.json()["id"]
        _, agent = register_citizen(client)
        agent_id = client.get("/api/v1/me", headers=agent).json()["id"]
        proxy = client.post(
            "/api/v1/proxy-authorizations",
            json={"agent_citizen_id": agent_id, "hall_code": HALL, "item_codes": ["MZ-002"], "scope": ["declare"],
                  "valid_from": DEFAULT_NOW.isoformat(), "valid_until": (DEFAULT_NOW + timedelta(days=30)).isoformat()},
            headers=owner,
        )  # fmt: skip
        assert proxy.status_code == 201, proxy.text
        self.proxy = proxy.json()["id"]
        staff = client.get("/api/v1/staff?limit=500", headers=auth(client, "admin1")).json()
        self.staff_code = next(s["code"] for s in staff if s["username"] == "clerk1")
        devices = client.get("/api/v1/devices?limit=500", headers=auth(client, "admin1")).json()
        self.device = next(d["code"] for d in devices if d["kind"] == "kiosk")
        self.locker = next((d["code"] for d in devices if d["kind"] == "locker"), self.device)
        admin = auth(client, "admin1")
        body = {"name": "扫描测试系统", "hall_code": HALL, "scopes": ["events.receive"]}
        api_client = client.post("/api/v1/api-clients", json=body, headers=admin)
        assert api_client.status_code == 201, api_client.text
        self.client_id = api_client.json()["client"]["id"]
        self.key_id = api_client.json()["client"]["keys"][0]["id"]
        hook = client.post(f"/api/v1/api-clients/{self.client_id}/webhooks", json=HOOK, headers=admin)
        assert hook.status_code == 201, hook.text
        self.subscription_id = hook.json()["subscription"]["id"]
        accepted = client.post(f"/api/v1/cases/{self.case_no}/actions", json={"action": "accept"},
                               headers=auth(client, "clerk1"))  # fmt: skip
        assert accepted.status_code == 200, accepted.text
        self.by_table = self._hall_rows(env)
        with env.db.engine.connect() as conn:
            document = conn.execute(
                text("SELECT id FROM licences_document WHERE case_no = :c ORDER BY id"), {"c": self.case_no}
            ).first()
        if document is not None:
            self.by_table["document_id"] = document[0]

    def _hall_rows(self, env: Any) -> dict[str, Any]:
        """The newest id of this hall's rows in the tables whose records have no API maker here (seeded demo)."""
        wanted = {
            "disposal_id": ("archive_disposal", "id"),
            "handover_id": ("stations_handover", "id"),
            "question_id": ("consult_question", "id"),
            "rect_id": ("evaluation_rectification", "id"),
            "alert_id": ("staff_alert", "id"),
            "fault_id": ("venue_fault", "id"),
            "bundle_app": ("bundles_application", "code"),
            "entry": ("consult_entry", "code"),
        }
        found: dict[str, Any] = {}
        with env.db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            for key, (table, column) in wanted.items():
                if table in tables:
                    row = conn.execute(text(f"SELECT {column} FROM {table} ORDER BY id DESC LIMIT 1")).first()
                    if row is not None:
                        found[key] = row[0]
        return found

    def value(self, name: str, path: str) -> Any:
        path = path if path.startswith("/api/v1/") else "/api/v1" + path  # the pages name records alike
        if name == "code":
            if path.startswith("/api/v1/bundles/applications/"):
                return self.by_table.get("bundle_app", "BA-1")
            if path.startswith("/api/v1/consult/kb/"):
                return self.by_table.get("entry", "KB-1")
            if path.startswith("/api/v1/appointments/"):
                return self.booking
            if path.startswith("/api/v1/staff/"):
                return self.staff_code
            if path.startswith("/api/v1/venue/lockers/"):
                return self.locker
            if path.startswith("/api/v1/venue/devices/"):
                return self.device
            if path.startswith("/api/v1/bundle-applications/"):
                return self.by_table.get("bundle_app", "BA-1")
            if path.startswith("/api/v1/consult/entries/"):
                return self.by_table.get("entry", "KB-1")
            return self.booking
        simple = {
            "ref": self.ticket_id, "page": 1,
            "hall_code": HALL, "scope_code": HALL, "window_code": f"{HALL}-W01", "zone_code": f"{HALL}-Z01",
            "case_no": self.case_no, "ticket_id": self.ticket_id, "errand_code": self.errand,
            "order_no": self.order_no, "staff_code": self.staff_code, "file_id": self.file_id,
            "request_id": self.help_request, "proxy_id": self.proxy, "item_code": "GA-001", "day": "2026-12-01",
            "key": "queue.max_waiting", "action": "ack", "client_id": self.client_id,
            "subscription_id": self.subscription_id, "key_id": self.key_id, "delivery_id": 1, "course_id": 1,
            "token": "x", "provider_name": "demo", "bundle_code": "YJS-01",
        }  # fmt: skip
        if name in simple:
            return simple[name]
        return self.by_table.get(name, 1)


HOOK = {"url": "https://dept.example.org/hooks/smarthall", "events": ["case.submitted"]}
# Bodies a sample cannot guess (a valid address): so that the answer is about who asks.
BODIES = {"POST /api/v1/api-clients/{client_id}/webhooks": HOOK}


def _body(openapi: dict[str, Any], method: str, path: str, records: Records) -> dict[str, Any]:
    """A plausible request body (required fields filled) so that the answer is about who asks, not about the form."""
    if f"{method} {path}" in BODIES:
        return {"json": BODIES[f"{method} {path}"]}
    op = openapi["paths"].get(path, {}).get(method.lower(), {})
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return {"data": {}} if content else {}
    schema = resolve(openapi, content["application/json"]["schema"])
    body = {}
    for name in schema.get("required", []):
        body[name] = _sample(openapi, name, resolve(openapi, schema.get("properties", {}).get(name, {})), records)
    return {"json": body}


def _sample(openapi: dict[str, Any], name: str, schema: dict[str, Any], records: Records) -> Any:
    known = {"hall_code": HALL, "case_no": records.case_no, "ticket_id": records.ticket_id, "item_code": "GA-001"}
    return sample(openapi, name, schema, known)


@pytest.fixture()
def attackers(env: Any, client: Any) -> dict[str, dict[str, str]]:
    for role in STAFF_ROLES:
        make_staff(env, username=f"sweep{role.replace('_', '')}", role=role, hall_code=OTHER_HALL,
                   department_code="GA" if role == "approver" else None)  # fmt: skip
    with env.db.unit_of_work() as session:
        make_device(session, code=f"{OTHER_HALL}-KIOSK-SW", kind="kiosk", hall_code=OTHER_HALL, key=OTHER_KIOSK)
    actors = {role: auth(client, f"sweep{role.replace('_', '')}") for role in STAFF_ROLES}
    actors["kiosk"] = {"X-Device-Key": OTHER_KIOSK}
    actors["citizen"] = register_citizen(client)[1]
    actors["anonymous"] = {}
    return actors


def _refused(response: Any) -> bool:
    if response.status_code not in (401, 403, 404):
        return False
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return False
    return bool(response.json().get("code"))


def test_every_route_naming_a_hall_record_refuses_other_halls_strangers_and_anonymous(env, client, attackers):
    if env.backend != "sqlite":
        pytest.skip("swept once, on SQLite (the scope filter has its own property test on both backends)")
    records = Records(env, client)
    openapi = env.app.openapi()
    holes: dict[str, list[str]] = {}
    swept = 0
    for method, path in api_routes(env.app):
        params = _params(path)
        key = f"{method} {path}"
        if not set(params) & OWNED or key in PUBLIC:
            continue
        concrete = path
        for name in params:
            concrete = re.sub(r"{" + name + r"(?::\w+)?}", str(records.value(name, path)), concrete)
        for who, headers in attackers.items():
            if who in PUBLIC_FOR.get(key, {}):
                continue
            kwargs = _body(openapi, method, path, records)
            response = client.request(method, concrete, headers=headers, **kwargs)
            swept += 1
            assert response.status_code < 500, f"{key} as {who}: {response.status_code} {response.text[:300]}"
            if not _refused(response):
                holes.setdefault(key, []).append(f"{who}:{response.status_code}:{response.text[:120]}")
    assert swept > 500
    unexpected = {k: v for k, v in holes.items() if k not in KNOWN_HOLES}
    assert not unexpected, json.dumps(unexpected, ensure_ascii=False, indent=1)
    assert not sorted(set(KNOWN_HOLES) - set(holes)), "no longer open: remove from KNOWN_HOLES"


def test_the_swept_identifiers_are_real_records_their_owner_and_hall_can_reach(env, client):
    """The control of the sweep: the same identifiers answer 200 to the owner and to the hall's own staff, so a
    refusal above is about who asks, not about a wrong identifier."""
    if env.backend != "sqlite":
        pytest.skip("the control of the sweep (SQLite)")
    records = Records(env, client)
    owner, clerk, admin = records.owner, auth(client, "clerk1"), auth(client, "admin1")
    manager = auth(client, "hallmanager1")
    reads = [
        (owner, f"/api/v1/cases/{records.case_no}"),
        (clerk, f"/api/v1/cases/{records.case_no}"),
        (owner, f"/api/v1/cases/{records.case_no}/payment"),
        (owner, f"/api/v1/errands/{records.errand}"),
        (clerk, f"/api/v1/tickets/{records.ticket_id}"),
        (owner, f"/api/v1/proxy-authorizations/{records.proxy}"),
        (clerk, f"/api/v1/help-requests/{records.help_request}"),
        (admin, f"/api/v1/staff/{records.staff_code}"),
        (admin, f"/api/v1/api-clients/{records.client_id}"),
        (admin, f"/api/v1/webhooks/{records.subscription_id}/deliveries"),
        (manager, f"/api/v1/halls/{HALL}/live"),
        (clerk, f"/api/v1/windows/{HALL}-W01"),
    ]
    if "document_id" in records.by_table:
        reads.append((owner, f"/api/v1/documents/{records.by_table['document_id']}"))
    for headers, url in reads:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])


def _page_refused(response: Any, who: str, marks: list[str]) -> bool:
    """A page refuses with a 4xx page (a form page may answer 422 to an empty form before it looks at the caller)
    that shows none of the records, or sends the anonymous caller to log in."""
    if who == "anonymous" and response.status_code in (302, 303) and "/login" in response.headers.get("location", ""):
        return True
    return response.status_code in (401, 403, 404, 422) and not any(mark in response.text for mark in marks)


def test_every_page_naming_a_hall_record_refuses_other_halls_strangers_and_anonymous(env, client, attackers):
    if env.backend != "sqlite":
        pytest.skip("swept once, on SQLite")
    records = Records(env, client)
    marks = [records.case_no, records.errand, records.booking, records.order_no, str(records.file_id)]
    holes: dict[str, list[str]] = {}
    swept = 0
    for method, path in page_routes(env.app):
        params = _params(path)
        key = f"{method} {path}"
        if not set(params) & (OWNED | {"ref"}) or key in PAGES_PUBLIC:
            continue
        concrete = path
        for name in params:
            concrete = re.sub(r"{" + name + r"(?::\w+)?}", str(records.value(name, path)), concrete)
        for who, headers in attackers.items():
            response = client.request(
                method, concrete, headers={**headers, "Origin": "http://testserver"}, data={}, follow_redirects=False
            )
            swept += 1
            assert response.status_code < 500, f"{key} as {who}: {response.status_code}"
            if key in PAGES_EMPTY_TO_STRANGERS:
                if any(mark in response.text for mark in marks if mark not in concrete):
                    holes.setdefault(key, []).append(f"{who}:{response.status_code}:shows a record")
            elif not _page_refused(response, who, [m for m in marks if m not in concrete]):
                holes.setdefault(key, []).append(f"{who}:{response.status_code}")
    assert swept > 300
    assert not holes, json.dumps(holes, ensure_ascii=False, indent=1)


def test_a_help_request_receipt_needs_its_link_not_a_counted_id(client):
    """IDOR by sequential id: /ask/help/1, /2, ... showed every help request's receipt (and its helper) to anyone."""
    def ask() -> str:
        made = client.post("/ask/go", data={"route": "help", "item_code": "GA-006", "hall_code": HALL},
                           headers={"Origin": "http://testserver"}, follow_redirects=False)  # fmt: skip
        return str(made.headers["location"])

    someone_elses, link = ask(), ask()
    request_id = int(link.split("/ask/help/")[1].split("?")[0])
    assert "?t=" in link and "帮办编号" in client.get(link).text
    assert "帮办编号" in client.get(someone_elses).text  # the link works for the one who has it
    for guess in (f"/ask/help/{request_id}", f"/ask/help/{request_id}?t=0", f"/ask/help/{request_id - 1}"):
        response = client.get(guess)
        assert response.status_code == 404 and 'data-code="help_request_not_found"' in response.text, guess
