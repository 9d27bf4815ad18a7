"""The wall board at 1920×1080 (issue 16 item 7): the current call large, recent calls, windows, waiting per queue
and a notice on one screen without scrolling; a finished ticket leaves it. Screenshot saved."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from smarthall.demo import DISPLAY_KEY, KIOSK_KEY
from tests.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.e2e
HALL = "H-690102"
WINDOW = "H-690102-W01"


def test_the_wall_board_fits_1080p_and_drops_a_finished_ticket(live_server: str, browser: Any) -> None:
    api = httpx.Client(base_url=live_server, timeout=30)
    kiosk = {"X-Device-Key": KIOSK_KEY}
    tickets = [
        api.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": code}, headers=kiosk).json()
        for code in ("GA-001", "GA-001", "SC-001", "RS-001")
    ]
    token = api.post("/api/v1/auth/token", data={"username": "clerk1", "password": DEMO_PASSWORD}).json()
    clerk = {"Authorization": f"Bearer {token['access_token']}"}
    assert api.post(f"/api/v1/windows/{WINDOW}/sign-in", headers=clerk).status_code == 200
    called = api.post(f"/api/v1/windows/{WINDOW}/call-next", headers=clerk).json()
    context = browser.new_context(
        locale="zh-CN", extra_http_headers={"X-Device-Key": DISPLAY_KEY}, viewport={"width": 1920, "height": 1080}
    )
    try:
        board = context.new_page()
        board.goto(f"{live_server}/board/{HALL}")
        board.wait_for_selector("[data-testid=board-conn][data-state=live]", timeout=15000)
        board.wait_for_function(
            "n => document.querySelector('[data-role=number]').textContent === n", arg=called["number"]
        )
        assert "请到 1 号窗口" in board.inner_text("[data-testid=board-latest]")
        size = board.eval_on_selector("[data-role=number]", "el => parseFloat(getComputedStyle(el).fontSize)")
        assert size >= 200  # px on a 1080-line screen: about 20 cm on a 55-inch panel, legible from 5 m
        assert board.evaluate("document.documentElement.scrollHeight") <= 1080
        assert board.evaluate("document.documentElement.scrollWidth") <= 1920
        assert "公安局" in board.inner_text("[data-testid=board-queues]")
        assert "受理中" in board.inner_text("[data-testid=board-windows]") or called["number"] in board.inner_text(
            "[data-testid=board-windows]"
        )
        assert board.locator("[data-testid=board-notice]").is_visible()
        screenshot(board, "journeys2-board-1080p")
        assert api.post(f"/api/v1/tickets/{called['id']}/finish", headers=clerk).status_code == 200
        board.wait_for_function("() => document.querySelector('[data-role=number]').textContent === '—'")
        assert called["number"] not in board.inner_text("[data-testid=board-calls]")
        screenshot(board, "journeys2-board-after-finish")
        assert len(tickets) == 4
    finally:
        context.close()
        api.close()
