"""In a real browser: take a ticket at the kiosk, call it at the window, see it on the board (live over SSE)."""

from __future__ import annotations

import pytest

from smarthall.demo import DISPLAY_KEY, KIOSK_KEY
from tests.conftest import DEMO_PASSWORD, screenshot

HALL = "H-690102"
WINDOW = "H-690102-W01"


@pytest.mark.e2e
def test_kiosk_ticket_called_at_window_appears_on_board(live_server, browser):
    board_ctx = browser.new_context(
        locale="zh-CN", extra_http_headers={"X-Device-Key": DISPLAY_KEY}, viewport={"width": 1600, "height": 900}
    )
    kiosk_ctx = browser.new_context(
        locale="zh-CN", extra_http_headers={"X-Device-Key": KIOSK_KEY}, viewport={"width": 1280, "height": 1000}
    )
    clerk_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        board = board_ctx.new_page()
        board.goto(f"{live_server}/board/{HALL}")
        board.wait_for_selector("[data-testid=board-conn][data-state=live]", timeout=15000)

        kiosk = kiosk_ctx.new_page()
        kiosk.goto(f"{live_server}/kiosk/{HALL}?large=1")
        screenshot(kiosk, "queueing-kiosk")
        kiosk.click("[data-testid=item-GA-001]")
        number = kiosk.inner_text("[data-testid=ticket-number]").strip()
        assert number.endswith("001")
        screenshot(kiosk, "queueing-ticket")

        clerk = clerk_ctx.new_page()
        clerk.goto(f"{live_server}/login?next=/window/{WINDOW}")
        clerk.fill("input[name=username]", "clerk1")
        clerk.fill("input[name=password]", DEMO_PASSWORD)
        clerk.click("button[type=submit]")
        clerk.wait_for_url(f"**/window/{WINDOW}")
        clerk.click("[data-testid=act-sign-in]")
        clerk.click("[data-testid=act-call-next]")
        assert clerk.inner_text("[data-testid=current-number]").strip() == number
        screenshot(clerk, "queueing-window")

        # The board was loaded before the call: the number arrives over the live stream.
        board.wait_for_function(
            "n => document.querySelector('[data-testid=board-latest]').textContent.includes(n)",
            arg=number,
            timeout=15000,
        )
        assert number in board.inner_text("[data-testid=board-calls]")
        assert "请 " + number + " 号到 1 号窗口" in board.inner_text("[data-testid=board-latest]")
        screenshot(board, "queueing-board")

        clerk.click("[data-testid=act-finish]")
        assert clerk.locator("[data-testid=act-call-next]").is_visible()
    finally:
        for ctx in (board_ctx, kiosk_ctx, clerk_ctx):
            ctx.close()
