"""Citizen journeys in Chromium (issue 16): register, land on a home with the consult box, services by life event
and by department and "my errands"; book a bookable item through a confirmation step and see it in words; find
every citizen page by clicking; fit a 390 px phone. Screenshots under tests/e2e/artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import screenshot
from tests.factories import DEMO_CITIZEN_ID, citizen_payload, last_sms_code

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _login(page: Any, base: str, username: str, password: str = "smarthall-demo") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def test_register_then_book_from_home_without_typing_a_url(live_server: str, page: Any, env: Any) -> None:
    data = citizen_payload()
    page.goto(f"{live_server}/")
    page.click("text=注册")
    page.fill("input[name=name]", data["name"])
    page.fill("input[name=id_number]", data["id_number"])
    page.fill("input[name=phone]", data["phone"])
    page.click("[data-testid=send-code]")  # the SMS code first (phone verification)
    page.wait_for_selector("[data-testid=code-sent]")
    assert page.input_value("input[name=id_number]") == data["id_number"]  # what was typed stays
    page.fill("input[name=phone_code]", last_sms_code(env.db, data["phone"]))
    page.fill("input[name=password]", data["password"])
    page.fill("input[name=password2]", data["password"])
    screenshot(page, "portal-register")
    page.click("[data-testid=register-form] button.primary")
    page.wait_for_selector("[data-testid=registered]")
    page.fill("input[name=username]", data["id_number"])
    page.fill("input[name=password]", data["password"])
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=errands]")
    # The home: the consult box, life events, departments, and (for a new account) no errands yet.
    assert page.is_visible("[data-testid=portal-question]")
    assert "新生儿出生一件事" in page.inner_text("[data-testid=life-events]")
    assert "公安局" in page.inner_text("[data-testid=departments]")
    assert "您还没有预约" in page.inner_text("[data-testid=errands]")
    screenshot(page, "portal-home-new")

    # 公安局 → 普通护照签发 (bookable) → its guidance card → 预约办理 → a slot → confirm → booked.
    departments = page.locator("[data-testid=departments] details", has_text="公安局")
    departments.locator("summary").click()
    departments.locator("a", has_text="普通护照签发").click()
    page.wait_for_selector("[data-testid=next-steps]")
    page.click("[data-testid=next-steps] button[data-route=book]")
    page.wait_for_selector("[data-testid=slots]")
    page.locator("[data-testid=day-pick] a, nav.day-pick a").nth(1).click()
    page.wait_for_selector("[data-testid=slots] a.button")
    screenshot(page, "appointment-slots")
    page.locator("[data-testid=slots] a.button").first.click()
    page.wait_for_selector("[data-testid=confirm]")
    assert page.inner_text("[data-testid=confirm-item]") == "普通护照签发"
    assert page.inner_text("[data-testid=confirm-hall]") == "澜湖区政务服务中心"
    screenshot(page, "appointment-confirm")
    page.click("[data-testid=confirm-book]")
    page.wait_for_selector("[data-testid=booked-ok]")
    ok = page.inner_text("[data-testid=booked-ok]")
    assert "预约成功" in ok and "普通护照签发" in ok and "澜湖区政务服务中心" in ok
    booking = page.inner_text("[data-testid=booking]")
    assert "已预约" in booking and "签到" in booking and "booked" not in booking and "GA-006" not in booking
    screenshot(page, "appointment-mine")

    # Reschedule through its page, then back home by the top bar: the booking is an errand in words.
    page.click("[data-testid=reschedule]")
    page.wait_for_selector("[data-testid=current]")
    page.locator("[data-testid=slots] button").first.click()
    page.wait_for_selector("[data-testid=booked-ok]")
    assert "改约成功" in page.inner_text("[data-testid=booked-ok]")
    page.click("header.topbar >> text=我的办事")
    page.wait_for_selector("[data-testid=errand]")
    errand = page.inner_text("[data-testid=errand]")
    assert "普通护照签发" in errand and "已预约" in errand and "签到" in errand
    screenshot(page, "portal-home-booked")


def test_non_bookable_item_offers_no_booking(live_server: str, page: Any) -> None:
    _login(page, live_server, DEMO_CITIZEN_ID)
    events = page.locator("[data-testid=departments] details", has_text="公安局")
    events.locator("summary").click()
    events.locator("a", has_text="居民身份证补领").click()
    page.wait_for_selector("[data-testid=next-steps]")
    assert page.locator("[data-testid=next-steps] [data-route=book]").count() == 0
    assert "不提供预约" in page.inner_text("[data-testid=appointment]")
    assert page.locator("[data-testid=next-steps] [data-route=ticket]").count() == 1


def test_every_citizen_page_by_clicking_and_fit_a_phone(live_server: str, browser: Any) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    try:
        _login(page, live_server, DEMO_CITIZEN_ID)
        page.wait_for_selector("[data-testid=errands]")
        _no_horizontal_scroll(page)
        screenshot(page, "phone-portal-home")
        for label, marker in (
            ("智能咨询", "[data-testid=ask-form]"),
            ("我的办件", "main h1"),
            ("我的预约", "[data-testid=bookings]"),
        ):
            page.click(f"header.topbar >> text={label}")
            page.wait_for_selector(marker)
            _no_horizontal_scroll(page)
            screenshot(page, f"phone-{label}")
        # A case of one's own (instant approval of 个体工商户注销登记), opened from "my cases".
        page.click("header.topbar >> text=我的办事")
        page.click("text=在线申报")
        page.click("[data-testid=pick-SC-003]")
        page.select_option("[data-testid=f-cancel_reason]", "停止经营")
        page.check("[data-testid=confirm]")
        page.click("[data-testid=submit]")
        page.wait_for_selector("[data-testid=case]")
        _no_horizontal_scroll(page)
        screenshot(page, "phone-case")
        page.click("header.topbar >> text=我的办件")
        page.locator("[data-testid=case-row] a").first.click()
        page.wait_for_selector("[data-testid=case]")
        assert "已送达" in page.inner_text("[data-testid=status]")
        page.click("header.topbar >> text=我的办事")
        errands = page.inner_text("[data-testid=errands]")
        assert "个体工商户注销登记" in errands and "已送达" in errands
        _no_horizontal_scroll(page)
    finally:
        context.close()
