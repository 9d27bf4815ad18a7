"""In a real browser: one errand from a booking to its rating (一件一码). The citizen books, checks in at the kiosk;
the clerk sees the citizen's open errand on the ticket and starts the case in one click at the counter; the case is
decided and delivered; the citizen rates it; the errand page shows booking → ticket → case → result → rating."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from smarthall.catalog.models import Item
from smarthall.core.clock import SHANGHAI
from tests.conftest import DEMO_PASSWORD, screenshot
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e

HALL, WINDOW, ITEM = "H-690102", "H-690102-W01", "SC-003"
SHOTS = Path("/tmp/errand-shots")


def _shot(page: Any, name: str) -> None:
    screenshot(page, name)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page: Any, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_errand_from_booking_to_rating(env, live_server, browser):
    with env.db.unit_of_work() as session:  # no instantly approved demo item is bookable: this one is, here
        session.execute(update(Item).where(Item.code == ITEM).values(appointment=True))
    api = httpx.Client(base_url=f"{live_server}/api/v1", timeout=30)
    token = api.post("/auth/token", data={"username": DEMO_CITIZEN_ID, "password": DEMO_PASSWORD}).json()
    citizen = {"Authorization": f"Bearer {token['access_token']}"}
    day = api.get("/appointment-slots", params={"hall_code": HALL, "item_code": ITEM, "date": "2026-11-30"}).json()
    slot = next(s for s in day if "T02:30" in s["starts_at"])
    booking = api.post("/appointments", json={"slot_id": slot["id"], "item_code": ITEM}, headers=citizen).json()
    env.clock.set(datetime(2026, 11, 30, 10, 20, tzinfo=SHANGHAI))
    kiosk = {"X-Device-Key": "demo-kiosk-key"}
    ticket = api.post("/tickets", json={"hall_code": HALL, "appointment_code": booking["code"]}, headers=kiosk)
    assert ticket.status_code == 201, ticket.text

    clerk_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    citizen_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        clerk = clerk_ctx.new_page()
        _login(clerk, live_server, "clerk1", f"/window/{WINDOW}")
        clerk.click("[data-testid=act-sign-in]")
        clerk.click("[data-testid=act-call-next]")
        clerk.wait_for_selector("[data-testid=ticket-errand]")
        assert "开始办件" in clerk.inner_text("[data-testid=ticket-errands]")
        _shot(clerk, "errands-window-panel")
        clerk.click("[data-testid=start-case]")
        clerk.wait_for_selector("[data-testid=counter-form]")
        assert clerk.input_value("[data-testid=f-operator_name]") == "李明"
        clerk.select_option("[data-testid=f-cancel_reason]", "停止经营")
        _shot(clerk, "errands-counter-form")
        clerk.click("[data-testid=counter-submit]")
        clerk.wait_for_selector("[data-testid=declared]")  # the receipt waits for the pad (test_counter_pad_e2e)
        case_no = clerk.inner_text("[data-testid=receipt-case]").strip()
        clerk.click(f"a[href='/cases/{case_no}']")
        clerk.wait_for_selector("[data-testid=case]")
        assert clerk.get_attribute("[data-testid=case]", "data-status") == "delivered"
        clerk.wait_for_selector("[data-testid=errand-link]")

        rated = api.post("/evaluations", headers=citizen, json={"case_no": case_no, "level": 5, "channel": "web"})
        assert rated.status_code == 201, rated.text

        page = citizen_ctx.new_page()
        _login(page, live_server, DEMO_CITIZEN_ID, "/errands")
        page.click("[data-testid^=errand-YJ]")
        page.wait_for_selector("[data-testid=errand-steps]")
        steps = [page.get_attribute(f"[data-testid=errand-steps] li >> nth={i}", "data-step")
                 for i in range(page.locator("[data-testid=errand-steps] li").count())]  # fmt: skip
        order = [s for s in steps if s in ("booking", "ticket", "case", "result", "rating")]
        assert order == ["booking", "ticket", "case", "result", "rating"], steps
        assert page.inner_text("[data-testid=errand-status]") == "已归档"
        _shot(page, "errands-thread")
        page.click(f"a[href='/cases/{case_no}'] >> nth=0")
        page.wait_for_selector("[data-testid=case]")
    finally:
        clerk_ctx.close()
        citizen_ctx.close()
        api.close()
