"""PostgreSQL: a pooled connection the server dropped while it sat idle is replaced before use, not failed on."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from smarthall.core import db as core_db


def test_connection_dropped_while_idle_is_replaced(client, env, monkeypatch):
    if env.backend != "postgresql":
        pytest.skip("SQLite connections cannot be dropped by a server")
    assert client.get("/api/v1/halls").status_code == 200  # the pool now holds a connection
    other = create_engine(env.settings.resolved_database_url)
    with other.connect() as conn:
        dropped = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    other.dispose()
    assert dropped >= 1
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE_SECONDS", 0.0)
    r = client.get("/api/v1/halls")
    assert r.status_code == 200, r.text
