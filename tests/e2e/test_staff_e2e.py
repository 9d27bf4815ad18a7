"""In a real browser, at desktop width and on a 390×844 phone: the hall manager reads the performance ranking,
sees a window idle while its queue waits on the supervision page, records and acknowledges the alert, writes a
course and assigns it to the clerks; a clerk opens it from their own record, passes its quiz and sees it among the
courses passed. Every page answers in words (no raw codes), nothing is cut off sideways, and the next step is a
link on the page."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD, auth, screenshot
from tests.queueing.helpers import W02, issue, sign_in
from tests.staff.helpers import pad_rate, serve

pytestmark = pytest.mark.e2e
HALL = "H-690102"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# raw codes that must never show: role, state and alert enums, rule keys
RAW = re.compile(r"\b(hall_manager|clerk|approver|long_service|paused_long|bad_rating|idle|serving|staff\.\w+)\b")
QUESTIONS = "个体工商户设立登记需要哪些材料?\n*经营者身份证明\n结婚证\n\n承诺办结时限是多少?\n*1个工作日\n30日"


def shot(page: Any, name: str) -> None:
    screenshot(page, f"staff-{name}")
    folder = os.environ.get("SMARTHALL_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def login(page: Any, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def check_page(page: Any, name: str) -> None:
    """Words, not codes; no sideways scrolling of the page itself (wide tables scroll inside their frame)."""
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert not RAW.search(text), (name, RAW.search(text))
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, (name, overflow)
    shot(page, name)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_staff_pages_for_manager_and_clerk(size: str, live_server: str, browser: Any, env: Any, client: Any) -> None:
    pad_rate(client, serve(env, client, minutes=6), 5)  # clerk1 served one citizen, rated 5
    clerk2 = auth(client, "clerk2")
    sign_in(client, clerk2, W02)
    issue(client, "GA-001")
    env.clock.advance(minutes=31)  # W02 stands idle while a citizen waits

    contexts = []

    def open_page() -> Any:
        ctx = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[size])
        contexts.append(ctx)
        return ctx.new_page()

    try:
        manager = open_page()
        login(manager, live_server, "hallmanager1", "/staff/performance")
        manager.wait_for_selector("text=人员绩效")
        assert manager.locator("a[href*='staff-performance.csv']").count() == 1
        check_page(manager, f"{size}-performance")

        manager.goto(f"{live_server}/staff/supervision?hall_code={HALL}")
        row = manager.locator(f"[data-testid=window-{W02}]")
        assert "有人排队时空闲" in row.inner_text() or row.locator("[data-testid=flag-idle]").count() == 1
        manager.click("[data-testid=scan]")
        manager.wait_for_selector("[data-testid=alerts] tbody tr form")
        check_page(manager, f"{size}-supervision-alert")
        alert = manager.locator("[data-testid=alerts] tbody tr", has=manager.locator("form")).first
        assert "空闲" in alert.inner_text()
        alert.locator("input[name=note]").fill("已电话提醒窗口人员")
        alert.locator("button[type=submit]").click()
        manager.wait_for_selector("text=已电话提醒窗口人员")
        check_page(manager, f"{size}-supervision-acknowledged")

        manager.goto(f"{live_server}/staff/me")
        manager.click("a[href='/staff/courses/new']")
        manager.fill("input[name=code]", "GT-001")
        manager.fill("input[name=title]", "个体工商户设立登记")
        manager.fill("textarea[name=questions]", QUESTIONS)
        check_page(manager, f"{size}-course-new")
        manager.click("form.card button[type=submit]")
        manager.wait_for_url("**/staff/me")
        assert "个体工商户设立登记" in manager.inner_text("[data-testid=courses]")
        manager.click("[data-testid=staff-nav] a[href='/staff/courses/assignments']")
        manager.select_option("[data-testid=assign-course]", label="个体工商户设立登记")
        manager.select_option("[data-testid=assign-role]", label="窗口受理员")
        manager.click("[data-testid=assign-submit]")
        manager.wait_for_selector("[data-testid=assignments] tbody tr >> text=个体工商户设立登记")
        assert "已通过 0 /" in manager.inner_text("[data-testid=assignments]")
        check_page(manager, f"{size}-assignments")

        clerk = open_page()
        login(clerk, live_server, "clerk1", "/staff/me")
        assert clerk.inner_text("[data-testid=my-handled]").strip() == "1"
        assert "待完成" in clerk.inner_text("[data-testid=assigned]")
        check_page(clerk, f"{size}-clerk-me")
        clerk.click("[data-testid=assigned] a:has-text('个体工商户设立登记')")
        clerk.wait_for_selector("[data-testid=quiz]")
        check_page(clerk, f"{size}-clerk-quiz")
        clerk.select_option("[data-testid=q0]", label="经营者身份证明")
        clerk.select_option("[data-testid=q1]", label="1个工作日")
        clerk.click("[data-testid=submit]")
        clerk.wait_for_selector("[data-testid=result]")
        assert "已通过" in clerk.inner_text("[data-testid=result]")
        assert clerk.inner_text("[data-testid=score]").strip() == "100"
        check_page(clerk, f"{size}-clerk-quiz-passed")
        clerk.click("[data-testid=result] a[href='/staff/me']")
        clerk.wait_for_url("**/staff/me")
        assert "个体工商户设立登记" in clerk.inner_text("[data-testid=completed]")
        assert "已通过" in clerk.inner_text("[data-testid=assigned]")
        check_page(clerk, f"{size}-clerk-me-passed")
        manager.reload()
        assert "已通过 1 /" in manager.inner_text("[data-testid=assignments]")
    finally:
        for ctx in contexts:
            ctx.close()
