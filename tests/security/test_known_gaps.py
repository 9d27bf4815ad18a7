"""Issue 12, the gaps left after the first round: a citizen's phone counts only once proven by a one-time code (and
codes meant for the citizen go only to a proven phone; an unproven account neither files nor books); the SMS outbox
keeps no one-time code a database reader could use; the log scrubber masks names, ID numbers and phones without
mangling the words around them."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update

from smarthall.core.logging import JsonFormatter
from smarthall.core.masking import scrub
from smarthall.identity.models import Citizen
from tests.conftest import DEFAULT_NOW
from tests.factories import assert_problem, last_sms_code, register_citizen, sms_code

HALL = "H-690102"


def _me(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _unverify(env: Any, citizen_id: int) -> None:
    """The account as one registered before phone codes existed (the upgrade leaves it unverified)."""
    with env.db.unit_of_work() as session:
        session.execute(update(Citizen).where(Citizen.id == citizen_id).values(phone_verified_at=None))


def _proxy(client: Any, entrustor: dict[str, str], agent_id: int) -> int:
    body = {
        "agent_citizen_id": agent_id,
        "hall_code": HALL,
        "item_codes": ["MZ-002"],
        "scope": ["declare"],
        "valid_from": DEFAULT_NOW.isoformat(),
        "valid_until": (DEFAULT_NOW + timedelta(days=30)).isoformat(),
    }
    response = client.post("/api/v1/proxy-authorizations", json=body, headers=entrustor)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _book(client: Any, headers: dict[str, str]) -> Any:
    slots = client.get(
        "/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": "GA-006", "date": "2026-12-01"}
    ).json()
    return client.post("/api/v1/appointments", json={"slot_id": slots[0]["id"], "item_code": "GA-006"}, headers=headers)


# --- (a) the verified phone -------------------------------------------------------------------------------------


def test_registration_with_the_code_verifies_the_phone(client):
    _, headers = register_citizen(client)
    assert _me(client, headers)["phone_verified"] is True
    assert _me(client, {"X-Device-Key": "demo-kiosk-key"})["phone_verified"] is None  # not a citizen's question


def test_an_unverified_account_gets_no_proxy_code_and_neither_books_nor_files(client, env):
    payload, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    entrustor_id, agent_id = _me(client, entrustor)["id"], _me(client, agent)["id"]
    _unverify(env, entrustor_id)
    assert _me(client, entrustor)["phone_verified"] is False
    pid = _proxy(client, entrustor, agent_id)
    sent = client.post(f"/api/v1/proxy-authorizations/{pid}/actions", json={"action": "send_code"}, headers=agent)
    assert_problem(sent, 422, "entrustor_phone_unverified")
    assert_problem(_book(client, entrustor), 403, "phone_unverified")
    filed = client.post(
        "/api/v1/cases", headers=entrustor, json={"item_code": "SC-001", "hall_code": HALL, "form": {}, "materials": []}
    )
    assert_problem(filed, 403, "phone_unverified")

    # the citizen proves the number on their record with a code and everything works again
    env.clock.advance(seconds=61)  # one code a minute per number
    code = sms_code(client, payload["phone"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = client.post("/api/v1/me/phone-verification", json={"phone_code": wrong}, headers=entrustor)
    assert_problem(refused, 422, "phone_code_wrong")
    done = client.post("/api/v1/me/phone-verification", json={"phone_code": code}, headers=entrustor)
    assert done.status_code == 200, done.text
    assert done.json()["phone_verified"] is True
    again = client.post("/api/v1/me/phone-verification", json={"phone_code": code}, headers=entrustor)
    assert_problem(again, 422, "phone_code_wrong")  # used once
    assert _book(client, entrustor).status_code == 201
    sent = client.post(f"/api/v1/proxy-authorizations/{pid}/actions", json={"action": "send_code"}, headers=agent)
    assert sent.status_code == 200, sent.text


def test_only_a_citizen_verifies_a_phone_and_only_their_own(client, env):
    payload, _ = register_citizen(client)
    _, other = register_citizen(client)
    env.clock.advance(seconds=61)
    code = sms_code(client, payload["phone"])  # a code to someone else's number does not verify mine
    mine = client.post("/api/v1/me/phone-verification", json={"phone_code": code}, headers=other)
    assert_problem(mine, 422, "phone_code_wrong")
    anonymous = client.post("/api/v1/me/phone-verification", json={"phone_code": code})
    assert_problem(anonymous, 401, "unauthorized")
    kiosk = client.post(
        "/api/v1/me/phone-verification", json={"phone_code": code}, headers={"X-Device-Key": "demo-kiosk-key"}
    )
    assert_problem(kiosk, 403, "citizen_only")


# --- (b) the outbox keeps no readable code ----------------------------------------------------------------------


def test_the_sms_code_is_not_readable_in_the_outbox_table(client, env):
    payload, _ = register_citizen(client)
    code = last_sms_code(env.db, payload["phone"])  # the phone receives it (the relay reads it sealed)
    with env.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT body_zh, body_en, params, phone FROM notify_message")).all()
    assert rows
    for row in rows:
        for value in row:
            raw = bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else str(value).encode()
            assert code.encode() not in raw and payload["phone"].encode() not in raw
            assert "验证码".encode() not in raw  # the rendered text itself is sealed, not only the code


def test_the_log_channel_writes_the_text_with_the_phone_masked(client, env, caplog):
    caplog.set_level(logging.INFO, logger="smarthall.notify")
    payload, _ = register_citizen(client)
    lines = [r.getMessage() for r in caplog.records if r.name == "smarthall.notify"]
    assert any(payload["phone"][:3] + "****" + payload["phone"][-4:] in line for line in lines), lines
    assert not any(payload["phone"] in line for line in lines)


# --- (c) the log scrubber ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        # a bare 本人 ("myself") is no name: the words after it stay as they are
        ("仅群众本人可在线申报", "仅群众本人可在线申报"),
        ("本人已到场", "本人已到场"),
        ("不能变更本人的账号", "不能变更本人的账号"),
        ("须登记本人身份证号码", "须登记本人身份证号码"),
        ("本人(已脱敏)", "本人(已脱敏)"),
        # 本人 with a name: the name is masked, and only the name
        ("本人张三申请营业执照", "本人张*申请营业执照"),
        ("本人王五", "本人王*"),
        ("本人欧阳修来办", "本人欧*修来办"),
        ("本人叫李四", "本人叫李*"),
        ("本人姓名:赵六", "本人姓名:赵*"),
        ("我叫王小明,电话13812345678", "我叫王*明,电话138****5678"),
        ("我叫张三的身份证丢了", "我叫张*的身份证丢了"),
        ("姓名:王小明", "姓名:王*明"),
        ("姓名\uff1a欧阳娜娜", "姓名\uff1a欧**娜"),
        # ID numbers, 18 and 15 characters
        ("本人身份证号330102199001011234", "本人身份证号3301**********1234"),
        ("id 11010519491231002X ok", "id 1101**********002X ok"),
        ("旧证330102900101123号", "旧证3301*******1123号"),
        # phones, also with the country code and in groups
        ("call 13812345678", "call 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("0086-138-1234-5678", "0086-138-****-5678"),
        # not personal data: left alone
        ("case H-690102-20261130-00001", "case H-690102-20261130-00001"),
        ("ticket 13812345678901", "ticket 13812345678901"),
    ],
)
def test_the_scrubber_masks_names_id_numbers_and_phones_and_nothing_else(line, masked):
    assert scrub(line) == masked


def test_log_lines_are_scrubbed_as_they_are_written():
    record = logging.LogRecord(
        "smarthall", logging.INFO, __file__, 1, "本人%s申请, 证件%s, 电话%s",
        ("张三", "330102199001011234", "13856785678"), None,
    )
    payload = json.loads(JsonFormatter().format(record))
    assert payload["msg"] == "本人张*申请, 证件3301**********1234, 电话138****5678"
    assert not re.search(r"\d{11}", payload["msg"])
