"""Prefill from earlier cases (issue 15 item 6): a field the citizen gave in an earlier case of theirs is offered with
its source case and date, never silently, and never to another citizen."""

from __future__ import annotations

from tests.cases.helpers import li_ming, submit_sc001
from tests.factories import register_citizen


def _fields(client, headers, item_code: str) -> dict[str, dict]:
    response = client.get(f"/api/v1/items/{item_code}/form", headers=headers)
    assert response.status_code == 200, response.text
    return {f["name"]: f for f in response.json()["fields"]}


def test_an_earlier_cases_value_is_offered_with_its_source_and_date(env, client):
    citizen = li_ming(client)
    assert _fields(client, citizen, "SC-002")["business_scope"]["value"] is None
    case_no = submit_sc001(client, citizen)["case_no"]
    scope = _fields(client, citizen, "SC-002")["business_scope"]
    assert scope["value"] == "软件开发"
    assert (scope["value_source"], scope["value_case_no"], scope["value_date"]) == ("history", case_no, "2026-11-30")
    # fields the profile fills keep their own source; nothing comes from another citizen's cases
    assert _fields(client, citizen, "SC-002")["operator_name"]["value_source"] == "profile"
    _, other = register_citizen(client)
    assert _fields(client, other, "SC-002")["business_scope"]["value"] is None
    page = client.get("/cases/new?item_code=SC-002&hall_code=H-690102", headers=citizen)
    assert "您此前的办件" in page.text and f'data-testid="from-business_scope">{case_no} · 2026-11-30' in page.text
