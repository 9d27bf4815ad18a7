"""The course generator in a real browser (8.3, desktop 1366): the hall manager ticks an item, sets the question
count, previews the quiz with its right answers marked, publishes it and lands on the assignments page with the
new course to assign; a clerk then opens it without the answers. Screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import auth, screenshot
from tests.e2e.test_staff_e2e import login

pytestmark = pytest.mark.e2e


def test_preview_and_publish_a_generated_course(live_server: str, browser: Any, client: Any) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        login(page, live_server, "hallmanager1", "/staff/courses/generate")
        page.get_by_role("link", name="生成课程").click()
        page.wait_for_selector("[data-testid=generate-form]")
        page.get_by_test_id("gen-code").fill("E2E-GEN")
        page.get_by_test_id("gen-title").fill("个体工商户设立登记要点")
        page.get_by_test_id("gen-count").fill("2")
        page.get_by_test_id("gen-item-SC-002").check()
        page.get_by_test_id("gen-preview").click()
        page.wait_for_selector("[data-testid=gen-preview-list]")
        assert page.get_by_test_id("gen-q").count() == 2 and page.get_by_test_id("gen-right").count() == 2
        assert page.get_by_test_id("gen-item-SC-002").is_checked()  # the choice is kept for publishing
        screenshot(page, "venue14-course-generate-preview")
        page.get_by_test_id("gen-publish").click()
        page.wait_for_url("**/staff/courses/assignments**")
        assert "个体工商户设立登记要点" in page.inner_text("main")
        screenshot(page, "venue14-course-generate-published")
    finally:
        context.close()
    listed = client.get("/api/v1/staff-courses", headers=auth(client, "clerk1")).json()
    made = next(c for c in listed if c["code"] == "E2E-GEN")
    assert made["question_count"] == 2 and all("answer" not in q for q in made["questions"])
