"""In a real browser (issue 15 item 2c): at the window the clerk reads the walk-in's ID card on the (simulated)
reader, scans a material into the counter form, and files; the pad confirmation then follows as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD, screenshot
from tests.e2e.conftest import WINDOW
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e


def _called(live_server: str, clerk: Any) -> None:
    """The clerk's window calls the next ticket (the walk-in's)."""
    with httpx.Client(base_url=f"{live_server}/api/v1", timeout=30) as api:
        token = api.post("/auth/token", data={"username": "clerk1", "password": DEMO_PASSWORD}).json()["access_token"]
        called = api.post(f"/windows/{WINDOW}/call-next", headers={"Authorization": f"Bearer {token}"})
        assert called.status_code == 200, called.text


def test_the_clerk_reads_the_card_and_scans_a_material_at_the_counter(
    live_server: str, window_clerk: Any, tmp_path: Path
) -> None:
    clerk, ticket_id = window_clerk()  # a walk-in who gave no ID at the kiosk
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    _called(live_server, clerk)
    clerk.goto(f"{live_server}/window/tickets/{ticket_id}/declare")  # no holder yet: no errand panel
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


def test_a_refused_try_keeps_the_scan_in_the_form(live_server: str, window_clerk: Any, tmp_path: Path) -> None:
    clerk, ticket_id = window_clerk(id_number=DEMO_CITIZEN_ID)
    scan = tmp_path / "申请书.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    _called(live_server, clerk)
    clerk.goto(f"{live_server}/window/tickets/{ticket_id}/declare")
    clerk.wait_for_selector("[data-testid=counter-form]")
    clerk.set_input_files("[data-testid=m-SC-003-M01]", str(scan))
    clerk.click("[data-testid=counter-submit]")  # the cancel reason forgotten
    clerk.wait_for_selector("[data-testid=faults]")
    kept = clerk.locator("[data-testid=kept-SC-003-M01]")
    assert kept.is_visible() and "申请书.pdf" in kept.inner_text()
    assert clerk.is_checked("[data-testid=kept-SC-003-M01] input")
    screenshot(clerk, "counter-kept-scan")
    clerk.select_option("[data-testid=f-cancel_reason]", "停止经营")
    clerk.click("[data-testid=counter-submit]")  # no file chosen again: the kept scan is filed
    clerk.wait_for_selector("[data-testid=declared][data-confirmed=no]")
    screenshot(clerk, "counter-kept-declared")
