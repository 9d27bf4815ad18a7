"""Phone verification before registration (issue 12, item 15): ``POST /citizens/phone-codes`` sends a one-time code
through the SMS outbox, throttled per number and per address; ``POST /citizens`` needs the latest code of the number,
unexpired, within five tries, once — also when two registrations race with one code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from smarthall.identity.models import Citizen, PhoneCode
from smarthall.notify.models import Message
from tests.factories import assert_problem, citizen_payload, last_sms_code, sms_code


def _count(env, model) -> int:
    with env.db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_code_goes_out_by_sms_and_registers_once(env, client):
    payload = citizen_payload()
    sent = client.post("/api/v1/citizens/phone-codes", json={"phone": payload["phone"]})
    assert sent.status_code == 202 and sent.json() == {"expires_in": 300, "resend_after": 60}
    with env.db.unit_of_work(write=False) as session:
        message = session.execute(select(Message).where(Message.template == "identity.phone_code")).scalar_one()
        row = session.execute(select(PhoneCode)).scalar_one()
        assert message.phone == payload["phone"] and message.recipient_kind == "phone"
        code = last_sms_code(env.db, payload["phone"])
        assert code not in row.code_hash and payload["phone"] not in row.phone_index  # digests only
    assert_problem(client.post("/api/v1/citizens", json=payload), 422, "phone_code_wrong")  # no code given
    created = client.post("/api/v1/citizens", json={**payload, "phone_code": code})
    assert created.status_code == 201, created.text
    again = citizen_payload(phone=payload["phone"], phone_code=code)  # the same code for a second account
    assert_problem(client.post("/api/v1/citizens", json=again), 422, "phone_code_wrong")


def test_field_faults_come_first_and_a_failed_registration_keeps_the_code(env, client):
    payload = citizen_payload(id_number="110105194912310021")  # bad check digit
    code = sms_code(client, payload["phone"])
    body = assert_problem(
        client.post("/api/v1/citizens", json={**payload, "phone_code": code}), 422, "validation_error"
    )
    assert {d["field"] for d in body["detail"]} == {"id_number"}
    fixed = citizen_payload(phone=payload["phone"], phone_code=code)
    assert client.post("/api/v1/citizens", json=fixed).status_code == 201


def test_wrong_codes_count_and_the_fifth_kills_the_code(env, client):
    payload = citizen_payload()
    code = sms_code(client, payload["phone"])
    before = _count(env, Citizen)
    for left in (4, 3, 2, 1):
        body = assert_problem(
            client.post("/api/v1/citizens", json={**payload, "phone_code": _other(code)}), 422, "phone_code_wrong"
        )
        assert body["detail"]["attempts_left"] == left
    assert_problem(
        client.post("/api/v1/citizens", json={**payload, "phone_code": _other(code)}),
        422,
        "phone_code_attempts_exceeded",
    )
    right = client.post("/api/v1/citizens", json={**payload, "phone_code": code})
    assert_problem(right, 422, "phone_code_attempts_exceeded")
    assert _count(env, Citizen) == before  # nothing registered for this number
    env.clock.advance(seconds=61)
    fresh = sms_code(client, payload["phone"])
    assert client.post("/api/v1/citizens", json={**payload, "phone_code": fresh}).status_code == 201


def test_an_old_or_expired_code_does_not_work(env, client):
    payload = citizen_payload()
    first = sms_code(client, payload["phone"])
    env.clock.advance(seconds=61)
    second = sms_code(client, payload["phone"])
    if first != second:
        assert_problem(client.post("/api/v1/citizens", json={**payload, "phone_code": first}), 422, "phone_code_wrong")
    env.clock.advance(minutes=5)
    assert_problem(client.post("/api/v1/citizens", json={**payload, "phone_code": second}), 422, "phone_code_expired")


def test_sending_is_throttled_per_number_and_per_address(env, client):
    phone = citizen_payload()["phone"]
    sms_code(client, phone)
    body = assert_problem(
        client.post("/api/v1/citizens/phone-codes", json={"phone": phone}), 429, "phone_code_send_throttled"
    )
    assert int(body["detail"]["retry_after"]) <= 60
    for _ in range(4):  # 5 an hour per number
        env.clock.advance(seconds=61)
        sms_code(client, phone)
    env.clock.advance(seconds=61)
    refused = client.post("/api/v1/citizens/phone-codes", json={"phone": phone})
    assert_problem(refused, 429, "phone_code_send_throttled")
    assert refused.headers["Retry-After"]
    assert _count(env, Message) == 5
    assert_problem(client.post("/api/v1/citizens/phone-codes", json={"phone": "12345"}), 422, "validation_error")


def test_many_numbers_from_one_address_meet_the_address_limit(env, client):
    statuses = [
        client.post("/api/v1/citizens/phone-codes", json={"phone": citizen_payload()["phone"]}).status_code
        for _ in range(30)
    ]
    assert statuses == [202] * 30
    refused = client.post("/api/v1/citizens/phone-codes", json={"phone": citizen_payload()["phone"]})
    assert_problem(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"]


def test_a_bad_number_is_refused_before_anything_is_sent(env, client):
    response = client.post("/api/v1/citizens/phone-codes", json={"phone": "12345678901"})
    body = assert_problem(response, 422, "validation_error")
    assert body["detail"][0]["field"] == "phone"
    assert _count(env, Message) == 0 and _count(env, PhoneCode) == 0


def test_two_parallel_registrations_with_one_code_make_one_account(env, live_server):
    phone = citizen_payload()["phone"]
    with httpx.Client(base_url=live_server, timeout=60) as c:
        assert c.post("/api/v1/citizens/phone-codes", json={"phone": phone}).status_code == 202
    code = last_sms_code(env.db, phone)
    before = _count(env, Citizen)

    def one(_: int) -> int:
        body = citizen_payload(phone=phone, phone_code=code)
        return httpx.post(f"{live_server}/api/v1/citizens", json=body, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(one, range(4)))
    assert statuses.count(201) == 1 and set(statuses) <= {201, 422}, statuses
    assert _count(env, Citizen) == before + 1
