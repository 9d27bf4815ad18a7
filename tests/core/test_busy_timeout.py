"""SQLite: a hot write begun on the event loop never waits for another process's lock (busy timeout 0 at its BEGIN
IMMEDIATE), back-to-back hot writes run no PRAGMA, and every read or off-loop write runs with the normal timeout."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, text

from smarthall.core.db import Database, WriteLockBusy, on_event_loop


def _db(tmp_path: Path) -> tuple[Database, list[str]]:
    database = Database(f"sqlite:///{tmp_path / 'busy.db'}", pool_size=1, lock_timeout_ms=4321)
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v INTEGER)"))
    sent: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda _c, _cur, stmt, *_: sent.append(stmt))
    return database, sent


def _timeout(session) -> int:
    return int(session.execute(text("PRAGMA busy_timeout")).scalar_one())


def test_hot_writes_skip_the_pragma_and_reads_get_the_timeout_back(tmp_path):
    database, sent = _db(tmp_path)
    seen = []
    for _ in range(3):
        with on_event_loop(), database.unit_of_work() as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
            seen.append(_timeout(s))
    assert seen == [0, 0, 0]
    assert sum(stmt.startswith("PRAGMA busy_timeout=") for stmt in sent) == 1  # the first hot write only
    with database.session(write=False) as s:
        assert _timeout(s) == 4321  # a read after hot writes: restored
    sent.clear()
    with database.unit_of_work() as s:  # an off-loop write: the normal timeout, no PRAGMA (already restored)
        s.execute(text("INSERT INTO t VALUES (2)"))
        assert _timeout(s) == 4321
    assert not [stmt for stmt in sent if stmt.startswith("PRAGMA busy_timeout=")]
    with on_event_loop(), database.unit_of_work() as s:
        s.execute(text("INSERT INTO t VALUES (3)"))
    with database.unit_of_work() as s:  # an off-loop write after a hot one waits as long as it should
        assert _timeout(s) == 4321
        s.execute(text("INSERT INTO t VALUES (4)"))
    with database.session(write=False) as s:
        assert s.execute(text("SELECT group_concat(v) FROM t")).scalar_one() == "1,1,1,2,3,4"
    database.dispose()


def test_a_hot_write_meeting_another_processs_lock_is_refused_at_once(tmp_path):
    database, _ = _db(tmp_path)
    with database.session(write=False) as s:
        _timeout(s)  # the pool's one connection exists, at the normal timeout
    other = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        with pytest.raises(WriteLockBusy), on_event_loop(), database.unit_of_work() as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with on_event_loop(), database.unit_of_work() as s:  # the lock is free again: the hot write goes in
        s.execute(text("INSERT INTO t VALUES (5)"))
    with database.session(write=False) as s:
        assert _timeout(s) == 4321 and s.execute(text("SELECT v FROM t")).scalar_one() == 5
    database.dispose()


def test_hot_path_reads_run_without_begin_and_with_the_normal_timeout(tmp_path):
    """A hot path's read (``autocommit_reads``: boards, a ticket's status) sends no BEGIN on SQLite, as on PostgreSQL
    it runs in autocommit; other reads keep their one transaction. After a hot write it waits as long as any read."""
    database, sent = _db(tmp_path)
    with on_event_loop(), database.unit_of_work() as s:
        s.execute(text("INSERT INTO t VALUES (1)"))
    sent.clear()
    with database.session(write=False, autocommit_reads=True) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        assert _timeout(s) == 4321
        s.commit()
    assert "BEGIN" not in sent
    sent.clear()
    with database.session(write=False) as s:
        s.execute(text("SELECT count(*) FROM t")).scalar_one()
    assert sent[:2] == ["BEGIN", "SELECT count(*) FROM t"]
    database.dispose()
