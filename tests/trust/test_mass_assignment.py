"""Mass assignment (issue 12): a JSON body with a field the operation does not take is refused, never silently
dropped. Generated from ``app.routes``: every POST/PUT/PATCH operation of ``/api/v1`` whose body is a JSON model
is sent ``hall_code`` / ``status`` / ``role`` / ``citizen_id`` (the ones the model does not have) by an actor who
may call it; the answer is 422 ``validation_error`` naming each field (``extra_forbidden``, in Chinese and English).
New operations are covered without editing this file.

Operations that read their body themselves are listed in ``RAW_BODIES`` with what they do with an unknown field;
the list must match the app exactly, so a new one has to be classified here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.params import File, Form

from smarthall.identity.permissions import ROLE_PERMISSIONS, STAFF_ROLES
from tests.conftest import auth
from tests.factories import assert_problem, make_device, make_staff, register_citizen
from tests.test_scope_generated import _declared_permissions

HALL = "H-690102"
EXTRA = {"hall_code": "H-690200", "status": "approved", "role": "auditor", "citizen_id": 1}

# Operations whose body is not a JSON model FastAPI validates: "METHOD path" -> what happens to an unknown field.
RAW_BODIES = {
    "POST /api/v1/catalog/import": "the catalog file's own strict model (catalog.filemodel): refused, 422 "
    "catalog_invalid (tested below)",
    "POST /api/v1/consult/import": "each entry is an EntryIn (a RequestModel): refused, 400 import_invalid "
    "(tested below)",
    "POST /api/v1/verify/{token}": "a PDF, not JSON",
    "POST /api/v1/payments/callback/{provider_name}": "the payment provider's signed notice in the provider's "
    "format: its other fields are the provider's and are ignored (the signature covers them)",
}
# Form and multipart bodies (no JSON): login form, uploads.
NOT_JSON = {"POST /api/v1/auth/token", "POST /api/v1/files", "POST /api/v1/ocr/read"}


def _writes(app: Any) -> Iterator[tuple[str, str, Any]]:
    def walk(items: Any, prefix: str) -> Iterator[tuple[str, Any]]:
        for route in items:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif getattr(route, "dependant", None) is not None:
                yield prefix + route.path, route

    for path, route in walk(app.routes, ""):
        if path.startswith("/api/v1/"):
            for method in sorted(route.methods & {"POST", "PUT", "PATCH"}):
                yield method, path, route


def _json_model(route: Any) -> Any:
    """The model of the route's JSON body, or None (no body, or a form / file body)."""
    params = route.dependant.body_params
    if not params or any(isinstance(p.field_info, Form | File) for p in params):
        return None
    assert len(params) == 1, f"{route.path}: one body model per operation ({[p.name for p in params]})"
    return params[0].field_info.annotation


def _fields(model: Any) -> set[str]:
    found: set[str] = set()
    for option in getattr(model, "__args__", (model,)):
        found |= set(getattr(option, "model_fields", {}))
    return found


@pytest.fixture()
def actors(env: Any, client: Any) -> dict[str, dict[str, str]]:
    for role in STAFF_ROLES:
        make_staff(env, username=f"mass{role.replace('_', '')}", role=role, hall_code=HALL,
                   department_code="GA" if role == "approver" else None)  # fmt: skip
    out = {role: auth(client, f"mass{role.replace('_', '')}") for role in STAFF_ROLES}
    with env.db.unit_of_work() as session:
        for kind in ("kiosk", "locker", "window_pad", "display", "form_terminal", "printer", "robot"):
            make_device(session, code=f"{HALL}-MASS-{kind.upper().replace('_', '')}", kind=kind, hall_code=HALL,
                        key=f"mass-{kind}-key")  # fmt: skip
            out[kind] = {"X-Device-Key": f"mass-{kind}-key"}
    out["citizen"] = register_citizen(client)[1]
    out["anonymous"] = {}
    return out


def _order(declared: set[str]) -> list[str]:
    """Actors whose role holds the declared permissions first (then everyone, for checks made in code)."""
    fit = [r for r, perms in ROLE_PERMISSIONS.items() if declared and declared <= perms]
    return fit + [r for r in (*ROLE_PERMISSIONS, "anonymous") if r not in fit]


def test_every_json_body_refuses_unknown_fields(env: Any, client: Any, actors: dict[str, dict[str, str]]) -> None:
    declared = _declared_permissions(env.app)
    raw, checked, unreached = set(), [], []
    for method, path, route in _writes(env.app):
        op = f"{method} {path}"
        model = _json_model(route)
        if model is None:
            if op in RAW_BODIES:
                raw.add(op)
            continue
        assert op not in NOT_JSON, op
        extra = {k: v for k, v in EXTRA.items() if k not in _fields(model)}
        assert extra, f"{op}: the model takes every probe field; add another probe"
        url = re.sub(r"\{[^}]+\}", "1", path)
        last = None
        for name in _order(declared.get(op, set())):
            if name not in actors:
                continue
            last = client.request(method, url, json=extra, headers=actors[name])
            if last.status_code not in (401, 403):
                break
        assert last is not None
        if last.status_code in (401, 403):
            unreached.append(op)
            continue
        body = assert_problem(last, 422, "validation_error")
        named = {d["field"].rsplit(".", 1)[-1]: d for d in body["detail"] if d["code"] == "extra_forbidden"}
        for field in extra:
            assert field in named, (op, field, body["detail"])
            assert named[field]["message_zh"] == "不允许的字段" and named[field]["message_en"], named[field]
        checked.append(op)
    assert not unreached, f"no actor got past the permission check of {unreached}"
    assert raw == set(RAW_BODIES), raw ^ set(RAW_BODIES)
    assert len(checked) >= 60, checked  # the walk did reach the API


def test_nested_parts_refuse_unknown_fields_too(client: Any, actors: dict[str, dict[str, str]]) -> None:
    shift = {"staff_id": 1, "starts": "09:00", "ends": "12:00", "hall_code": "H-690200"}
    r = client.put(f"/api/v1/halls/{HALL}/roster", json={"version": 0, "shifts": [shift]},
                   headers=actors["hall_manager"])  # fmt: skip
    detail = assert_problem(r, 422, "validation_error")["detail"]
    assert any(d["code"] == "extra_forbidden" and d["field"] == "shifts.0.hall_code" for d in detail), detail


def test_a_legitimate_body_still_works(client: Any, actors: dict[str, dict[str, str]]) -> None:
    """What the pages' scripts send is accepted: the device heartbeat (device.js) and an empty one."""
    for body in ({"page": "/kiosk"}, None):
        r = client.post("/api/v1/venue/heartbeat", json=body, headers=actors["kiosk"])
        assert r.status_code == 200, r.text


def test_imports_refuse_unknown_fields(client: Any, actors: dict[str, dict[str, str]]) -> None:
    admin = actors["admin"]
    r = client.post("/api/v1/catalog/import", content=b'{"role": "auditor"}', headers=admin)
    assert_problem(r, 422, "catalog_invalid")
    entry = {"code": "KB-MASS-1", "title": "t", "body": "b", "status": "published"}
    r = client.post("/api/v1/consult/import?format=json", content=_json({"entries": [entry]}),
                    headers=actors["hall_manager"])  # fmt: skip
    assert_problem(r, 400, "import_invalid")
    assert "status" in r.json()["detail"]["error"]


def _json(value: Any) -> bytes:
    import json

    return json.dumps(value, ensure_ascii=False).encode()
