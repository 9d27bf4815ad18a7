"""A hall's own promised limit of an item (its item override) is the one a case filed there is due by."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.cases.helpers import HALL, li_ming, submit_sc001
from tests.conftest import auth


def test_a_case_is_due_by_the_halls_own_promised_limit(client: Any) -> None:
    citizen = li_ming(client)
    before = submit_sc001(client, citizen)
    admin = auth(client, "admin1")
    r = client.put(f"/api/v1/halls/{HALL}/items/SC-001/override", json={"promised_limit_workdays": 3}, headers=admin)
    assert r.status_code == 200, r.text
    after = submit_sc001(client, citizen)
    # Monday 30 November 2026: 3 working days later is Thursday 3 December; the catalog's own limit is shorter.
    assert date.fromisoformat(after["promised_due_date"]) == date(2026, 12, 3)
    assert after["promised_due_date"] > before["promised_due_date"]
    assert after["legal_due_date"] == before["legal_due_date"]
