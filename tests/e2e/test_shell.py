"""In a real browser (Debian chromium): a clerk signs in, browses the catalog, searches, opens an item."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_clerk_logs_in_and_sees_the_catalog(live_server, page):
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", "smarthall-demo")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=role]")
    assert page.inner_text("[data-testid=role]") == "窗口受理员"
    page.click("text=事项目录与大厅")
    page.wait_for_selector("[data-testid=item-count]")
    assert page.inner_text("[data-testid=item-count]") == "共 45 项"
    page.fill("input[name=q]", "注销")
    # a locator assertion, not a string predicate: the page's CSP (rightly) forbids eval
    expect(page.locator("[data-testid=item-count]")).not_to_have_text("共 45 项")
    assert "个体工商户注销登记" in page.inner_text("#items")
    screenshot(page, "catalog-search")
    page.click("text=个体工商户注销登记")
    page.wait_for_selector("[data-testid=materials]")
    assert "营业执照" in page.inner_text("[data-testid=materials]")
    screenshot(page, "item-detail")


def test_wrong_password_stays_on_login_with_a_message(live_server, page):
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", "not-the-password1")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=alert]")
    assert "用户名或密码错误" in page.inner_text("[role=alert]")


def test_english_switch(live_server, page):
    page.goto(f"{live_server}/")
    page.click("a.lang")
    page.wait_for_selector("text=Sign in")
    assert page.evaluate("document.documentElement.lang") == "en"
