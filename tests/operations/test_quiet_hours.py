"""Quiet times for citizens (§6.3): the public quiet-hours API and the booking page suggesting the quietest free
slots first, from the hall's forecast; nothing shown without history."""

from __future__ import annotations

from tests.factories import DEMO_CITIZEN_ID, assert_problem
from tests.operations.test_plan_api import _history

HALL = "H-690102"
ORIGIN = {"Origin": "http://testserver"}
BOOK = f"/appointments/book?hall_code={HALL}&item_code=GA-006&date=2026-12-01"


def _citizen(client) -> None:
    r = client.post(
        "/login", data={"username": DEMO_CITIZEN_ID, "password": "smarthall-demo", "next": "/"}, headers=ORIGIN
    )
    assert r.status_code in (200, 303)


def test_without_history_nothing_is_suggested(client):
    r = client.get(f"/api/v1/halls/{HALL}/quiet-hours")
    assert r.status_code == 200 and r.json()["quiet_hours"] == []
    _citizen(client)
    page = client.get(BOOK)
    assert page.status_code == 200 and "suggested-slots" not in page.text
    assert_problem(client.get("/api/v1/halls/NOPE/quiet-hours"), 404, "hall_not_found")


def test_quiet_hours_and_booking_suggests_them_first(client, env):
    _history(env)
    r = client.get(f"/api/v1/halls/{HALL}/quiet-hours")
    quiet = r.json()["quiet_hours"]
    assert len(quiet) == 3 and quiet == sorted(quiet, key=lambda q: q["mean"])
    assert all(q["hour"] not in (9, 14) for q in quiet)  # the busy hours of the history are never the quietest
    _citizen(client)
    page = client.get(BOOK)
    assert page.status_code == 200
    assert 'data-testid="suggested-slots"' in page.text and 'data-testid="quiet-hours"' in page.text
    suggested = page.text.split('data-testid="suggested-slots"')[1].split("</div>")[0]
    assert "09:00–" not in suggested and "14:00–" not in suggested


def test_guidance_card_and_kiosk_closed_notice_show_quiet_hours(client, env):
    from tests.conftest import DEFAULT_NOW

    _history(env)
    card = client.get(f"/ask/item/GA-001?hall_code={HALL}")
    assert card.status_code == 200 and 'data-testid="quiet-hours"' in card.text
    assert 'data-testid="quiet-hours"' not in client.get("/ask/item/GA-001").text  # no hall: nothing to forecast
    env.clock.set(DEFAULT_NOW.replace(hour=21))
    closed = client.post(
        f"/kiosk/{HALL}/issue", data={"item_code": "GA-001"}, headers={"X-Device-Key": "demo-kiosk-key"}
    )
    assert closed.status_code == 409 and 'data-testid="kiosk-error"' in closed.text
    assert 'data-testid="quiet-hours"' in closed.text
