"""A real served ticket is rated: on the pad of the window that served it (一次一评), or from the citizen's phone;
a bad rating opens a rectification for that window; an unfinished or foreign ticket cannot be rated."""

from __future__ import annotations

from tests.conftest import auth
from tests.factories import register_citizen
from tests.queueing.helpers import KIOSK, W01, W02, issue, sign_in

PAD_W01 = {"X-Device-Key": "demo-pad-w01-key"}


def _serve(client, ticket_id: int, window: str = W01, clerk: str = "clerk1") -> dict[str, str]:
    headers = auth(client, clerk)
    sign_in(client, headers, window)
    called = client.post(f"/api/v1/windows/{window}/call-next", headers=headers)
    assert called.status_code == 200 and called.json()["id"] == ticket_id, called.text
    assert client.post(f"/api/v1/tickets/{ticket_id}/finish", headers=headers).status_code == 200
    return headers


def test_window_pad_rates_the_ticket_its_window_served(client):
    ticket = issue(client, "GA-001").json()
    early = client.post(
        "/api/v1/evaluations", headers=PAD_W01, json={"ticket_id": ticket["id"], "level": 5, "channel": "window_pad"}
    )
    assert early.status_code in (403, 409, 422)  # not served yet: nothing to rate
    _serve(client, ticket["id"])
    rated = client.post(
        "/api/v1/evaluations",
        headers=PAD_W01,
        json={
            "ticket_id": ticket["id"],
            "level": 2,
            "channel": "window_pad",
            "indicators": {"overall": 2, "attitude": 1},
            "tags": ["态度不好"],
        },
    )
    assert rated.status_code == 201, rated.text
    again = client.post(
        "/api/v1/evaluations", headers=PAD_W01, json={"ticket_id": ticket["id"], "level": 5, "channel": "window_pad"}
    )
    assert again.status_code == 409
    orders = client.get("/api/v1/rectifications", headers=auth(client, "hallmanager1")).json()
    order = next(o for o in orders if o["subject_ref"] == str(ticket["id"]))
    assert order["subject_kind"] == "ticket" and order["status"] == "open"
    stats = client.get(
        "/api/v1/evaluations/stats",
        headers=auth(client, "hallmanager1"),
        params={"hall_code": "H-690102", "group_by": "window"},
    ).json()
    assert "H-690102-W01" in str(stats)


def test_another_windows_pad_and_a_kiosk_cannot_rate_it(client):
    ticket = issue(client, "GA-001").json()
    _serve(client, ticket["id"], window=W02, clerk="clerk2")
    wrong_pad = client.post(
        "/api/v1/evaluations", headers=PAD_W01, json={"ticket_id": ticket["id"], "level": 5, "channel": "window_pad"}
    )
    assert wrong_pad.status_code == 403


def test_citizen_rates_their_own_remote_ticket_and_nobody_elses(client):
    payload, citizen = register_citizen(client)
    ticket = issue(client, "GA-001", headers=citizen).json()
    _serve(client, ticket["id"])
    other = register_citizen(client)[1]
    assert (
        client.post(
            "/api/v1/evaluations", headers=other, json={"ticket_id": ticket["id"], "level": 5, "channel": "web"}
        ).status_code
        == 403
    )
    mine = client.post(
        "/api/v1/evaluations", headers=citizen, json={"ticket_id": ticket["id"], "level": 5, "channel": "web"}
    )
    assert mine.status_code == 201, mine.text
    assert payload["id_number"] not in client.get("/api/v1/rectifications", headers=auth(client, "hallmanager1")).text


def test_kiosk_ticket_with_id_number_links_to_the_registered_citizen(client):
    payload, citizen = register_citizen(client)
    ticket = client.post(
        "/api/v1/tickets",
        headers=KIOSK,
        json={"hall_code": "H-690102", "item_code": "GA-001", "id_number": payload["id_number"]},
    )
    assert ticket.status_code == 201, ticket.text
    _serve(client, ticket.json()["id"])
    rated = client.post(
        "/api/v1/evaluations", headers=citizen, json={"ticket_id": ticket.json()["id"], "level": 4, "channel": "web"}
    )
    assert rated.status_code == 201, rated.text
