"""Tickets, calling and boards through the HTTP API, with denials."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, text

from smarthall.core.clock import SHANGHAI
from smarthall.core.subjects import resolve_subject
from smarthall.queueing.models import Ticket
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, make_id_number, register_citizen
from tests.queueing.helpers import DISPLAY, HALL, KIOSK, W01, W02, W05, issue, problem, sign_in


class TestIssue:
    """Issuing a ticket (kiosk, guide desk, citizen), numbering and refusals."""

    def test_kiosk_issues_numbered_tickets_per_queue(self, client):
        first = issue(client, "GA-001")
        second = issue(client, "GA-002")
        other = issue(client, "SC-001")
        assert first.status_code == 201, first.text
        body = first.json()
        assert set(body) >= {
            "id",
            "number",
            "queue",
            "item_code",
            "status",
            "priority",
            "ahead",
            "estimated_wait_minutes",
        }
        assert body["status"] == "waiting" and body["priority"] is False
        assert body["number"] == body["queue"] + "001"
        assert second.json()["number"] == body["queue"] + "002"
        assert other.json()["queue"] != body["queue"] and other.json()["number"].endswith("001")

    def test_idempotency_key_replays_and_rejects_other_body(self, client):
        h = {**KIOSK, "Idempotency-Key": "k-1"}
        a = issue(client, "GA-001", headers=h)
        b = issue(client, "GA-001", headers=h)
        assert a.status_code == 201 and b.status_code == 201
        assert a.json()["id"] == b.json()["id"]
        c = issue(client, "GA-002", headers=h)
        assert c.status_code == 409 and c.json()["code"] == "idempotency_key_reused"

    def test_id_number_sealed_and_elderly_priority(self, client, env):
        old = make_id_number(date(1950, 5, 1))
        r = issue(client, "GA-001", id_number=old, phone="13912345678")
        assert r.status_code == 201 and r.json()["priority"] is True
        with env.session() as s:
            ticket = s.get(Ticket, r.json()["id"])
            assert ticket.id_number == old
            raw = s.execute(text("SELECT id_number, phone FROM queue_ticket")).first()
            assert old.encode() not in bytes(raw[0]) and b"13912345678" not in bytes(raw[1])
            assert ticket.priority_reason == "elderly"

    def test_bad_input_is_problem_json_and_writes_nothing(self, client, env):
        cases = [
            ({"hall_code": "NOPE", "item_code": "GA-001"}, 404),
            ({"hall_code": HALL, "item_code": "XX-999"}, 422),
            ({"hall_code": HALL, "item_code": "GA-001", "id_number": "123"}, 422),
            ({"hall_code": HALL, "item_code": "GA-001", "phone": "12"}, 422),
            ({"hall_code": HALL}, 422),
        ]
        for body, status in cases:
            r = client.post("/api/v1/tickets", json=body, headers=KIOSK)
            assert r.status_code == status, (body, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["message_zh"] and r.json()["message_en"]
        with env.session() as s:
            assert s.execute(select(Ticket)).first() is None

    def test_closed_hall_refuses(self, client, env):
        env.clock.set(datetime(2026, 11, 30, 19, 0, tzinfo=SHANGHAI))
        r = issue(client)
        assert r.status_code == 409 and r.json()["code"] == "hall_closed"
        env.clock.set(datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI))  # a Sunday
        problem(issue(client), 409, "hall_closed")

    def test_issue_denials(self, client):
        problem(client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-001"}), 401, "unauthorized")
        clerk = auth(client, "clerk1")
        problem(issue(client, headers=clerk), 403, "forbidden_role")
        problem(issue(client, headers=DISPLAY), 403, "forbidden_role")
        # A kiosk issues for its own hall only.
        r = client.post("/api/v1/tickets", json={"hall_code": "H-690123", "item_code": "GA-001"}, headers=KIOSK)
        assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
        guide = auth(client, "guide1")
        r = issue(client, headers=guide)
        assert r.status_code == 201

    def test_citizen_remote_ticket(self, client):
        _, headers = register_citizen(client, id_number=make_id_number(date(1955, 1, 1)))
        r = issue(client, "GA-001", headers=headers)
        assert r.status_code == 201 and r.json()["priority"] is True

    def test_number_continues_after_restart(self, client, env):
        from fastapi.testclient import TestClient

        from smarthall.main import create_app

        first = issue(client).json()
        app2 = create_app(env.settings, clock=env.clock)
        with TestClient(app2) as c2:
            second = issue(c2).json()
        app2.state.db.dispose()
        assert int(second["number"][1:]) == int(first["number"][1:]) + 1


class TestCall:
    """Calling at a window: the next ticket by the policy, by number, recall, finish, quiet calling."""

    def test_call_recall_finish_flow_and_board(self, client, env):
        finished: list[dict] = []
        env.app.state.registry.on("ticket.finished", finished.append)
        t1 = issue(client, "GA-001", id_number=DEMO_CITIZEN_ID).json()
        t2 = issue(client, "GA-001").json()
        assert t2["ahead"] is None or t2["ahead"] >= 0
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        waiting = client.get(f"/api/v1/tickets/by-token/{t2['token']}").json()
        assert waiting["ahead"] == 1 and waiting["estimated_wait_minutes"] > 0
        called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        assert called.status_code == 200 and called.json()["id"] == t1["id"]
        assert called.json()["status"] == "called" and called.json()["window_code"] == W01
        busy = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        assert busy.status_code == 409 and busy.json()["code"] == "window_busy"
        assert client.post(f"/api/v1/tickets/{t1['id']}/recall", headers=clerk).status_code == 200
        board = client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY)
        assert board.status_code == 200
        b = board.json()
        assert b["calls"][0]["number"] == t1["number"] and b["calls"][0]["name_masked"] == "李*"
        assert b["waiting_total"] == 1
        assert client.post(f"/api/v1/tickets/{t1['id']}/finish", headers=clerk).status_code == 200
        assert finished and {k: finished[-1][k] for k in ("ticket_id", "hall_code")} == {
            "ticket_id": t1["id"],
            "hall_code": HALL,
        }
        assert finished[-1]["subject"].finished_at is not None and finished[-1]["subject"].phone is None
        with env.session(write=False) as s:
            subject = resolve_subject(s, "ticket", str(t1["id"]))
        assert subject is not None and subject.finished_at is not None and subject.citizen_id is not None
        assert subject.window_code == W01 and subject.item_code == "GA-001" and subject.department_code == "GA"
        assert subject.staff_id is not None and subject.id_number_index and subject.channel == "onsite"
        again = client.post(f"/api/v1/tickets/{t1['id']}/finish", headers=clerk)
        problem(again, 409, "ticket_state")
        nxt = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        assert nxt.json()["id"] == t2["id"]
        client.post(f"/api/v1/tickets/{t2['id']}/finish", headers=clerk)
        assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).status_code == 204
        assert [p["ticket_id"] for p in finished] == [t1["id"], t2["id"]]

    def test_pause_and_manual_call_by_number(self, client):
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        a = issue(client).json()
        b = issue(client).json()
        client.post(f"/api/v1/windows/{W01}/pause", headers=clerk)
        r = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        assert r.status_code == 409 and r.json()["code"] == "window_paused"
        client.post(f"/api/v1/windows/{W01}/resume", headers=clerk)
        r = client.post(f"/api/v1/windows/{W01}/call", json={"number": b["number"]}, headers=clerk)
        assert r.status_code == 200 and r.json()["id"] == b["id"]
        client.post(f"/api/v1/tickets/{b['id']}/finish", headers=clerk)
        r = client.post(f"/api/v1/windows/{W01}/call", json={"number": b["number"]}, headers=clerk)
        problem(r, 409, "ticket_state")
        assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()["id"] == a["id"]

    def test_specialised_window_serves_only_its_items(self, client):
        clerk5 = auth(client, "clerk5")
        sign_in(client, clerk5, W05)
        issue(client, "SC-001")
        assert client.post(f"/api/v1/windows/{W05}/call-next", headers=clerk5).status_code == 204
        g = issue(client, "GA-003").json()
        assert client.post(f"/api/v1/windows/{W05}/call-next", headers=clerk5).json()["id"] == g["id"]

    def test_priority_first_with_starvation_guard(self, client):
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        ordinary = issue(client, "GA-001").json()
        prios = [issue(client, "GA-001", declared="pregnant").json() for _ in range(4)]
        assert all(p["priority"] for p in prios)
        order = []
        for _ in range(5):
            t = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()
            order.append(t["id"])
            client.post(f"/api/v1/tickets/{t['id']}/finish", headers=clerk)
        # Three priority tickets, then the waiting ordinary ticket gets its turn, then the last priority one.
        assert order == [prios[0]["id"], prios[1]["id"], prios[2]["id"], ordinary["id"], prios[3]["id"]]

    def test_quiet_calling_when_three_are_ahead(self, client, env):
        from smarthall.notify.models import Message

        tickets = [issue(client, "GA-001", phone=f"1391234{i:04d}").json() for i in range(6)]
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        with env.session(write=False) as s:
            told = {m.ref_id for m in s.execute(select(Message).where(Message.template == "queue.ahead")).scalars()}
        # After the first call, tickets 2–5 have at most three ahead of them; ticket 6 has four.
        assert {str(t["id"]) for t in tickets[1:5]} <= told and str(tickets[5]["id"]) not in told
        assert tickets[0]["number"]


class TestWindow:
    """Signing in at a window, and who may act there."""

    def test_window_denials(self, client):
        t = issue(client).json()
        clerk1, clerk2 = auth(client, "clerk1"), auth(client, "clerk2")
        # Not signed in.
        r = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk1)
        assert r.status_code == 403 and r.json()["code"] == "not_signed_in"
        # Not one's own window.
        r = client.post(f"/api/v1/windows/{W02}/sign-in", headers=clerk1)
        assert r.status_code == 403 and r.json()["code"] == "not_your_window"
        # Wrong role, anonymous, device.
        problem(client.post(f"/api/v1/windows/{W01}/sign-in", headers=auth(client, "guide1")), 403, "forbidden_role")
        problem(client.post(f"/api/v1/windows/{W01}/sign-in"), 401, "unauthorized")
        problem(client.post(f"/api/v1/windows/{W01}/sign-in", headers=KIOSK), 403, "forbidden_role")
        sign_in(client, clerk1)
        sign_in(client, clerk2, W02)
        called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk1).json()
        assert called["id"] == t["id"]
        # Someone else's ticket.
        r = client.post(f"/api/v1/tickets/{t['id']}/finish", headers=clerk2)
        assert r.status_code == 403 and r.json()["code"] == "not_your_ticket"
        assert client.get(f"/api/v1/tickets/by-token/{t['token']}").json()["status"] == "called"


class TestBoard:
    """Reading the call board."""

    def test_board_denials(self, client):
        problem(client.get(f"/api/v1/halls/{HALL}/board"), 401, "unauthorized")
        problem(client.get(f"/api/v1/halls/{HALL}/board", headers=KIOSK), 403, "forbidden_role")
        _, citizen = register_citizen(client)
        problem(client.get(f"/api/v1/halls/{HALL}/board", headers=citizen), 403, "forbidden_role")
        problem(client.get("/api/v1/halls/H-690123/board", headers=DISPLAY), 403, "out_of_scope")
        assert client.get(f"/api/v1/halls/{HALL}/board", headers=auth(client, "clerk1")).status_code == 200


class TestSkipRequeueTransfer:
    """Skipping, putting back in line once, transferring."""

    def test_skip_requeue_once_and_transfer(self, client):
        clerk1, clerk5 = auth(client, "clerk1"), auth(client, "clerk5")
        sign_in(client, clerk1)
        sign_in(client, clerk5, W05)
        t = issue(client, "GA-001").json()
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk1)
        assert client.post(f"/api/v1/tickets/{t['id']}/skip", headers=clerk1).json()["status"] == "skipped"
        assert client.post(f"/api/v1/tickets/{t['id']}/requeue", headers=clerk1).json()["status"] == "waiting"
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk1)
        client.post(f"/api/v1/tickets/{t['id']}/skip", headers=clerk1)
        r = client.post(f"/api/v1/tickets/{t['id']}/requeue", headers=clerk1)
        assert r.status_code == 422 and r.json()["code"] == "requeue_used"
        # Transfer to a window: only that window calls it.
        u = issue(client, "GA-002").json()
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk1)
        r = client.post(f"/api/v1/tickets/{u['id']}/transfer", json={"window_code": W05}, headers=clerk1)
        assert r.status_code == 200 and r.json()["status"] == "waiting"
        assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk1).status_code == 204
        assert client.post(f"/api/v1/windows/{W05}/call-next", headers=clerk5).json()["id"] == u["id"]
        bad = client.post(f"/api/v1/tickets/{u['id']}/transfer", json={}, headers=clerk5)
        problem(bad, 422, "transfer_target")
