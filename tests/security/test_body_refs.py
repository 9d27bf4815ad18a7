"""Attacks the path-parameter sweep (``test_route_sweep``) does not make (issue 12, fresh probe): bodies that name
another hall's objects, exports that leave the caller's part of the tree, and exported cells a spreadsheet would run.
Each test attacks the way the probe of a running demo server found the hole."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl

from tests.conftest import auth
from tests.factories import assert_problem, make_staff

HOME, OTHER = "H-690102", "H-690200"


def _other(env: Any, client: Any, role: str) -> dict[str, str]:
    make_staff(env, username=f"refs-other-{role}", role=role, hall_code=OTHER)
    return auth(client, f"refs-other-{role}")


def test_a_device_cannot_be_placed_in_another_halls_zone_or_window(env: Any, client: Any) -> None:
    """Found: another hall's admin registered a display of its own hall in zone H-690102-Z07 (201); a window pad
    bound to another hall's window would rate that window's services."""
    admin = _other(env, client, "admin")
    body = {"code": f"{OTHER}-PROBE-1", "kind": "display", "name": "探测", "hall_code": OTHER}
    assert_problem(
        client.post("/api/v1/venue/devices", json={**body, "zone_code": f"{HOME}-Z07"}, headers=admin),
        422,
        "zone_not_in_hall",
    )
    pad = {**body, "code": f"{OTHER}-PROBE-2", "kind": "window_pad", "window_code": f"{HOME}-W01"}
    assert_problem(client.post("/api/v1/venue/devices", json=pad, headers=admin), 422, "window_not_in_hall")
    unknown = {**body, "code": f"{OTHER}-PROBE-3", "zone_code": "NO-SUCH-ZONE"}
    assert_problem(client.post("/api/v1/venue/devices", json=unknown, headers=admin), 422, "zone_not_in_hall")
    # this hall's manager still places a device in its own zone and at its own window
    manager = auth(client, "hallmanager1")
    own = {"code": f"{HOME}-PROBE-4", "kind": "window_pad", "name": "评价器", "hall_code": HOME}
    made = client.post(
        "/api/v1/venue/devices", json={**own, "zone_code": f"{HOME}-Z07", "window_code": f"{HOME}-W01"}, headers=manager
    )
    assert made.status_code == 201, made.text


def _home_entry(client: Any) -> None:
    made = client.post(
        "/api/v1/consult/entries",
        headers=auth(client, "hallmanager1"),
        json={"code": "REFS-HOME-1", "title": "@SUM(1+1) 本厅内部口径", "body": '=HYPERLINK("http://evil/","点我")'},
    )
    assert made.status_code == 201, made.text


def test_the_knowledge_base_export_holds_only_the_callers_part_of_the_tree(env: Any, client: Any) -> None:
    """Found: ``GET /consult/export`` gave another hall's manager this hall's entries (in review too)."""
    _home_entry(client)
    for role in ("hall_manager", "admin"):
        headers = _other(env, client, role)
        for fmt in ("json", "csv"):
            exported = client.get("/api/v1/consult/export", params={"format": fmt}, headers=headers)
            assert exported.status_code == 200, exported.text
            assert "REFS-HOME-1" not in exported.text and "本厅内部口径" not in exported.text
        shared = client.get("/api/v1/consult/export", headers=headers).json()["entries"]
        assert shared, "the platform's entries (catalog guides, FAQ) stay shared"
        # nor does an import naming the entry tell whether its content matches ("unchanged"), or change it
        probe = json.dumps([{"code": "REFS-HOME-1", "title": "@SUM(1+1) 本厅内部口径", "body": "猜"}])
        assert_problem(client.post("/api/v1/consult/import", content=probe, headers=headers), 404, "entry_not_found")
    mine = client.get("/api/v1/consult/export", headers=auth(client, "hallmanager1")).json()["entries"]
    assert "REFS-HOME-1" in {e["code"] for e in mine}


def test_exported_cells_never_run_as_formulas(env: Any, client: Any) -> None:
    """Text that starts with = + - @ is a formula to Excel/WPS when a CSV is opened (CSV injection); openpyxl
    writes a string starting with = as a formula cell. Both are stored as text now."""
    _home_entry(client)
    exported = client.get("/api/v1/consult/export", params={"format": "csv"}, headers=auth(client, "hallmanager1"))
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(exported.text))}
    assert rows["REFS-HOME-1"]["title"] == "'@SUM(1+1) 本厅内部口径"
    assert rows["REFS-HOME-1"]["body"] == '\'=HYPERLINK("http://evil/","点我")'

    # a staff member whose (masked) name starts with "=" in the performance ranking, CSV and XLSX
    make_staff(env, username="refs-formula", role="clerk", hall_code=HOME, name="=HYPERLINK")
    manager = auth(client, "hallmanager1")
    params = {"hall_code": HOME, "from": "2026-11-01", "to": "2026-11-30"}
    table = client.get("/api/v1/staff-performance.csv", params=params, headers=manager).text.lstrip("\ufeff")
    names = [r[2] for r in csv.reader(io.StringIO(table))][1:]
    assert names and not [n for n in names if n.startswith(("=", "+", "-", "@"))]
    assert any(n.startswith("'=") for n in names)
    book = client.get("/api/v1/staff-performance.xlsx", params=params, headers=manager)
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    texts = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert texts and all(c.data_type == "s" for c in texts)
