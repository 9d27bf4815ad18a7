"""Browser test of the case page's workflow steps (issue 15 item 4): a two-department item in parallel review, as
the second department's approver sees it (desktop)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.cases.helpers import HALL, act, li_ming, submit_sc001
from tests.cases.test_item_workflow import TWO_DEPARTMENTS, _import, _with_steps
from tests.conftest import auth, screenshot
from tests.factories import make_staff

pytestmark = pytest.mark.e2e


def test_the_case_page_shows_the_steps_with_their_departments_and_deadlines(
    live_server: str, env: Any, page: Any
) -> None:
    _import(env, _with_steps("SC-001", TWO_DEPARTMENTS))
    make_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ", name="王卫")
    with TestClient(env.app) as client:
        case_no = submit_sc001(client, li_ming(client))["case_no"]
        assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
        assert act(client, auth(client, "approver1"), case_no, "approve").status_code == 200
    page.goto(f"{live_server}/login?next=/cases/{case_no}")
    page.fill("input[name=username]", "approver_wj")
    page.fill("input[name=password]", "smarthall-demo")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=steps]")
    steps = page.locator("[data-testid=steps]")
    assert steps.locator("tr[data-step=review_sc]").get_attribute("data-state") == "done"
    current = steps.locator("tr[data-step=review_wj]")
    assert current.get_attribute("data-state") == "current"
    assert "卫生审查" in current.inner_text() and "卫生健康局" in current.inner_text()
    assert "2026-12-03" in current.inner_text()  # three working days from Monday's acceptance
    text = steps.inner_text()
    assert "review_" not in text and "approver" not in text  # words, not codes
    screenshot(page, "cases-workflow-steps")
    page.goto(f"{live_server}/staff/cases")
    row = page.locator(f"[data-case='{case_no}']")
    assert "卫生审查" in row.inner_text() and "2026-12-03" in row.inner_text()
    screenshot(page, "cases-workflow-work-list")
