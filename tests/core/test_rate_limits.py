"""Abuse limits (issue 12, item 10): 429 + Retry-After per actor, device or address, and the business limits of a
hall (one live remote ticket per citizen per queue, a booking cap per citizen), each a setting, over real HTTP."""

from __future__ import annotations

import os

import pytest

from smarthall.core.ratelimit import Limiter, RedisStore, TooManyRequests
from tests.conftest import DEFAULT_NOW, _settings
from tests.factories import make_rule, register_citizen
from tests.queueing.helpers import HALL, KIOSK, issue, problem

# Uses Redis: on one xdist worker (Redis pub/sub is shared by all its databases).
pytestmark = pytest.mark.xdist_group("redis")


def _app(seeded, tmp_path, **limits):
    from fastapi.testclient import TestClient

    from smarthall.core.clock import FrozenClock
    from smarthall.main import create_app

    # The tests' Monday morning, not the real clock: outside opening hours every ticket would be refused.
    app = create_app(_settings(seeded.url, tmp_path, rate_limits=limits), clock=FrozenClock(DEFAULT_NOW))
    return app, TestClient(app)


def _limited(response) -> int:
    body = problem(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) == body["detail"]["retry_after"] >= 1
    return int(response.headers["Retry-After"])


def test_anonymous_questions_are_limited_per_address_and_the_window_passes(env, client):
    answers = [client.post("/api/v1/consult/ask", json={"question": "社保卡丢了怎么补"}) for _ in range(31)]
    assert [a.status_code for a in answers[:30]] == [200] * 30
    wait = _limited(answers[30])
    env.clock.advance(seconds=wait)
    assert client.post("/api/v1/consult/ask", json={"question": "社保卡丢了怎么补"}).status_code == 200


def test_anonymous_help_requests_are_limited(client):
    body = {"hall_code": HALL, "description": "need help"}
    answers = [client.post("/api/v1/help-requests", json=body).status_code for _ in range(6)]
    assert answers[:5] == [201] * 5 and answers[5] == 429


def test_a_kiosk_burst_is_limited_and_the_limit_is_a_setting(seeded, tmp_path, env):
    app, kiosk_client = _app(seeded, tmp_path, **{"queueing.kiosk_ticket": (3, 60)})
    with kiosk_client:
        answers = [issue(kiosk_client, "GA-001", headers=KIOSK) for _ in range(4)]
        assert [a.status_code for a in answers[:3]] == [201] * 3
        _limited(answers[3])
    app.state.db.dispose()


def test_one_live_remote_ticket_per_citizen_per_queue(env, client):
    _, citizen = register_citizen(client)
    first = issue(client, "GA-001", headers=citizen)
    assert first.status_code == 201
    problem(issue(client, "GA-002", headers=citizen), 409, "remote_ticket_limit")  # same queue (same department)
    assert issue(client, "SC-001", headers=citizen).status_code == 201  # another queue
    with env.db.unit_of_work() as session:
        make_rule(session, key="queue.remote_live_per_citizen", scope_code=HALL, value=2)
    assert issue(client, "GA-002", headers=citizen).status_code == 201  # the hall allows two


def test_remote_tickets_for_one_citizen_are_rate_limited(seeded, tmp_path, env):
    app, c = _app(seeded, tmp_path, **{"queueing.remote_ticket": (2, 3600)})
    with c:
        _, citizen = register_citizen(c)
        with app.state.db.unit_of_work() as session:
            make_rule(session, key="queue.remote_live_per_citizen", scope_code=HALL, value=0)  # 0: no cap
        answers = [issue(c, "GA-001", headers=citizen) for _ in range(3)]
        assert [a.status_code for a in answers[:2]] == [201, 201]
        _limited(answers[2])
    app.state.db.dispose()


def test_a_citizen_holds_at_most_the_booking_cap(env, client):
    from tests.appointment.test_api import ITEM

    with env.db.unit_of_work() as session:
        make_rule(session, key="appointment.max_live_bookings", scope_code=HALL, value=2)
    _, citizen = register_citizen(client)
    days = ["2026-12-01", "2026-12-02", "2026-12-03"]
    codes = []
    for day in days:
        slots = client.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": ITEM, "date": day})
        slot = slots.json()[0]["id"]
        codes.append(client.post("/api/v1/appointments", json={"slot_id": slot, "item_code": ITEM}, headers=citizen))
    assert [r.status_code for r in codes[:2]] == [201, 201]
    problem(codes[2], 409, "too_many_bookings")


def test_a_limit_of_zero_is_off():
    from smarthall.core.ratelimit import MemoryStore

    limiter = Limiter(MemoryStore(), {"x": (0, 60)})
    for _ in range(1000):
        limiter.check("x", "someone", 0.0)


@pytest.mark.skipif(not os.environ.get("SMARTHALL_TEST_REDIS_URL"), reason="needs SMARTHALL_TEST_REDIS_URL")
def test_redis_shares_the_count_between_processes():
    url = os.environ["SMARTHALL_TEST_REDIS_URL"]
    first, second = Limiter(RedisStore(url), {"t": (3, 60)}), Limiter(RedisStore(url), {"t": (3, 60)})
    who = f"test-{os.getpid()}-{id(first)}"
    first.check("t", who, 120.0)
    second.check("t", who, 121.0)
    first.check("t", who, 122.0)
    with pytest.raises(TooManyRequests) as refused:
        second.check("t", who, 123.0)
    assert refused.value.headers["Retry-After"] == "57"
