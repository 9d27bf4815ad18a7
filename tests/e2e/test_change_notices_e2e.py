"""In a real browser at desktop width: after an import changes 企业设立登记, a clerk who handles it reads the "what
changed" notice in words on their notices page and confirms it; the hall manager sees the confirmation rate per
item and change, and who has not confirmed yet. No raw codes show, nothing is cut off sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import screenshot
from tests.e2e.test_staff_e2e import login
from tests.staff.test_change_notices import _changed_sc001, _import

pytestmark = pytest.mark.e2e
RAW = re.compile(r"\b(hall_manager|clerk|approver|materials|conditions|limits|SC-001-M\d\d)\b")


def _check(page: Any, name: str) -> str:
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert not RAW.search(text), (name, RAW.search(text))
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, (name, overflow)
    screenshot(page, f"notices-{name}")
    return str(text)


def test_a_clerk_confirms_a_notice_and_the_manager_sees_the_rate(live_server: str, browser: Any, env: Any) -> None:
    _import(env, _changed_sc001())
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "clerk4", "/staff/notices")
    text = _check(page, "clerk-open")
    assert "企业设立登记" in text and "法定时限由3个工作日改为5个工作日" in text and "待确认" in text
    page.get_by_role("button", name="我已阅读并知悉").click()
    page.wait_for_load_state("networkidle")
    assert "已确认" in _check(page, "clerk-confirmed")
    context.close()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "hallmanager1", "/staff/notices/rates")
    text = _check(page, "manager-rates")
    assert "企业设立登记" in text and "17%" in text and "(1 / 6)" in text and "窗口受理员" in text
    context.close()
