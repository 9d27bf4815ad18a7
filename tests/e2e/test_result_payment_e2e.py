"""The result waits for the fee, in a real browser (issue 18 item 4): the applicant's case page shows the result
without a download link, with the reason and a pay link that leads to the fee and its pay button; the kiosk's
result screen says to pay first and offers a receipt, not the result. Screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from smarthall.venue.kiosk_pages import VISIT_COOKIE
from tests.conftest import screenshot
from tests.e2e.test_consult_pages import login
from tests.payments.test_delivery_waits import approved_ga001
from tests.payments.test_result_waits import kiosk_case_awaiting_fee, kiosk_client
from tests.web.test_every_page import HALL, KIOSK

pytestmark = pytest.mark.e2e


def test_the_case_page_offers_payment_not_the_result(env, client, live_server: str, page: Any) -> None:
    _, case_no = approved_ga001(client, env)
    login(page, live_server, "690102199003071232", f"/cases/{case_no}")
    held = page.get_by_test_id("doc-licence-awaiting-payment")
    assert "缴费完成后才能下载或领取结果" in held.inner_text()
    assert page.get_by_test_id("doc-licence").count() == 0  # no download link
    page.get_by_test_id("doc-pay-link").click()
    assert page.get_by_test_id("pay").is_visible()
    screenshot(page, "result-awaiting-payment-case")


def test_the_kiosk_says_pay_first(env, client, live_server: str, browser: Any) -> None:
    with kiosk_client(env) as k:
        kiosk_case_awaiting_fee(client, env, k)
        visit = k.cookies[VISIT_COOKIE]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1080, "height": 1920}, extra_http_headers=KIOSK)
    context.add_cookies([{"name": VISIT_COOKIE, "value": visit, "url": f"{live_server}/kiosk/"}])
    try:
        kiosk = context.new_page()
        response = kiosk.goto(f"{live_server}/kiosk/{HALL}/self/result")
        assert response is not None and response.status == 200
        assert "缴费完成后" in kiosk.get_by_test_id("result-awaiting-payment").inner_text()
        assert kiosk.get_by_test_id("print").inner_text() == "打印回执"
        screenshot(kiosk, "result-awaiting-payment-kiosk")
    finally:
        context.close()
