"""In a real browser at 1920×1080: the live console with an open device fault and a queue arriving faster than
forecast, and the roster page (a manager rosters a clerk, saves, and the staffing plan counts the shift), with
screenshots."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from smarthall.demo import KIOSK_KEY
from tests.conftest import DEFAULT_NOW, DEMO_PASSWORD, screenshot
from tests.operations.test_plan_api import _history

HALL = "H-690102"
SHOTS = Path("/tmp/opsroll/shots")


def _shot(page, name: str) -> None:
    path = screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


@pytest.mark.e2e
def test_console_faults_growth_alert_and_roster_page(env, live_server, browser):
    _history(env)
    with httpx.Client(base_url=live_server, timeout=30) as c:
        kiosk = {"X-Device-Key": KIOSK_KEY}
        assert c.post("/api/v1/venue/heartbeat", json={"faults": ["paper_jam"], "paper_percent": 10},
                      headers=kiosk).status_code == 200  # fmt: skip
        for _ in range(20):
            c.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-001"}, headers=kiosk)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login?next=/operations/live")
        page.fill("input[name=username]", "hallmanager1")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/operations/live")
        page.wait_for_selector("#live[data-ready=yes]", timeout=15000)
        alerts = page.inner_text("[data-testid=alerts]")
        assert "高于预测" in alerts and "设备故障未处理" in alerts, alerts
        faults = page.inner_text("[data-testid=faults]")
        assert "卡纸" in faults or "纸" in faults, faults
        assert "venue.fault" not in page.content() and "faster_than_forecast" not in page.inner_text("body")
        _shot(page, "opsroll-live-console")

        day = DEFAULT_NOW.date().isoformat()
        page.click("[data-testid=ops-nav] a[href^='/operations/roster']")
        page.wait_for_selector("[data-testid=roster-table]")
        first = page.locator("[data-testid=roster-table] tr[data-staff]").first
        staff = first.get_attribute("data-staff")
        page.fill(f"[data-testid=s{staff}_0-starts]", "08:30")
        page.fill(f"[data-testid=s{staff}_0-ends]", "12:00")
        _shot(page, "opsroll-roster-filled")
        page.click("[data-testid=roster-save]")
        page.wait_for_selector("[data-testid=roster-saved]")
        assert page.input_value(f"[data-testid=s{staff}_0-starts]") == "08:30"
        _shot(page, "opsroll-roster-saved")
        page.fill(f"[data-testid=s{staff}_1-starts]", "11:00")
        page.fill(f"[data-testid=s{staff}_1-ends]", "13:00")
        page.click("[data-testid=roster-save]")
        page.wait_for_selector("[data-testid=roster-error]")
        assert "时段" in page.inner_text("[data-testid=roster-error]")
        _shot(page, "opsroll-roster-refused")
        page.goto(f"{live_server}/operations/staffing?hall={HALL}&date={day}")
        row = page.inner_text("[data-testid=staffing-table] tr[data-hour='9']")
        assert row.split("\t")[6].strip() == "1", row  # the rostered column
        page.check("[data-testid=staffing-check]")
        page.click("text=查看")
        page.wait_for_selector("[data-testid=staffing-simulation]")
        assert "模拟日" in page.inner_text("[data-testid=staffing-simulation]")
        assert page.inner_text("[data-testid=sim-9]").strip().isdigit()
        _shot(page, "opsroll-staffing-simulated")
    finally:
        context.close()
