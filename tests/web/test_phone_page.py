"""The citizen's phone page (/me/phone): an account whose phone is not proven is told so on the portal and on the
refusal it meets, and proves the phone on its record with a code sent to it, from a browser, without the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from smarthall.identity.models import Citizen
from tests.factories import last_sms_code, register_citizen
from tests.web.test_portal import ORIGIN, _login, _slot


def _unverified_citizen(client: Any, env: Any) -> dict[str, Any]:
    payload, headers = register_citizen(client)
    citizen_id = client.get("/api/v1/me", headers=headers).json()["id"]
    with env.db.unit_of_work() as session:  # as an account made before phones were proven
        session.execute(update(Citizen).where(Citizen.id == citizen_id).values(phone_verified_at=None))
    _login(client, payload["id_number"], payload["password"])
    return payload


def test_an_unverified_citizen_is_led_to_verify_and_verifies_by_code(client, env):
    payload = _unverified_citizen(client, env)
    home = client.get("/")
    assert 'data-testid="phone-unverified"' in home.text and 'href="/me/phone"' in home.text

    # booking in the browser is refused with a way out, not a dead end
    slot = _slot(client)
    refused = client.post("/appointments/book", data={"slot_id": slot["id"], "item_code": "GA-006"}, headers=ORIGIN)
    assert refused.status_code == 403 and 'data-code="phone_unverified"' in refused.text
    assert 'href="/me/phone"' in refused.text

    page = client.get("/me/phone")
    assert page.status_code == 200
    masked = payload["phone"][:3] + "****" + payload["phone"][-4:]
    assert masked in page.text and payload["phone"] not in page.text
    env.clock.advance(seconds=61)  # one code a minute per number
    sent = client.post("/me/phone/code", headers=ORIGIN)
    assert sent.status_code == 200 and 'data-testid="code-sent"' in sent.text
    code = last_sms_code(env.db, payload["phone"])

    wrong = client.post("/me/phone", data={"phone_code": f"{(int(code) + 1) % 10**6:06d}"}, headers=ORIGIN)
    assert wrong.status_code == 422 and 'data-testid="phone-error"' in wrong.text
    done = client.post("/me/phone", data={"phone_code": code}, headers=ORIGIN, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/me/phone?verified=1"
    assert 'data-testid="phone-verified"' in client.get("/me/phone?verified=1").text
    assert 'data-testid="phone-unverified"' not in client.get("/").text
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["phone_verified"] is True


def test_the_phone_page_is_the_citizens_own(client):
    anonymous = client.get("/me/phone", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?")
    _login(client, "clerk1")
    staff = client.get("/me/phone")
    assert staff.status_code == 403 and 'data-code="citizen_only"' in staff.text
    sent = client.post("/me/phone/code", headers=ORIGIN)
    assert sent.status_code == 403 and 'data-code="citizen_only"' in sent.text
