"""The queue's and the appointments' rules are the hall's rule settings: an override set for the demo hall through
the rules API changes what the live hall does, and the platform default holds where no override is set."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from smarthall.notify.models import Message
from tests.conftest import auth
from tests.factories import make_id_number, register_citizen
from tests.queueing.helpers import HALL, W01, issue, problem, sign_in

STATION = "H-690102001"  # a township station beneath the demo county (the county hall's own override skips it)
ITEM = "GA-006"  # bookable at the county hall
TUESDAY = "2026-12-01"


def _override(client: Any, key: str, value: Any, scope: str = HALL) -> None:
    r = client.put(
        f"/api/v1/rules/{key}",
        json={"scope_code": scope, "value": value, "note": "test"},
        headers=auth(client, "admin1"),
    )
    assert r.status_code == 200, r.text


def _slots(client: Any, day: str = TUESDAY) -> list[dict[str, Any]]:
    r = client.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": ITEM, "date": day})
    assert r.status_code == 200, r.text
    return list(r.json())


class TestQueueRules:
    def test_priority_age(self, client):
        fifty_five = make_id_number(born=date(1971, 5, 1))
        assert issue(client, id_number=fifty_five).json()["priority"] is False  # platform default: 60
        _override(client, "queue.priority_age", 55)
        assert issue(client, id_number=make_id_number(born=date(1971, 5, 1))).json()["priority"] is True

    def test_starvation_guard_streak(self, client):
        _override(client, "queue.max_priority_streak", 1)
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        ordinary = issue(client).json()
        prios = [issue(client, declared="pregnant").json() for _ in range(2)]
        order = []
        for _ in range(3):
            called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()
            order.append(called["id"])
            client.post(f"/api/v1/tickets/{called['id']}/finish", headers=clerk)
        # One priority call, then the ordinary ticket's turn (the default of 3 would call both priority first).
        assert order == [prios[0]["id"], ordinary["id"], prios[1]["id"]]

    def test_quiet_calling_distance(self, client, env):
        _override(client, "queue.quiet_call_ahead", 1)
        tickets = [issue(client, phone=f"1391234{i:04d}").json() for i in range(4)]
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        with env.session(write=False) as s:
            told = {m.ref_id for m in s.execute(select(Message).where(Message.template == "queue.ahead")).scalars()}
        # One window, the first ticket called: the second has none ahead, the third one (told); the fourth two.
        assert str(tickets[2]["id"]) in told and str(tickets[3]["id"]) not in told


class TestAppointmentRules:
    def test_slot_capacity_and_length(self, client):
        assert {s["capacity"] for s in _slots(client)} == {6}
        _override(client, "appointment.slot_capacity", 2)
        _override(client, "appointment.slot_minutes", 30)
        day = _slots(client, "2026-12-02")  # generated after the override
        assert {s["capacity"] for s in day} == {2}
        assert len(day) > len(_slots(client))  # half-hour slots: more of them than the hourly ones

    def test_horizon(self, client):
        assert _slots(client, "2026-12-04")
        _override(client, "appointment.horizon_days", 2)
        assert _slots(client, "2026-12-04") == [] and _slots(client, "2026-12-02")

    def test_credit_rule_cancellations(self, client):
        _override(client, "appointment.credit_max_cancellations", 1)
        _, citizen = register_citizen(client)
        day = _slots(client)
        booked = client.post("/api/v1/appointments", json={"slot_id": day[0]["id"], "item_code": ITEM}, headers=citizen)
        assert client.delete(f"/api/v1/appointments/{booked.json()['code']}", headers=citizen).status_code == 200
        again = client.post("/api/v1/appointments", json={"slot_id": day[1]["id"], "item_code": ITEM}, headers=citizen)
        problem(again, 422, "credit_blocked")

    def test_an_override_for_one_hall_leaves_others_at_their_own_values(self, client, env):
        _override(client, "appointment.horizon_days", 2)
        from smarthall.appointment import service as appt_service
        from smarthall.org import service as org_service

        with env.session(write=False) as session:
            here, _ = appt_service.rules(session, org_service.hall_facts(session, HALL))
            station, _ = appt_service.rules(session, org_service.hall_facts(session, STATION))
        assert (here.horizon_days, station.horizon_days) == (2, 7)
