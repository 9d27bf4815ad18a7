"""The kiosk's self-service result (issue 16 item 7, Annex B), on the kiosk's own 1080×1920 portrait screen, after
a real self-service case: the citizen identifies by card and cancels the business (SC-003, approved at once). The
page says it is done in words, shows the case number, the item's name and a QR code big enough to scan, offers
printing and the five rating buttons as ≥ 64 px targets, fits the screen, and the rating is thanked. Screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from smarthall.venue.kiosk_pages import VISIT_COOKIE
from tests.cases.helpers import li_ming
from tests.conftest import screenshot
from tests.e2e.test_every_page_phone_e2e import _fits
from tests.web.test_every_page import HALL, KIOSK, _self_service_done

pytestmark = pytest.mark.e2e
KIOSK_SCREEN = {"width": 1080, "height": 1920}
TARGETS = """() => Array.from(document.querySelectorAll('main button, main a'))
  .filter(el => el.offsetParent !== null)
  .map(el => ({text: el.innerText.trim(), height: el.getBoundingClientRect().height}))"""


def test_the_self_service_result_on_the_kiosk_screen(env, client, live_server: str, browser: Any) -> None:
    visit = _self_service_done(env, client, li_ming(client))
    context = browser.new_context(locale="zh-CN", viewport=KIOSK_SCREEN, extra_http_headers=KIOSK)
    context.add_cookies([{"name": VISIT_COOKIE, "value": visit, "url": f"{live_server}/kiosk/"}])
    try:
        page = context.new_page()
        response = page.goto(f"{live_server}/kiosk/{HALL}/self/result")
        assert response is not None and response.status == 200
        assert page.get_by_test_id("result-instant").inner_text() == "已办结,结果已发放到您的电子证照"
        said = page.locator("div[data-testid=self-result]").inner_text()
        assert "个体工商户注销登记" in said and page.get_by_test_id("case-no").inner_text().startswith(HALL)
        qr = page.locator(".qr svg path").bounding_box()  # the modules as drawn, not the box around them
        assert qr is not None and qr["width"] >= 200 and qr["height"] >= 200, qr  # scannable from arm's length
        targets = page.evaluate(TARGETS)
        assert {"打印结果", "非常满意", "非常不满意"} <= {t["text"] for t in targets}, targets
        small = [t for t in targets if t["height"] < 64]
        assert small == [], small
        assert _fits(page) == []
        screenshot(page, "journeys3-kiosk-result")
        page.get_by_test_id("rate-5").click()
        page.wait_for_load_state("load")
        assert page.get_by_test_id("rated").inner_text() == "感谢您的评价!"
        screenshot(page, "journeys3-kiosk-result-rated")
    finally:
        context.close()
