"""Issue 12 item 12, attacked as found: anonymous reads of ids 1..N listed the tickets of every hall with service,
priority flag and times. The public page and QR use an unguessable reference; sequential ids need staff or device
scope (or the ticket's own citizen); the priority reason is never public."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, assert_problem, make_device, make_staff

KIOSK = {"X-Device-Key": "demo-kiosk-key"}


def _issue(client: Any, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/tickets", json={"hall_code": "H-690102", "item_code": "GA-001", **body}, headers=KIOSK
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_enumerating_ids_anonymously_finds_nothing(env: Any, client: Any) -> None:
    tickets = [_issue(client), _issue(client, declared="pregnant")]
    for ticket_id in range(1, max(t["id"] for t in tickets) + 3):
        assert_problem(client.get(f"/api/v1/tickets/{ticket_id}"), 401, "unauthorized")
        page = client.get(f"/tickets/{ticket_id}")
        assert page.status_code == 401 and tickets[1]["number"] not in page.text


def test_the_public_reference_is_unguessable_and_shows_no_priority_reason(env: Any, client: Any) -> None:
    ticket = _issue(client, declared="pregnant")
    token = ticket["token"]
    assert token.startswith(f"{ticket['id']}-") and len(token) >= len(str(ticket["id"])) + 33
    public = client.get(f"/api/v1/tickets/by-token/{token}")
    assert public.status_code == 200 and public.json()["number"] == ticket["number"]
    assert "pregnant" not in public.text and "孕" not in public.text
    page = client.get(f"/tickets/{token}")
    assert page.status_code == 200 and ticket["number"] in page.text and "孕" not in page.text
    # a neighbour's id with this ticket's MAC, a truncated MAC, a flipped character: all refused alike
    mac = token.split("-", 1)[1]
    flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    for forged in (f"{ticket['id'] + 1}-{mac}", f"{ticket['id']}-{mac[:-4]}", f"{ticket['id']}-{flipped}", "1-x"):
        assert_problem(client.get(f"/api/v1/tickets/by-token/{forged}"), 404, "ticket_not_found")


def test_sequential_ids_are_for_staff_and_devices_of_the_hall_and_the_holder(env: Any, client: Any) -> None:
    ticket = _issue(client)
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=auth(client, "clerk1")).status_code == 200
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=KIOSK).status_code == 200
    make_staff(env, username="otherclerk", role="clerk", hall_code="H-690200")
    other = client.get(f"/api/v1/tickets/{ticket['id']}", headers=auth(client, "otherclerk"))
    assert_problem(other, 404, "ticket_not_found")
    with env.db.unit_of_work() as session:
        make_device(session, code="H-690200-KIOSK-9", kind="kiosk", hall_code="H-690200", key="other-kiosk-key")
    device = client.get(f"/api/v1/tickets/{ticket['id']}", headers={"X-Device-Key": "other-kiosk-key"})
    assert_problem(device, 404, "ticket_not_found")
    citizen = auth(client, DEMO_CITIZEN_ID)
    assert_problem(client.get(f"/api/v1/tickets/{ticket['id']}", headers=citizen), 404, "ticket_not_found")
