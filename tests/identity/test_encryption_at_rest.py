"""Personal data never reaches the database in clear: grep the SQLite file (and its WAL), and a PostgreSQL dump."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.factories import register_citizen


def _database_bytes(env) -> bytes:
    url = make_url(env.settings.resolved_database_url)
    if env.backend == "sqlite":
        env.db.engine.dispose()
        data = b""
        for suffix in ("", "-wal"):
            path = Path(f"{url.database}{suffix}")
            if path.exists():
                data += path.read_bytes()
        return data
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump is needed for this test (Debian postgresql-client, installed by `make deps`)")
    result = subprocess.run(
        [
            pg_dump,
            "--data-only",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database or "test",
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return result.stdout


def test_no_id_number_phone_or_name_in_clear(env, client):
    people = [register_citizen(client, name=name)[0] for name in ("欧阳明月", "司马青衫", "诸葛长风")]
    raw = _database_bytes(env)
    assert len(raw) > 10_000
    for person in people:
        for secret in (person["id_number"], person["phone"], person["name"]):
            assert secret.encode() not in raw, f"{secret} found in clear"
            assert secret.encode("utf-16-le") not in raw
    # The demo citizen and staff names are sealed as well.
    for secret in ("690102199003071232", "13800138000", "周敏华"):
        assert secret.encode() not in raw
