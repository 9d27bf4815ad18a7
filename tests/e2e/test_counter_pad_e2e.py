"""In a real browser: a walk-in declared at the counter from their ticket and confirmed on the window pad (issue 15
item 2). The kiosk issues the ticket; the clerk calls it, starts the case from the ticket in one click and files the
prefilled form; the pad of that window shows what was filed and the person confirms it there; the clerk's page then
turns into the receipt, which prints without the page's navigation."""

from __future__ import annotations

import httpx
import pytest

from smarthall.demo import PAD_KEY
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_errands_e2e import _shot
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e


def test_walk_in_declared_at_the_counter_and_confirmed_on_the_pad(env, live_server, browser, window_clerk):
    api = httpx.Client(base_url=f"{live_server}/api/v1", timeout=30)
    clerk, _ = window_clerk(id_number=DEMO_CITIZEN_ID)  # the walk-in's kiosk ticket, the clerk signed in at W01
    pad_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768})
    phone_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        clerk.click("[data-testid=act-call-next]")
        clerk.wait_for_selector("[data-testid=ticket-errand]")
        clerk.click("[data-testid=start-case]")  # one click from the ticket to the counter form
        clerk.wait_for_selector("[data-testid=counter-form]")
        assert clerk.input_value("[data-testid=f-operator_name]") == "李明"  # prefilled for the person served
        clerk.select_option("[data-testid=f-cancel_reason]", "停止经营")
        clerk.click("[data-testid=counter-submit]")
        clerk.wait_for_selector("[data-testid=declared][data-confirmed=no]")
        case_no = clerk.inner_text("[data-testid=receipt-case]").strip()
        assert clerk.locator("[data-testid=print-receipt]").count() == 0  # no receipt before the confirmation
        _shot(clerk, "counter-waiting-for-pad")

        pad = pad_ctx.new_page()
        pad.goto(f"{live_server}/evaluation/pad?key={PAD_KEY}")
        pad.wait_for_selector("[data-testid=pad-confirm]:visible", timeout=15000)
        assert pad.inner_text("[data-testid=pad-case]") == case_no
        shown = pad.inner_text("[data-testid=pad-fields]")
        assert "停止经营" in shown and DEMO_CITIZEN_ID not in shown
        _shot(pad, "pad-confirm-declaration")
        phone = phone_ctx.new_page()  # the same pad page on a small screen (fits without sideways scrolling)
        phone.goto(f"{live_server}/evaluation/pad?key={PAD_KEY}")
        phone.wait_for_selector("[data-testid=pad-confirm]:visible", timeout=15000)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _shot(phone, "pad-confirm-declaration-phone")
        phone.close()

        with pad.expect_response(lambda r: "/confirm" in r.url) as confirmed:
            pad.click("[data-testid=pad-confirm-button]")
        assert confirmed.value.status == 200, confirmed.value.text()
        pad.wait_for_selector("[data-testid=pad-confirmed]:visible")
        _shot(pad, "pad-confirmed")

        clerk.wait_for_selector("[data-testid=declared][data-confirmed=yes]", timeout=15000)  # the page follows
        assert "窗口申报回执" in clerk.inner_text("[data-testid=receipt-title]")
        assert clerk.inner_text("[data-testid=receipt-confirmed]").strip() != "等待确认"
        clerk.wait_for_selector("[data-testid=print-receipt]")
        _shot(clerk, "counter-receipt")
        clerk.emulate_media(media="print")
        assert not clerk.is_visible("[data-testid=print-receipt]") and clerk.is_visible("[data-testid=receipt]")
        _shot(clerk, "counter-receipt-print")
        clerk.emulate_media(media="screen")

        citizen = api.post("/auth/token", data={"username": DEMO_CITIZEN_ID, "password": DEMO_PASSWORD}).json()
        timeline = api.get(f"/cases/{case_no}", headers={"Authorization": f"Bearer {citizen['access_token']}"})
        assert [e["action"] for e in timeline.json()["timeline"]].count("applicant_confirmed") == 1
    finally:
        pad_ctx.close()
        phone_ctx.close()
        api.close()
