"""Found on the demo server (issue 12, item 6): the data directory was 0755 and the SQLite databases (platform and
task queue, with their -wal/-shm files) 0644 — readable by every account on the machine. They are the service
account's alone now: the data directory 0700 (narrowed when it exists), the database files 0600."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from smarthall.core.config import Settings
from smarthall.core.db import Database, private_sqlite_file


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_data_dir_and_the_sqlite_files_are_private(tmp_path):
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # as an operator's mkdir leaves it
    settings = Settings(environment="test", data_dir=data, field_key="x" * 44)
    settings.ensure_dirs()
    assert _mode(data) == 0o700 and _mode(data / "keys") == 0o700

    database = Database(settings.resolved_database_url, pool_size=1)
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('personal')"))
    files = [p for p in data.iterdir() if p.name.startswith("smarthall.db")]
    assert {p.name for p in files} >= {"smarthall.db"}
    assert all(_mode(p) == 0o600 for p in files), {p.name: oct(_mode(p)) for p in files}
    database.engine.dispose()

    # a database left world-readable by an earlier release is narrowed when opened
    os.chmod(data / "smarthall.db", 0o644)
    private_sqlite_file(data / "smarthall.db")
    assert _mode(data / "smarthall.db") == 0o600
    tasks = data / "tasks.db"
    private_sqlite_file(tasks)  # what the huey store gets before SQLite opens it
    assert tasks.exists() and _mode(tasks) == 0o600
