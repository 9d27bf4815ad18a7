"""In a real browser: the hall manager's live console (a recommendation clicked, a call arriving over SSE), the
forecast and the staffing pages, with screenshots."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from smarthall.demo import KIOSK_KEY
from tests.conftest import DEMO_PASSWORD, screenshot
from tests.operations.test_plan_api import _history

HALL = "H-690102"
W01 = "H-690102-W01"
SHOTS = Path("/tmp/ops-live-shots")


def _shot(page, name: str) -> None:
    path = screenshot(page, name)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def _clerk(base: str) -> dict[str, str]:
    t = httpx.post(f"{base}/api/v1/auth/token", data={"username": "clerk1", "password": DEMO_PASSWORD}).json()
    return {"Authorization": f"Bearer {t['access_token']}"}


@pytest.mark.e2e
def test_manager_console_forecast_and_staffing(env, live_server, page):
    _history(env)
    with httpx.Client(base_url=live_server, timeout=30) as c:
        for item in ("GA-001", "GA-001", "SC-001"):
            c.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": item}, headers={"X-Device-Key": KIOSK_KEY})
        clerk = _clerk(live_server)
        c.post(f"/api/v1/windows/{W01}/sign-in", headers=clerk)
        c.post(f"/api/v1/windows/{W01}/pause", headers=clerk)

    page.goto(f"{live_server}/login?next=/operations/live")
    page.fill("input[name=username]", "hallmanager1")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/operations/live")
    page.wait_for_selector("#live[data-ready=yes]", timeout=15000)
    assert "暂停" in page.inner_text(f"[data-testid='status-{W01}']")
    _shot(page, "operations-live")
    page.click(f"[data-testid='act-resume-{W01}']")
    page.wait_for_function(
        "w => document.querySelector(`[data-testid='status-${w}']`).textContent.includes('叫号中')", arg=W01
    )
    assert "已执行" in page.inner_text("[data-testid=live-message]")

    # A call made elsewhere shows up without reloading (SSE → re-read of /live).
    with httpx.Client(base_url=live_server, timeout=30) as c:
        called = c.post(f"/api/v1/windows/{W01}/call-next", headers=_clerk(live_server)).json()["number"]
    page.wait_for_function(
        "n => document.querySelector('[data-testid=windows]').textContent.includes(n)", arg=called, timeout=5000
    )
    _shot(page, "operations-live-after")

    page.click("text=到访预测")
    page.wait_for_selector("[data-testid=forecast-table]")
    assert page.locator("[data-testid=forecast-table] tr").count() == 15
    _shot(page, "operations-forecast")
    page.click("text=排班建议")
    page.wait_for_selector("[data-testid=staffing-table]")
    assert "人手不足" in page.inner_text("[data-testid=staffing-summary]")
    _shot(page, "operations-staffing")

    page.goto(f"{live_server}/")
    for title in ("实时调度", "到访预测", "排班建议"):
        assert page.locator(f"text={title}").count() >= 1
    _shot(page, "operations-home-tiles")


@pytest.mark.e2e
def test_citizen_manages_subscriptions_and_opts_out_in_one_tap(env, live_server, page):
    from smarthall.operations import subscriptions
    from tests.conftest import DEFAULT_NOW
    from tests.factories import DEMO_CITIZEN_ID

    page.goto(f"{live_server}/login?next=/me/subscriptions")
    page.fill("input[name=username]", DEMO_CITIZEN_ID)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/me/subscriptions")
    page.check("[data-testid=topic-licence_expiry]")
    page.check("[data-testid=topic-related_items]")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=saved]")
    assert page.is_checked("[data-testid=topic-licence_expiry]")
    assert "同意时间" in page.inner_text("[data-testid=subscriptions]")
    _shot(page, "operations-subscriptions")

    with env.db.unit_of_work() as s:
        from smarthall.identity import service as identity_service
        from smarthall.org import service as org_service

        cid = identity_service.citizen_id_by_id_number(s, DEMO_CITIZEN_ID)
        hall = org_service.hall_facts(s, HALL)
        subscriptions.after_case(s, citizen_id=cid, item_code="SC-001", hall=hall, now=DEFAULT_NOW)
        token = subscriptions.repo.subscriptions_of(s, cid)["related_items"].token
    page.goto(f"{live_server}/push/opt-out?token={token}")
    _shot(page, "operations-opt-out")
    page.click("[data-testid=opt-out]")
    page.wait_for_selector("[data-testid=opted-out]")
    _shot(page, "operations-opted-out")
    page.goto(f"{live_server}/me/subscriptions")
    assert not page.is_checked("[data-testid=topic-related_items]")
    assert page.is_checked("[data-testid=topic-licence_expiry]")
