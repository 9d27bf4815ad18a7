"""A write that cannot get its lock in time is shed with a retryable 503 (problem+json, Retry-After), changing
nothing — on PostgreSQL a row another transaction holds, on SQLite a database another process is writing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from smarthall.core.clock import FrozenClock
from tests.conftest import DEFAULT_NOW, _settings, auth, restore_snapshot
from tests.queueing.helpers import W01, issue, sign_in


@pytest.fixture
def impatient(seeded, tmp_path) -> Iterator[TestClient]:
    from smarthall.main import create_app

    app = create_app(_settings(seeded.url, tmp_path, db_lock_timeout_ms=300), clock=FrozenClock(DEFAULT_NOW))
    restore_snapshot(app.state.db.engine, seeded.snapshot)
    with TestClient(app, base_url="http://testserver") as client:
        yield client
    app.state.db.dispose()


def test_a_lock_held_elsewhere_sheds_the_write_with_503(impatient, seeded):
    client = impatient
    ticket = issue(client).json()
    clerk = auth(client, "clerk1")
    sign_in(client, clerk)
    other = create_engine(seeded.url)
    with other.connect() as conn:
        if seeded.backend == "postgresql":
            conn.exec_driver_sql("BEGIN")
            conn.execute(text("SELECT id FROM queue_ticket WHERE id = :id FOR UPDATE"), {"id": ticket["id"]})
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        r = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        conn.exec_driver_sql("ROLLBACK")
    other.dispose()
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "busy" and r.json()["message_zh"] and r.headers["retry-after"]
    assert client.get(f"/api/v1/tickets/by-token/{ticket['token']}").json()["status"] == "waiting"
    # Once the lock is gone the same call goes through.
    called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
    assert called.status_code == 200 and called.json()["id"] == ticket["id"]
