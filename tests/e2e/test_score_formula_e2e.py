"""The score formula on the performance page in a real browser (desktop): the field, a preview that ranks with
another formula, a formula that does not parse shown with a caret under the character at fault. Screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import auth, screenshot
from tests.staff.helpers import HALL, pad_rate, serve

pytestmark = pytest.mark.e2e


def test_formula_preview_and_error_on_the_page(env, client, live_server: str, browser: Any) -> None:
    pad_rate(client, serve(env, client, minutes=5), 5)
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}, extra_http_headers=auth(client, "admin1")
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/staff/performance?hall_code={HALL}")
        page.get_by_test_id("formula-input").fill("clamp(weighted - 5 * complaints_count, 0, 100)")
        page.get_by_test_id("formula-preview").click()
        page.wait_for_selector("[data-testid=previewing]")
        screenshot(page, "staff14-formula-preview")
        page.get_by_test_id("formula-input").fill("weighted × (1 + bogus")
        page.get_by_test_id("formula-save").click()
        page.wait_for_selector("[data-testid=formula-error]")
        assert "第 17 个字符" in page.get_by_test_id("formula-error").inner_text()
        assert page.get_by_test_id("saved-formula").inner_text() == "weighted"  # nothing saved
        screenshot(page, "staff14-formula-error")
    finally:
        context.close()
