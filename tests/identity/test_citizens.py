from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smarthall.identity.models import Citizen
from tests.factories import citizen_payload, make_id_number, register_citizen


def _citizen_count(env) -> int:
    with env.db.unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).select_from(Citizen))


def test_register_returns_masked_data_only(client):
    payload = citizen_payload(name="张三丰")
    response = client.post("/api/v1/citizens", json=payload)
    assert response.status_code == 201
    body = response.json()
    assert body["name_masked"] == "张*丰"
    assert body["id_number_masked"] == payload["id_number"][:4] + "*" * 10 + payload["id_number"][-4:]
    assert body["phone_masked"] == payload["phone"][:3] + "****" + payload["phone"][-4:]
    assert payload["id_number"] not in response.text and payload["phone"] not in response.text


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "invalid_id_number"),
        ({"phone": "12345678901"}, "phone", "invalid_phone"),
        ({"password": "abcdefgh"}, "password", "password_needs_letters_and_digits"),
    ],
)
def test_invalid_fields_are_refused_and_nothing_is_written(env, client, override, field, code):
    before = _citizen_count(env)
    response = client.post("/api/v1/citizens", json=citizen_payload(**override))
    assert response.status_code == 422
    body = response.json()
    fault = next(d for d in body["detail"] if d["field"] == field)
    assert fault["code"] == code and fault["message_zh"] and fault["message_en"]
    assert _citizen_count(env) == before


def test_all_faults_are_listed_at_once(client):
    response = client.post(
        "/api/v1/citizens", json=citizen_payload(id_number="110105194912310021", phone="12345678901")
    )
    assert {d["field"] for d in response.json()["detail"]} == {"id_number", "phone"}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "x" * 51, "id_number": make_id_number(), "phone": "13800138000", "password": "Passw0rd1"},
        {"name": 5, "id_number": make_id_number(), "phone": "13800138000", "password": "Passw0rd1"},
        {"name": "王", "id_number": make_id_number(), "phone": "13800138000", "password": "Passw0rd1", "x": 1},
    ],
)
def test_wrong_types_missing_and_overlong_fields(client, body):
    response = client.post("/api/v1/citizens", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_duplicate_registration_is_a_conflict(env, client):
    payload = citizen_payload()
    assert client.post("/api/v1/citizens", json=payload).status_code == 201
    again = client.post("/api/v1/citizens", json={**payload, "phone": "13912345678"})
    assert again.status_code == 409 and again.json()["code"] == "citizen_exists"


def test_lowercase_x_is_the_same_person(client):
    first17 = "11010519491231002"
    assert client.post("/api/v1/citizens", json=citizen_payload(id_number=first17 + "X")).status_code == 201
    assert client.post("/api/v1/citizens", json=citizen_payload(id_number=first17 + "x")).status_code == 409


def test_own_profile_is_unmasked_and_audited(client):
    payload, headers = register_citizen(client, name="李四")
    profile = client.get("/api/v1/me/profile", headers=headers)
    assert profile.status_code == 200
    assert profile.json()["id_number"] == payload["id_number"]
    auditor = client.post("/api/v1/auth/token", data={"username": "auditor1", "password": "smarthall-demo"})
    events = client.get(
        "/api/v1/audit/events",
        params={"action": "personal_data.read"},
        headers={"Authorization": f"Bearer {auditor.json()['access_token']}"},
    ).json()
    assert events and events[0]["target_type"] == "citizen"
    assert payload["id_number"] not in str(events)


def test_staff_cannot_read_a_citizens_profile_endpoint(client):
    from tests.conftest import auth

    response = client.get("/api/v1/me/profile", headers=auth(client, "clerk1"))
    assert response.status_code == 403


def test_staff_lookup_by_id_number_is_masked_and_audited(client):
    from tests.conftest import auth

    payload, _ = register_citizen(client)
    found = client.get(
        "/api/v1/citizens/lookup", params={"id_number": payload["id_number"]}, headers=auth(client, "clerk1")
    )
    assert found.status_code == 200 and payload["id_number"] not in found.text
    denied = client.get(
        "/api/v1/citizens/lookup", params={"id_number": payload["id_number"]}, headers=auth(client, "approver1")
    )
    assert denied.status_code == 403
