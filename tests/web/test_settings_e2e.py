"""In a real browser: an administrator changes a rule for a county and a hall on the rules page; a hall manager sets
the hall's own promised limit and windows of an item. Desktop and a 390 px phone, with screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "smarthall-demo")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=role]")


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone ({width}px)"


def test_an_administrator_sets_a_rule_for_the_county_and_the_hall(live_server, page):
    _login(page, live_server, "admin1")
    page.click("text=规则设置 >> nth=0")
    rule = page.locator("[data-testid='rule-appointment.grace_minutes']")
    assert rule.locator("[data-testid=value]").inner_text() == "15 分钟"
    assert "平台默认" in rule.locator("[data-testid=source]").inner_text()
    rule.locator("details.edit > summary").click()
    rule.locator("select[name=scope_code]").select_option(label="县(区)级 · 澜湖区")
    rule.locator("input[name=value]").fill("20")
    rule.locator("input[name=note]").fill("冬季路况")
    rule.locator("button", has_text="保存").click()
    page.wait_for_selector("[data-testid=saved]")
    assert "迟到宽限" in page.inner_text("[data-testid=saved]")
    rule = page.locator("[data-testid='rule-appointment.grace_minutes']")
    assert rule.locator("[data-testid=value]").inner_text() == "20 分钟"
    assert "县(区)级 澜湖区" in " ".join(rule.locator("[data-testid=source]").inner_text().split())
    rule.locator("details.history > summary").click()
    rule.locator("[data-testid=history]").wait_for()
    assert "设为 20 分钟" in rule.locator("[data-testid=history]").inner_text()
    screenshot(page, "rules-admin-desktop")

    # The hall's own value wins over the county's; its township station still follows the county.
    rule.locator("details.edit > summary").click()
    rule.locator("select[name=scope_code]").select_option(label="本大厅 · 澜湖区政务服务中心")
    rule.locator("input[name=value]").fill("10")
    rule.locator("button", has_text="保存").click()
    page.wait_for_selector("[data-testid=saved]")
    assert page.locator("[data-testid='rule-appointment.grace_minutes'] [data-testid=value]").inner_text() == "10 分钟"
    page.select_option("[data-testid=hall-pick] select", label="　　湖滨街道便民服务站")
    page.click("[data-testid=hall-pick] button")
    page.wait_for_selector("[data-testid=chain]")
    station = page.locator("[data-testid='rule-appointment.grace_minutes']")
    assert station.locator("[data-testid=value]").inner_text() == "20 分钟"


def test_a_hall_manager_reads_the_rules_on_a_phone(live_server, phone):
    _login(phone, live_server, "hallmanager1")
    phone.goto(f"{live_server}/admin/rules")
    phone.wait_for_selector("[data-testid=read-only]")
    assert phone.locator("[data-testid=set-form]").count() == 0  # hall managers read, administrators edit
    assert "30 分钟" in phone.inner_text("[data-testid='rule-identity.lockout_minutes']")
    screenshot(phone, "rules-admin-phone")
    _no_sideways_scroll(phone)


def test_a_hall_manager_sets_the_halls_own_promise_and_windows(live_server, page):
    _login(page, live_server, "hallmanager1")
    page.goto(f"{live_server}/admin/catalog/items/GA-006")
    assert "15 / 7" in page.inner_text("[data-testid=limits]")
    page.click("[data-testid=edit-local]")
    page.wait_for_selector("[data-testid=override-form]")
    form = page.locator("[data-testid=override-form]")
    form.locator("input[name=promised_inherit]").uncheck()
    form.locator("[data-testid=promised-input]").fill("16")
    form.locator("button[type=submit]").click()
    # The browser itself holds back a promise above the legal limit (the server refuses it too: tests/web).
    assert form.locator("[data-testid=promised-input]").evaluate("e => e.validity.rangeOverflow") is True
    assert page.locator("[data-testid=saved]").count() == 0
    form.locator("[data-testid=promised-input]").fill("5")
    form.locator("input[name=windows_inherit]").uncheck()
    for number in ("01", "02", "03"):  # the comprehensive windows leave passports to the passport window
        form.locator(f"input[value='H-690102-W{number}']").uncheck()
    form.locator("input[name=note]").fill("护照业务集中到6号窗口")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=saved]")
    assert "5 个工作日" in page.inner_text("[data-testid=effective-promised]")
    assert page.inner_text("[data-testid=effective-windows]").split()[:2] == ["W06", "W12"]
    assert "第 1 版" in page.inner_text("[data-testid=override-version]")
    assert "护照业务集中到6号窗口" in page.inner_text("[data-testid=override-history]")
    screenshot(page, "item-override-desktop")
    page.click("text=普通护照签发 >> nth=0")
    page.wait_for_selector("[data-testid=limits]")
    assert "15 / 5" in page.inner_text("[data-testid=limits]") and "本大厅设置" in page.inner_text(
        "[data-testid=limits]"
    )
    assert page.inner_text("[data-testid=windows]").startswith("出入境业务窗口、绿色通道窗口")  # names, not codes


def test_the_item_settings_page_fits_a_phone(live_server, phone):
    _login(phone, live_server, "hallmanager1")
    phone.goto(f"{live_server}/admin/catalog/halls/H-690102/items/GA-006/override")
    phone.wait_for_selector("[data-testid=override-form]")
    form = phone.locator("[data-testid=override-form]")
    form.locator("input[name=enabled][value=off]").check()
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("[data-testid=saved]")
    assert "不办理" in phone.inner_text("[data-testid=effective-enabled]")
    screenshot(phone, "item-override-phone")
    _no_sideways_scroll(phone)
