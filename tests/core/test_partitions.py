"""Monthly partitions of the case events on PostgreSQL (issue 18 item 6): the migration makes ``cases_event`` a
range-partitioned table, a case submitted through the API writes its events into the month's partition,
``smarthall db partitions`` makes the coming months (moving rows that waited in the default partition), and
retention drops whole months. On SQLite everything is a no-op and the table is a plain one."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from smarthall.core import partitions
from tests.cases.helpers import li_ming, sc003


def _rows(env: Any, sql: str, **args: Any) -> list[Any]:
    with env.db.engine.connect() as conn:
        return list(conn.execute(text(sql), args))


def _names(env: Any) -> list[str]:
    with env.db.engine.connect() as conn:
        return partitions.partitions_of(conn, "cases_event")


def test_case_events_land_in_the_month_partition(client, env):
    citizen = li_ming(client)
    case_no = sc003(client, citizen)["case_no"]
    with env.db.engine.connect() as conn:
        names = partitions.partitions_of(conn, "cases_event")
    if env.backend != "postgresql":
        assert names == []
        return
    assert "cases_event_default" in names and "cases_event_y2026m11" in names
    # tableoid names the partition a row is stored in; the frozen clock says 2026-11-30
    stored = _rows(
        env,
        "SELECT DISTINCT e.tableoid::regclass::text FROM cases_event e JOIN cases_case c ON c.id = e.case_id "
        "WHERE c.case_no = :no",
        no=case_no,
    )
    assert [row[0] for row in stored] == ["cases_event_y2026m11"]
    key = _rows(
        env,
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = 'cases_event'::regclass AND i.indisprimary ORDER BY a.attname",
    )
    assert [row[0] for row in key] == ["at", "id"]
    # the case page still reads its history through the partitioned table
    history = client.get(f"/api/v1/cases/{case_no}", headers=citizen)
    assert history.status_code == 200, history.text


def test_the_command_makes_coming_months_and_moves_waiting_rows_and_retention_drops_old_months(
    client, env, monkeypatch
):
    sc003(client, li_ming(client))
    if env.backend != "postgresql":
        with env.db.engine.begin() as conn:
            assert partitions.ensure_months(conn, today=date(2026, 12, 1)) == []
        return
    far = date(2031, 5, 1)
    with env.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases_event (case_id, at, action, from_status, to_status, actor_kind, actor_ref, note, "
                "detail) SELECT case_id, '2031-05-10 08:00:00+00', action, from_status, to_status, actor_kind, "
                "actor_ref, note, detail FROM cases_event ORDER BY id DESC LIMIT 1"
            )
        )
    assert _rows(env, "SELECT count(*) FROM cases_event_default")[0][0] == 1  # no 2031 partition yet: default

    from smarthall.cli import app

    monkeypatch.setenv("SMARTHALL_DATABASE_URL", env.settings.database_url)
    monkeypatch.setenv("SMARTHALL_FIELD_KEY", str(env.settings.field_key))
    monkeypatch.setenv("SMARTHALL_DATA_DIR", str(env.settings.data_dir))
    result = CliRunner().invoke(app, ["db", "partitions", "--ahead", "1"])
    assert result.exit_code == 0, result.output
    assert "partitions made" in result.output
    with env.db.engine.begin() as conn:
        made = partitions.ensure_months(conn, today=far, ahead=0)
        assert made == ["cases_event_y2031m05"]
        assert partitions.ensure_months(conn, today=far, ahead=0) == []  # once only
    moved = _rows(env, "SELECT tableoid::regclass::text FROM cases_event WHERE at >= '2031-01-01'")
    assert [row[0] for row in moved] == ["cases_event_y2031m05"]
    assert _rows(env, "SELECT count(*) FROM cases_event_default")[0][0] == 0
    with env.db.engine.begin() as conn:
        partitions.ensure_month(conn, "cases_event", "at", date(2025, 6, 1))
    bad = CliRunner().invoke(app, ["db", "partitions", "--drop-before", "2026-13"])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
    assert "cases_event_y2025m06" in _names(env)
    retained = CliRunner().invoke(app, ["db", "partitions", "--drop-before", "2026-01"])
    assert retained.exit_code == 0, retained.output
    assert "cases_event_y2025m06" in retained.output
    names = _names(env)
    assert (
        not [n for n in names if "_y2025" in n] and "cases_event_y2026m01" in names and "cases_event_default" in names
    )
    with env.db.engine.connect() as conn, pytest.raises(ValueError):
        partitions.drop_months_before(conn, "queue_ticket", date(2026, 1, 1))
