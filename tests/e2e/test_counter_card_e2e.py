"""In a real browser (issue 15 item 2c): at the window the clerk reads the walk-in's ID card on the (simulated)
reader, scans a material into the counter form, and files; the pad confirmation then follows as before."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD, screenshot
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e

HALL, WINDOW, ITEM = "H-690102", "H-690102-W01", "SC-003"


def test_the_clerk_reads_the_card_and_scans_a_material_at_the_counter(live_server, browser, tmp_path: Path) -> None:
    api = httpx.Client(base_url=f"{live_server}/api/v1", timeout=30)
    made = api.post("/tickets", json={"hall_code": HALL, "item_code": ITEM}, headers={"X-Device-Key": "demo-kiosk-key"})
    assert made.status_code == 201, made.text  # a walk-in who gave no ID at the kiosk
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    try:
        clerk = ctx.new_page()
        clerk.goto(f"{live_server}/login?next=/window/{WINDOW}")
        clerk.fill("input[name=username]", "clerk1")
        clerk.fill("input[name=password]", DEMO_PASSWORD)
        clerk.click("button[type=submit]")
        clerk.click("[data-testid=act-sign-in]")
        clerk.wait_for_selector("[data-testid=act-call-next]")
        token = api.post("/auth/token", data={"username": "clerk1", "password": DEMO_PASSWORD}).json()["access_token"]
        called = api.post(f"/windows/{WINDOW}/call-next", headers={"Authorization": f"Bearer {token}"})
        assert called.status_code == 200, called.text
        clerk.goto(f"{live_server}/window/tickets/{made.json()['id']}/declare")  # no holder yet: no errand panel
        clerk.wait_for_selector("[data-testid=card-reader]")
        clerk.fill("[data-testid=card-tray]", DEMO_CITIZEN_ID)  # the card on the simulated reader
        clerk.click("[data-testid=read-card]")
        clerk.wait_for_selector("[data-testid=card-read]")
        assert clerk.input_value("[data-testid=f-operator_name]") == "李明"  # prefilled for the person read
        clerk.select_option("[data-testid=f-cancel_reason]", "停止经营")
        clerk.set_input_files("[data-testid=m-SC-003-M01]", str(scan))
        screenshot(clerk, "counter-card-read-and-scan")
        clerk.click("[data-testid=counter-submit]")
        clerk.wait_for_selector("[data-testid=declared][data-confirmed=no]")
        screenshot(clerk, "counter-card-declared")
    finally:
        ctx.close()
