"""A real served ticket is rated: on the pad of the window that served it (一次一评), or from the citizen's phone;
a bad rating opens a rectification for that window; an unfinished or foreign ticket cannot be rated."""

from __future__ import annotations

from tests.conftest import auth
from tests.factories import assert_problem, register_citizen
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
    assert_problem(early, 422, "evaluation_not_finished")  # not served yet: nothing to rate
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
    assert_problem(again, 409, "evaluation_already_rated")
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
    assert_problem(wrong_pad, 403, "evaluation_not_served")


def test_citizen_rates_their_own_remote_ticket_and_nobody_elses(client):
    payload, citizen = register_citizen(client)
    ticket = issue(client, "GA-001", headers=citizen).json()
    _serve(client, ticket["id"])
    other = register_citizen(client)[1]
    assert_problem(
        client.post(
            "/api/v1/evaluations", headers=other, json={"ticket_id": ticket["id"], "level": 5, "channel": "web"}
        ),
        403,
        "evaluation_not_served",
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


def _act(client, rect_id: int, action: str, headers, note: str = ""):
    r = client.post(f"/api/v1/rectifications/{rect_id}/actions", json={"action": action, "note": note}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_bad_rerating_after_the_fix_opens_a_second_order_for_the_real_ticket(client):
    _payload, citizen = register_citizen(client)
    ticket = issue(client, "GA-001", headers=citizen).json()
    _serve(client, ticket["id"])
    first = client.post(
        "/api/v1/evaluations", headers=citizen, json={"ticket_id": ticket["id"], "level": 2, "channel": "web"}
    )
    assert first.status_code == 201, first.text
    first_order = first.json()["rectification_id"]
    manager = auth(client, "hallmanager1")
    _act(client, first_order, "follow_up", manager, "已回访")
    _act(client, first_order, "rectify", manager, "已调整窗口排班")

    # the citizen finds the reply in their inbox, with the one-time link for the single re-rating
    inbox = client.get("/api/v1/me/messages", headers=citizen).json()
    reply = next(m for m in inbox if m["template"] == "evaluation.reply")
    token = reply["body_zh"].split("token=")[1].strip()
    page = client.get("/evaluation/rate", params={"token": token})
    assert page.status_code == 200
    again = client.post(
        "/api/v1/evaluations",
        json={"ticket_id": ticket["id"], "level": 1, "channel": "sms", "token": token, "comment": "没有改善"},
    )
    assert again.status_code == 201, again.text
    second_order = again.json()["rectification_id"]
    assert second_order not in (None, first_order)

    orders = {o["id"]: o for o in client.get("/api/v1/rectifications", headers=manager).json()}
    assert orders[first_order]["status"] == "closed" and orders[first_order]["next_id"] == second_order
    assert orders[second_order]["previous_id"] == first_order and orders[second_order]["status"] == "open"
    assert orders[second_order]["assignee_code"] == W01
    assert orders[second_order]["subject_ref"] == str(ticket["id"])
    # the same link cannot be used twice, and there is no third rating
    reuse = client.post(
        "/api/v1/evaluations", json={"ticket_id": ticket["id"], "level": 5, "channel": "sms", "token": token}
    )
    assert_problem(reuse, 409, "evaluation_link_used")
    third = client.post(
        "/api/v1/evaluations", headers=citizen, json={"ticket_id": ticket["id"], "level": 5, "channel": "web"}
    )
    assert_problem(third, 409, "evaluation_already_rated")
