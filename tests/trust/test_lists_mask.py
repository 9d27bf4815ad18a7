"""Lists mask personal data (issue 12): after a citizen with a known name, ID number and phone took a ticket, booked,
asked for help, entrusted an agent and filed a case, EVERY list the API answers (a GET of ``/api/v1`` whose answer
is an array, or an object holding one) read by each staff role of the hall and by the citizen holds no ID number
and no mobile number in clear (an 18-digit ID or an 11-digit phone anywhere in the JSON) and none of the names.
Generated from ``app.routes``: a new list is covered without editing this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from smarthall.identity.permissions import STAFF_ROLES
from tests.cases.helpers import li_ming, sc003
from tests.conftest import DEFAULT_NOW, auth
from tests.factories import make_id_number, make_staff, register_citizen

HALL = "H-690102"
WINDOW = "H-690102-W01"
NAME, PHONE, ID_NUMBER = "欧阳秋实", "13987654321", make_id_number(serial=613)
ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
FILL = {"hall_code": HALL, "window_code": WINDOW}


def _list_routes(app: Any) -> Iterator[str]:
    def walk(items: Any, prefix: str) -> Iterator[tuple[str, Any]]:
        for route in items:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                yield prefix + route.path, route

    for path, route in walk(app.routes, ""):
        names = re.findall(r"\{([^}]+)\}", path)
        streamed_or_file = path.endswith("/stream") or "." in path.rsplit("/", 1)[-1]
        if (
            path.startswith("/api/v1/")
            and "GET" in route.methods
            and all(n in FILL for n in names)
            and not streamed_or_file
        ):
            yield path.format(**FILL)


def _lists(value: Any) -> list[Any]:
    """The lists in an answer: itself, or the lists an object holds at its top level."""
    if isinstance(value, list):
        return [value]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, list) and v]
    return []


def _journey(client: Any, env: Any) -> tuple[list[str], dict[str, str]]:
    person, citizen = register_citizen(client, name=NAME, id_number=ID_NUMBER, phone=PHONE)
    r = client.post(
        "/api/v1/tickets",
        json={"hall_code": HALL, "item_code": "GA-001", "id_number": ID_NUMBER, "phone": PHONE},
        headers={"X-Device-Key": "demo-kiosk-key"},
    )
    assert r.status_code == 201, r.text
    day = client.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": "GA-006",
                                                        "date": "2026-12-01"}).json()  # fmt: skip
    r = client.post("/api/v1/appointments", json={"slot_id": day[0]["id"], "item_code": "GA-006"}, headers=citizen)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/help-requests", headers=citizen, json={"hall_code": HALL, "phone": PHONE,
                    "description": f"我叫{NAME},电话{PHONE},身份证{ID_NUMBER}"})  # fmt: skip
    assert r.status_code == 201, r.text
    agent = register_citizen(client)[1]
    agent_id = client.get("/api/v1/me", headers=agent).json()["id"]
    proxy = {
        "agent_citizen_id": agent_id,
        "hall_code": HALL,
        "item_codes": ["MZ-002"],
        "scope": ["declare"],
        "valid_from": DEFAULT_NOW.isoformat(),
        "valid_until": (DEFAULT_NOW + timedelta(days=30)).isoformat(),
    }
    r = client.post("/api/v1/proxy-authorizations", json=proxy, headers=citizen)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/consult/ask", json={"question": f"我的身份证{ID_NUMBER}电话{PHONE}怎么办护照"},
                    headers=citizen)  # fmt: skip
    assert r.status_code < 300, r.text
    demo = li_ming(client)
    sc003(client, demo)
    profile = client.get("/api/v1/me/profile", headers=demo).json()
    return [NAME, PHONE, ID_NUMBER, profile["name"]], citizen


def test_every_list_masks_names_id_numbers_and_phones(client: Any, env: Any) -> None:
    secrets, citizen = _journey(client, env)
    readers = {"citizen": citizen}
    for role in STAFF_ROLES:
        make_staff(env, username=f"mask{role.replace('_', '')}", role=role, hall_code=HALL,
                   department_code="SC" if role == "approver" else None)  # fmt: skip
        readers[role] = auth(client, f"mask{role.replace('_', '')}")
    readers["demo_clerk"] = auth(client, "clerk1")
    leaks, seen = [], set()
    for path in _list_routes(env.app):
        for who, headers in readers.items():
            r = client.get(path, params={"hall_code": HALL}, headers=headers)
            if r.status_code != 200 or not r.headers.get("content-type", "").startswith("application/json"):
                continue
            for items in _lists(r.json()):
                text = json.dumps(items, ensure_ascii=False)
                seen.add(path)
                found = ID_RE.findall(text) + PHONE_RE.findall(text) + [s for s in secrets if s in text]
                if found:
                    leaks.append((path, who, found[:3]))
    assert not leaks, leaks
    for path in ("/api/v1/cases", "/api/v1/help-requests", "/api/v1/proxy-authorizations", "/api/v1/staff",
                 f"/api/v1/windows/{WINDOW}/queue", "/api/v1/consult/review-queue"):  # fmt: skip
        assert path in seen, (path, sorted(seen))
