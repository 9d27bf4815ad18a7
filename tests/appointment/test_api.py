"""Appointments through the HTTP API: slots, booking rules, check-in priority, the credit rule, concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from smarthall.appointment.models import Booking, Slot
from smarthall.appointment.tasks import send_reminders, settle_no_shows
from smarthall.core.clock import SHANGHAI
from smarthall.notify.models import Message
from tests.factories import assert_problem, citizen_payload, last_sms_code, register_citizen
from tests.queueing.helpers import HALL, KIOSK, problem

ITEM = "GA-006"  # 出入境: bookable at county halls
TUESDAY = "2026-12-01"


def slots(client, day: str = TUESDAY, item: str = ITEM):
    r = client.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": item, "date": day})
    assert r.status_code == 200, r.text
    return r.json()


def _relogin(client, payload):
    t = client.post("/api/v1/auth/token", data={"username": payload["id_number"], "password": payload["password"]})
    return {"Authorization": f"Bearer {t.json()['access_token']}"}


class TestSlots:
    """Slots generated from opening hours."""

    def test_slots_follow_opening_hours(self, client):
        day = slots(client)
        starts = [datetime.fromisoformat(s["starts_at"]).astimezone(SHANGHAI).strftime("%H:%M") for s in day]
        assert starts == ["08:30", "09:30", "10:30", "11:30", "14:00", "15:00", "16:00", "17:00"]
        assert all(s["remaining"] == s["capacity"] == 6 for s in day)
        assert slots(client, "2026-12-06") == []  # Sunday: closed
        assert slots(client, "2026-12-20") == []  # beyond the 7-day horizon
        r = client.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": "GA-001", "date": TUESDAY})
        assert r.status_code == 422 and r.json()["code"] == "item_not_bookable"


class TestBook:
    """Booking and cancelling: one live booking per item and day, never overbooked."""

    def test_book_cancel_and_one_live_booking_per_day(self, client, env):
        _, citizen = register_citizen(client)
        day = slots(client)
        r = client.post("/api/v1/appointments", json={"slot_id": day[0]["id"], "item_code": ITEM}, headers=citizen)
        assert r.status_code == 201, r.text
        code = r.json()["code"]
        assert r.json()["status"] == "booked" and r.json()["slot_id"] == day[0]["id"]
        again = client.post("/api/v1/appointments", json={"slot_id": day[1]["id"], "item_code": ITEM}, headers=citizen)
        assert again.status_code == 409 and again.json()["code"] == "already_booked"
        assert slots(client)[0]["remaining"] == 5
        mine = client.get("/api/v1/appointments/mine", headers=citizen).json()
        assert [b["code"] for b in mine] == [code]
        resched = client.post(
            f"/api/v1/appointments/{code}/reschedule", json={"slot_id": day[2]["id"]}, headers=citizen
        )
        assert resched.status_code == 200 and resched.json()["slot_id"] == day[2]["id"]
        assert slots(client)[0]["remaining"] == 6 and slots(client)[2]["remaining"] == 5
        assert client.delete(f"/api/v1/appointments/{code}", headers=citizen).json()["status"] == "cancelled"
        assert slots(client)[2]["remaining"] == 6
        problem(client.delete(f"/api/v1/appointments/{code}", headers=citizen), 409, "booking_state")
        with env.session(write=False) as s:
            templates = [m.template for m in s.execute(select(Message)).scalars()]
        assert "appointment.confirmed" in templates and "appointment.cancelled" in templates

    def test_booking_denials_and_bad_input(self, client):
        day = slots(client)
        body = {"slot_id": day[0]["id"], "item_code": ITEM}
        problem(client.post("/api/v1/appointments", json=body), 401, "unauthorized")
        problem(client.post("/api/v1/appointments", json=body, headers=KIOSK), 403, "forbidden_role")
        _, citizen = register_citizen(client)
        _, other = register_citizen(client)
        assert_problem(
            client.post("/api/v1/appointments", json={"slot_id": 999999, "item_code": ITEM}, headers=citizen),
            404,
            "slot_not_found",
        )
        assert (
            client.post(
                "/api/v1/appointments", json={"slot_id": day[0]["id"], "item_code": "GA-001"}, headers=citizen
            ).status_code
            == 422
        )
        code = client.post("/api/v1/appointments", json=body, headers=citizen).json()["code"]
        problem(client.delete(f"/api/v1/appointments/{code}", headers=other), 403, "not_your_booking")
        # A slot in the past (today 08:30, now 09:30).
        today = slots(client, "2026-11-30")
        r = client.post("/api/v1/appointments", json={"slot_id": today[0]["id"], "item_code": ITEM}, headers=other)
        assert r.status_code == 409 and r.json()["code"] == "slot_closed"

    def test_n_plus_k_concurrent_bookings_give_exactly_n(self, live_server, env):
        with httpx.Client(base_url=live_server, timeout=60) as c:
            slot = c.get(
                "/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": ITEM, "date": TUESDAY}
            ).json()[3]
            tokens = []
            for _ in range(6 + 10):
                payload = citizen_payload()
                assert c.post("/api/v1/citizens/phone-codes", json={"phone": payload["phone"]}).status_code == 202
                payload["phone_code"] = last_sms_code(env.db, payload["phone"])
                assert c.post("/api/v1/citizens", json=payload).status_code == 201
                t = c.post(
                    "/api/v1/auth/token", data={"username": payload["id_number"], "password": payload["password"]}
                )
                tokens.append({"Authorization": f"Bearer {t.json()['access_token']}"})

        def one(headers: dict[str, str]) -> int:
            return httpx.post(
                f"{live_server}/api/v1/appointments",
                json={"slot_id": slot["id"], "item_code": ITEM},
                headers=headers,
                timeout=60,
            ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            codes = list(pool.map(one, tokens))
        assert codes.count(201) == 6 and codes.count(409) == 10, codes
        with env.session(write=False) as s:
            row = s.get(Slot, slot["id"])
            assert row.booked == 6
            assert len(s.execute(select(Booking).where(Booking.slot_id == slot["id"])).all()) == 6


class TestCheckIn:
    """Checking in at the kiosk: on time gives a priority ticket."""

    def test_check_in_gives_priority_ticket_once(self, client, env):
        _, citizen = register_citizen(client)
        today = slots(client, "2026-11-30")
        ten_thirty = next(s for s in today if s["starts_at"].endswith("02:30:00Z") or "T02:30" in s["starts_at"])
        code = client.post(
            "/api/v1/appointments", json={"slot_id": ten_thirty["id"], "item_code": ITEM}, headers=citizen
        ).json()["code"]
        env.clock.set(datetime(2026, 11, 30, 10, 20, tzinfo=SHANGHAI))
        r = client.post("/api/v1/tickets", json={"hall_code": HALL, "appointment_code": code}, headers=KIOSK)
        assert r.status_code == 201, r.text
        assert r.json()["priority"] is True and r.json()["item_code"] == ITEM
        again = client.post("/api/v1/tickets", json={"hall_code": HALL, "appointment_code": code}, headers=KIOSK)
        problem(again, 409, "booking_state")
        mine = client.get("/api/v1/appointments/mine", headers=citizen).json()
        assert mine[0]["status"] == "checked_in" and mine[0]["ticket_id"] == r.json()["id"]

    def test_late_check_in_loses_priority(self, client, env):
        _, citizen = register_citizen(client)
        today = slots(client, "2026-11-30")
        code = client.post(
            "/api/v1/appointments", json={"slot_id": today[1 + 1]["id"], "item_code": ITEM}, headers=citizen
        ).json()["code"]
        start = datetime.fromisoformat(today[2]["starts_at"])
        env.clock.set(start + timedelta(minutes=16))
        r = client.post("/api/v1/tickets", json={"hall_code": HALL, "appointment_code": code}, headers=KIOSK)
        assert r.status_code == 201 and r.json()["priority"] is False

    def test_late_check_in_after_the_no_show_job_gives_an_ordinary_ticket_and_no_no_show(self, client, env):
        """Issue 16 §12: the no-show job ran after the grace period; the citizen then arrives. Before: 409 and a
        no-show on their record. Now: an ordinary ticket, the booking checked in, the no-show not counted."""
        _, citizen = register_citizen(client)
        today = slots(client, "2026-11-30")
        code = client.post(
            "/api/v1/appointments", json={"slot_id": today[2]["id"], "item_code": ITEM}, headers=citizen
        ).json()["code"]
        start = datetime.fromisoformat(today[2]["starts_at"])
        env.clock.set(start + timedelta(minutes=40))
        assert settle_no_shows() == 1
        r = client.post("/api/v1/tickets", json={"hall_code": HALL, "appointment_code": code}, headers=KIOSK)
        assert r.status_code == 201, r.text
        assert r.json()["priority"] is False and r.json()["item_code"] == ITEM
        mine = client.get("/api/v1/appointments/mine", headers=citizen).json()
        assert mine[0]["status"] == "checked_in" and mine[0]["ticket_id"] == r.json()["id"]
        assert settle_no_shows() == 0
        with env.session(write=False) as s:
            booking = s.execute(select(Booking).where(Booking.code == code)).scalar_one()
            assert booking.no_show_at is None and booking.checked_in_at is not None
        again = client.post("/api/v1/tickets", json={"hall_code": HALL, "appointment_code": code}, headers=KIOSK)
        problem(again, 409, "booking_state")  # one ticket per booking still

    def test_a_lifted_no_show_lifts_the_block_it_set(self, client, env):
        """Two no-shows block booking; when the citizen turns up late on the second day the block it set is lifted
        (one no-show left: a warning, no block)."""
        payload, citizen = register_citizen(client)
        first = slots(client, "2026-11-30")[2]
        r = client.post("/api/v1/appointments", json={"slot_id": first["id"], "item_code": ITEM}, headers=citizen)
        assert r.status_code == 201, r.text
        second = slots(client, "2026-12-01")[2]
        code = client.post(
            "/api/v1/appointments", json={"slot_id": second["id"], "item_code": ITEM}, headers=citizen
        ).json()["code"]
        env.clock.set(datetime.fromisoformat(second["starts_at"]) + timedelta(minutes=40))
        assert settle_no_shows() == 2
        citizen = _relogin(client, payload)
        later = slots(client, "2026-12-03")[0]
        blocked = client.post("/api/v1/appointments", json={"slot_id": later["id"], "item_code": ITEM}, headers=citizen)
        assert blocked.status_code == 422 and blocked.json()["code"] == "credit_blocked"
        r = client.post("/api/v1/tickets", json={"hall_code": HALL, "appointment_code": code}, headers=KIOSK)
        assert r.status_code == 201 and r.json()["priority"] is False
        ok = client.post("/api/v1/appointments", json={"slot_id": later["id"], "item_code": ITEM}, headers=citizen)
        assert ok.status_code == 201, ok.text


class TestCreditRule:
    """The credit rule: no-shows and cancellations block booking."""

    def test_credit_rule_blocks_after_two_no_shows(self, client, env):
        payload, citizen = register_citizen(client)
        for day in ("2026-11-30", "2026-12-01"):
            slot = slots(client, day)[-1]
            r = client.post("/api/v1/appointments", json={"slot_id": slot["id"], "item_code": ITEM}, headers=citizen)
            assert r.status_code == 201, r.text
        # Two days later both were missed; the next booking attempt marks them and the credit rule blocks.
        env.clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=SHANGHAI))
        citizen = _relogin(client, payload)
        slot = slots(client, "2026-12-03")[0]
        r = client.post("/api/v1/appointments", json={"slot_id": slot["id"], "item_code": ITEM}, headers=citizen)
        assert r.status_code == 422 and r.json()["code"] == "credit_blocked"
        with env.session(write=False) as s:
            templates = [m.template for m in s.execute(select(Message)).scalars()]
            statuses = [b.status for b in s.execute(select(Booking)).scalars()]
        assert "appointment.noshow_warning" in templates and "appointment.blocked" in templates
        assert statuses.count("no_show") == 2
        # 31 days on, booking is allowed again.
        env.clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=SHANGHAI))
        citizen = _relogin(client, payload)
        slot = slots(client, "2027-01-05")[0]
        assert (
            client.post(
                "/api/v1/appointments", json={"slot_id": slot["id"], "item_code": ITEM}, headers=citizen
            ).status_code
            == 201
        )

    def test_credit_rule_blocks_after_five_cancellations(self, client):
        _, citizen = register_citizen(client)
        day = slots(client)
        for i in range(5):
            r = client.post("/api/v1/appointments", json={"slot_id": day[i]["id"], "item_code": ITEM}, headers=citizen)
            assert r.status_code == 201, r.text
            assert client.delete(f"/api/v1/appointments/{r.json()['code']}", headers=citizen).status_code == 200
        r = client.post("/api/v1/appointments", json={"slot_id": day[6]["id"], "item_code": ITEM}, headers=citizen)
        assert r.status_code == 422 and r.json()["code"] == "credit_blocked"


class TestJobs:
    """The periodic jobs."""

    def test_periodic_jobs_settle_no_shows_and_remind(self, client, env):
        _, citizen = register_citizen(client)
        slot = slots(client)[0]
        code = client.post(
            "/api/v1/appointments", json={"slot_id": slot["id"], "item_code": ITEM}, headers=citizen
        ).json()["code"]
        assert send_reminders() == 1  # tomorrow 08:30 is within 24 hours
        assert send_reminders() == 0
        env.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
        assert settle_no_shows() == 1
        with env.session(write=False) as s:
            booking = s.execute(select(Booking).where(Booking.code == code)).scalar_one()
            templates = [m.template for m in s.execute(select(Message)).scalars()]
        assert booking.status == "no_show" and "appointment.noshow_warning" in templates
        assert "appointment.reminder" in templates
