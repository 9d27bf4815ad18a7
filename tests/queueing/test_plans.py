"""The hot statements of the live hall are answered from their own partial index, with no sort and no scan of the
day, whatever the table's statistics say: here the tables have none worth the name (a few rows, never analysed on
PostgreSQL), which is also how a busy morning looks to a planner whose statistics are from last night. On
PostgreSQL the generic plan (what a prepared statement runs after five executions) is checked as well, and
sequential scans are ruled out: on a table of a few rows one is the right plan, and a server whose autovacuum has
analysed the test tables would choose it, but the question here is which index serves once the day is long."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from smarthall.queueing import repository
from smarthall.queueing.models import status_is

DAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def _cases(backend: str) -> dict[str, tuple[Any, dict[str, Any], set[str]]]:
    line = {"ix_queue_ticket_waiting", "ix_queue_ticket_targeted"}
    return {
        "call-next, comprehensive window": (repository._CANDIDATES[True], {"h": 1, "d": DAY, "lim": 8, "w": "W"}, line),
        "call-next, specialised window": (
            repository._CANDIDATES[False],
            {"h": 1, "d": DAY, "lim": 8, "w": "W", "items": ["GA-001", "SC-001"]},
            line,
        ),
        # call-next as it runs: the candidates and, as one more row, the window's session with whether it is busy
        # (the window's called ticket: through the window's index, or the planner may take the called tickets' one)
        "call-next with its session, comprehensive window": (
            repository._SESSION_AND_CANDIDATES[True],
            {"h": 1, "d": DAY, "lim": 8, "w": "W"},
            line | {"ix_queue_ticket_window"},
        ),
        "call-next with its session, specialised window": (
            repository._SESSION_AND_CANDIDATES[False],
            {"h": 1, "d": DAY, "lim": 8, "w": "W", "items": ["GA-001", "SC-001"]},
            line | {"ix_queue_ticket_window"},
        ),
        "board state": (repository._HALL_STATE, {"hall_id": 1, "day": DAY, "now": NOW}, {"ix_queue_ticket_serving"}),
        "board calls": (
            repository._RECENT_CALLS,
            {"hall_id": 1, "day": DAY, "windows": ["W1", "W2"]},
            {"ix_queue_ticket_calls"},
        ),
        "replay line": (
            repository._WAITING[backend],
            {"hall_id": 1, "day": DAY, "now": NOW},
            {"ix_queue_ticket_waiting"},
        ),
        "service times": (repository._FINISHED, {"hall_id": 1, "day": DAY}, {"ix_queue_ticket_done"}),
        "serving": (repository._SERVING, {"hall_id": 1, "day": DAY}, {"ix_queue_ticket_serving"}),
        # a citizen's status by ticket number: the hall-day's number, not a scan of the hall's days (issue 13 scale)
        "status by number": (repository._BY_NUMBER, {"h": 1, "d": DAY, "number": "A001"}, {"ix_queue_ticket_number"}),
    }


def _sqlite_plan(conn: Any, stmt: Any, params: dict[str, Any]) -> str:
    state = stmt.compile(dialect=conn.dialect).construct_expanded_state(params)
    args = tuple(state.parameters[k] for k in state.positiontup)
    return "\n".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + state.statement, args))


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _postgresql_plan(conn: Any, stmt: Any, params: dict[str, Any], name: str) -> str:
    state = stmt.compile(dialect=conn.dialect).construct_expanded_state(params)
    names: list[str] = []

    def positional(m: re.Match[str]) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    conn.exec_driver_sql(f"PREPARE {name} AS " + re.sub(r"%\((\w+)\)s", positional, state.statement))
    args = ", ".join(_literal(state.parameters[n]) for n in names)
    plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN (COSTS OFF) EXECUTE {name}({args})"))
    conn.exec_driver_sql(f"DEALLOCATE {name}")
    return plan


def test_hot_statements_use_their_partial_indexes(env):
    with env.db.engine.connect() as conn:
        modes = ["force_custom_plan", "force_generic_plan"] if env.backend == "postgresql" else [None]
        for mode in modes:
            if mode:
                conn.exec_driver_sql(f"SET plan_cache_mode = {mode}")
                conn.exec_driver_sql("SET enable_seqscan = off")
            for n, (label, (stmt, params, expected)) in enumerate(_cases(env.backend).items()):
                if env.backend == "postgresql":
                    plan = _postgresql_plan(conn, stmt, params, f"hot_{n}")
                    used = set(re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+) on queue_ticket", plan))
                    assert "Sort" not in plan and "Seq Scan on queue_ticket" not in plan, (mode, label, plan)
                else:
                    plan = _sqlite_plan(conn, stmt, params)
                    used = set(re.findall(r"SEARCH queue_ticket USING (?:COVERING )?INDEX (\w+)", plan))
                    assert "TEMP B-TREE" not in plan and "SCAN queue_ticket" not in plan, (label, plan)
                busy = {"ix_queue_ticket_window", "ix_queue_ticket_serving"}
                if "ix_queue_ticket_window" in expected:  # either index finds the window's called ticket
                    assert used - busy == expected - busy and len(used & busy) == 1, (mode, label, plan)
                else:
                    assert used == expected, (mode, label, plan)
        conn.rollback()


def test_status_is_accepts_only_known_statuses():
    assert "'waiting'" in str(status_is("waiting"))
    with pytest.raises(ValueError):
        status_is("waiting' OR '1'='1")
