"""Citizen accounts: registration with checked identity fields, the own profile, look-up by staff."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smarthall.identity.models import Citizen
from tests.factories import assert_problem, citizen_payload, make_id_number, register_citizen, sms_code


def _citizen_count(env) -> int:
    with env.db.unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).select_from(Citizen))


class TestRegister:
    """Registering a citizen account: checked identity fields, masked answers, one account per person."""

    def test_register_returns_masked_data_only(self, client):
        payload = citizen_payload(name="张三丰")
        response = client.post("/api/v1/citizens", json={**payload, "phone_code": sms_code(client, payload["phone"])})
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
    def test_invalid_fields_are_refused_and_nothing_is_written(self, env, client, override, field, code):
        before = _citizen_count(env)
        response = client.post("/api/v1/citizens", json=citizen_payload(**override))
        body = assert_problem(response, 422, "validation_error")
        fault = next(d for d in body["detail"] if d["field"] == field)
        assert fault["code"] == code and fault["message_zh"] and fault["message_en"]
        assert _citizen_count(env) == before

    def test_all_faults_are_listed_at_once(self, client):
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
    def test_wrong_types_missing_and_overlong_fields(self, client, body):
        assert_problem(client.post("/api/v1/citizens", json=body), 422, "validation_error")

    def test_duplicate_registration_is_a_conflict(self, env, client):
        payload = citizen_payload()
        payload["phone_code"] = sms_code(client, payload["phone"])
        assert client.post("/api/v1/citizens", json=payload).status_code == 201
        other = {"phone": "13912345678", "phone_code": sms_code(client, "13912345678")}
        again = client.post("/api/v1/citizens", json={**payload, **other})
        assert_problem(again, 409, "citizen_exists")

    def test_lowercase_x_is_the_same_person(self, client):
        first17 = "11010519491231002"
        first, second = citizen_payload(id_number=first17 + "X"), citizen_payload(id_number=first17 + "x")
        for p in (first, second):
            p["phone_code"] = sms_code(client, p["phone"])
        assert client.post("/api/v1/citizens", json=first).status_code == 201
        again = client.post("/api/v1/citizens", json=second)
        assert_problem(again, 409, "citizen_exists")


class TestProfile:
    """The citizen's own unmasked profile: to themself only, and every read audited."""

    def test_own_profile_is_unmasked_and_audited(self, client):
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

    def test_staff_cannot_read_a_citizens_profile_endpoint(self, client):
        from tests.conftest import auth

        response = client.get("/api/v1/me/profile", headers=auth(client, "clerk1"))
        assert_problem(response, 403, "citizen_only")


class TestLookup:
    """Front-line staff find a registered citizen by ID number: masked, audited."""

    def test_staff_lookup_by_id_number_is_masked_and_audited(self, client):
        from tests.conftest import auth

        payload, _ = register_citizen(client)
        found = client.get(
            "/api/v1/citizens/lookup", params={"id_number": payload["id_number"]}, headers=auth(client, "clerk1")
        )
        assert found.status_code == 200 and payload["id_number"] not in found.text
        denied = client.get(
            "/api/v1/citizens/lookup", params={"id_number": payload["id_number"]}, headers=auth(client, "approver1")
        )
        assert_problem(denied, 403, "forbidden_role")
        unknown = client.get(
            "/api/v1/citizens/lookup", params={"id_number": "110105194912310021"}, headers=auth(client, "clerk1")
        )
        assert_problem(unknown, 404, "citizen_not_found")
