"""The errand (一件一码) through the HTTP API: one code from the booking to the rating, every record linked, each view
in scope; a case names only its own person's errand (or is refused whole)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from smarthall.catalog.models import Item
from smarthall.core.clock import SHANGHAI
from tests.cases.helpers import li_ming, prefilled
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, assert_problem, make_staff, register_citizen
from tests.queueing.helpers import HALL, KIOSK, W01, problem, sign_in

ITEM = "SC-003"  # instantly approved and delivered: the thread runs to its archive at once


def _bookable(env) -> None:
    """SC-003 made bookable (in the demo catalog no instantly approved item is)."""
    with env.db.unit_of_work() as session:
        session.execute(update(Item).where(Item.code == ITEM).values(appointment=True))


def _book(client, headers) -> str:
    day = client.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": ITEM, "date": "2026-11-30"})
    assert day.status_code == 200, day.text
    slot = next(s for s in day.json() if "T02:30" in s["starts_at"])  # 10:30 local
    booked = client.post("/api/v1/appointments", json={"slot_id": slot["id"], "item_code": ITEM}, headers=headers)
    assert booked.status_code == 201, booked.text
    return str(booked.json()["code"])


def _file(client, headers, form_of=None, **extra):
    form, materials = prefilled(client, form_of or headers, ITEM)
    form.setdefault("cancel_reason", "停止经营")
    mats = [{"material_code": m["code"], "licence_id": m["held_licence_id"]} for m in materials if m["held_licence_id"]]
    if form_of is not None:
        mats = []  # the licences are the form owner's
    body = {"item_code": ITEM, "hall_code": HALL, "form": form, "materials": mats, **extra}
    return client.post("/api/v1/cases", headers=headers, json=body)


def test_one_code_from_booking_to_rating(env, client):
    _bookable(env)
    citizen = li_ming(client)
    booking = _book(client, citizen)
    mine = client.get("/api/v1/errands", headers=citizen).json()
    assert len(mine) == 1 and mine[0]["kinds"] == ["booking"] and mine[0]["item_code"] == ITEM
    code = mine[0]["code"]

    env.clock.set(datetime(2026, 11, 30, 10, 20, tzinfo=SHANGHAI))
    ticket = client.post("/api/v1/tickets", json={"hall_code": HALL, "appointment_code": booking}, headers=KIOSK)
    assert ticket.status_code == 201, ticket.text
    ticket_id = ticket.json()["id"]

    clerk = auth(client, "clerk1")
    sign_in(client, clerk, W01)
    called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
    assert called.status_code == 200 and called.json()["id"] == ticket_id, called.text
    at_window = client.get(f"/api/v1/tickets/{ticket_id}/errands", headers=clerk)
    assert at_window.status_code == 200, at_window.text
    assert [(e["code"], e["next"], e["this_ticket"]) for e in at_window.json()] == [(code, "start", True)]

    filed = _file(client, citizen, errand_code=code)
    assert filed.status_code == 201, filed.text
    case_no = filed.json()["case_no"]
    assert client.post(f"/api/v1/tickets/{ticket_id}/finish", headers=clerk).status_code == 200
    rated = client.post(
        "/api/v1/evaluations",
        headers=citizen,
        json={"case_no": case_no, "level": 5, "channel": "web", "indicators": {"overall": 5, "convenience": 5}},
    )
    assert rated.status_code == 201, rated.text

    errand = client.get(f"/api/v1/errands/{code}", headers=citizen)
    assert errand.status_code == 200, errand.text
    body = errand.json()
    steps = [s["step"] for s in body["steps"]]
    for step in ("booking", "ticket", "called", "case", "result", "delivery", "archive", "rating"):
        assert step in steps, steps
    assert steps.index("booking") < steps.index("ticket") < steps.index("case") < steps.index("result")
    assert body["case_no"] == case_no and body["case_status"] == "delivered" and body["status"] == "archived"
    assert next(s for s in body["steps"] if s["step"] == "case")["href"] == f"/cases/{case_no}"

    # Staff of the hall see it with the archive link; the delivered case is no longer open at the window.
    staff_view = client.get(f"/api/v1/errands/{code}", headers=auth(client, "hallmanager1")).json()
    assert next(s for s in staff_view["steps"] if s["step"] == "archive")["href"] == f"/archive/{case_no}"
    assert client.get(f"/api/v1/tickets/{ticket_id}/errands", headers=clerk).json() == []


def test_errand_is_seen_only_in_scope(env, client):
    _bookable(env)
    citizen = li_ming(client)
    _book(client, citizen)
    code = client.get("/api/v1/errands", headers=citizen).json()[0]["code"]
    _, other = register_citizen(client)
    problem(client.get(f"/api/v1/errands/{code}", headers=other), 404, "errand_not_found")
    assert client.get("/api/v1/errands", headers=other).json() == []
    make_staff(env, username="farclerk", role="clerk", hall_code="H-690200")
    problem(client.get(f"/api/v1/errands/{code}", headers=auth(client, "farclerk")), 404, "errand_not_found")
    problem(client.get(f"/api/v1/errands/{code}", headers=auth(client, "guide1")), 403, "errand_forbidden")
    assert client.get(f"/api/v1/errands/{code}", headers=auth(client, "clerk1")).status_code == 200
    assert_problem(client.get(f"/api/v1/errands/{code}"), 401, "unauthorized")


def test_a_case_naming_another_persons_errand_is_refused_whole(env, client):
    _, other = register_citizen(client)
    _bookable(env)
    citizen = li_ming(client)
    _book(client, citizen)
    code = client.get("/api/v1/errands", headers=citizen).json()[0]["code"]
    # a stranger's case cannot join Li Ming's errand, and nothing of it is left behind
    refused = _file(client, other, form_of=citizen, errand_code=code)
    problem(refused, 422, "errand_mismatch")
    assert client.get("/api/v1/cases", headers=other).json() == []
    assert client.get("/api/v1/errands", headers=other).json() == []
    problem(_file(client, citizen, errand_code="YJ2026000000000000"), 422, "errand_mismatch")


def test_a_walk_in_ticket_and_the_counter_case_share_one_errand(env, client):
    kiosk_ticket = client.post(
        "/api/v1/tickets", json={"hall_code": HALL, "item_code": ITEM, "id_number": DEMO_CITIZEN_ID}, headers=KIOSK
    )
    assert kiosk_ticket.status_code == 201, kiosk_ticket.text
    clerk = auth(client, "clerk1")
    sign_in(client, clerk, W01)
    assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).status_code == 200
    rows = client.get(f"/api/v1/tickets/{kiosk_ticket.json()['id']}/errands", headers=clerk).json()
    assert len(rows) == 1 and rows[0]["next"] == "start"
    citizen = li_ming(client)
    form, materials = prefilled(client, citizen, ITEM)
    form.setdefault("cancel_reason", "停止经营")
    mats = [{"material_code": m["code"], "licence_id": m["held_licence_id"]} for m in materials if m["held_licence_id"]]
    body = {"item_code": ITEM, "hall_code": HALL, "form": form, "materials": mats,
            "applicant_id_number": DEMO_CITIZEN_ID, "errand_code": rows[0]["code"]}  # fmt: skip
    counter = client.post("/api/v1/cases", headers=clerk, json=body)
    assert counter.status_code == 201, counter.text
    errand = client.get(f"/api/v1/errands/{rows[0]['code']}", headers=citizen).json()
    assert errand["case_no"] == counter.json()["case_no"]
    assert {"ticket", "case"} <= {s["step"] for s in errand["steps"]}


def test_an_anonymous_kiosk_ticket_opens_its_own_errand(env, client):
    """A walk-in without an ID number still gets its errand code (written without the ORM on the issue path): one
    row per ticket with every column filled, seen by staff of the hall with the ticket as its first step."""
    from sqlalchemy import select

    from smarthall.errands.models import Errand, ErrandLink

    tickets = [
        client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": ITEM}, headers=KIOSK) for _ in range(2)
    ]
    assert all(t.status_code == 201 for t in tickets), tickets[0].text
    with env.db.unit_of_work() as session:
        rows = session.execute(
            select(Errand, ErrandLink).join(ErrandLink).where(ErrandLink.kind == "ticket").order_by(ErrandLink.id)
        ).all()
    assert [link.ref for _, link in rows] == [str(t.json()["id"]) for t in tickets]
    codes = {errand.code for errand, _ in rows}
    assert len(codes) == 2  # one errand each: an anonymous ticket joins no other
    for (errand, link), ticket in zip(rows, tickets, strict=True):
        assert errand.code.startswith("YJ20261130") and len(errand.code) == 18
        assert (errand.hall_code, errand.item_code, errand.status) == (HALL, ITEM, "open")
        assert errand.region_path and errand.created_at is not None and errand.updated_at is not None
        assert errand.citizen_id is None and errand.subject_index is None
        assert link.detail == {"number": ticket.json()["number"]} and link.at == errand.opened_at
    manager = auth(client, "clerk1")
    listed = client.get("/api/v1/errands", headers=manager).json()
    assert codes <= {e["code"] for e in listed}
    one = client.get(f"/api/v1/errands/{rows[0][0].code}", headers=manager)
    assert one.status_code == 200, one.text
    assert [s["step"] for s in one.json()["steps"]] == ["ticket"]
    assert one.json()["steps"][0]["ref"] == tickets[0].json()["number"]
