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


def test_a_notice_set_by_the_hall_manager_reaches_the_open_board(live_server: str, browser: Any) -> None:
    """The board is open on the wall; the hall manager saves a notice on their page; the board shows it without a
    reload (the ``update`` event), on one 1080p screen, large enough to read from 5 m."""
    context = browser.new_context(
        locale="zh-CN", extra_http_headers={"X-Device-Key": DISPLAY_KEY}, viewport={"width": 1920, "height": 1080}
    )
    manager = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        board = context.new_page()
        board.goto(f"{live_server}/board/{HALL}")
        board.wait_for_selector("[data-testid=board-conn][data-state=live]", timeout=15000)
        assert "请留意叫号" in board.inner_text("[data-testid=board-notice]")
        desk = manager.new_page()
        desk.goto(f"{live_server}/login?next=/board/{HALL}/notice")
        desk.fill("input[name=username]", "hallmanager1")
        desk.fill("input[name=password]", DEMO_PASSWORD)
        desk.click("button[type=submit]")
        desk.wait_for_selector("[data-testid=board-notice-form]")
        desk.fill("[data-testid=notice-zh]", "今日15:00起社保业务系统维护,请到3号窗口办理")
        desk.fill("[data-testid=notice-en]", "Social security moves to window 3 from 15:00")
        desk.fill("[data-testid=notice-expires]", "2026-11-30T17:00")
        desk.click("[data-testid=notice-save]")
        assert "已保存" in desk.inner_text("[data-testid=notice-saved]")
        assert "显示至 2026-11-30 17:00" in desk.inner_text("[data-testid=notice-current]")
        screenshot(desk, "journeys3-board-notice-form")
        board.wait_for_function(
            "() => document.querySelector('[data-testid=board-notice]').textContent.includes('3号窗口')"
        )
        size = board.eval_on_selector("[data-testid=board-notice]", "el => parseFloat(getComputedStyle(el).fontSize)")
        assert size >= 28, size
        assert board.evaluate("document.documentElement.scrollHeight") <= 1080
        assert board.locator("[data-testid=board-notice]").is_visible()
        screenshot(board, "journeys3-board-notice-1080p")
    finally:
        manager.close()
        context.close()


def test_the_wall_clock_shows_the_hall_time_not_the_screen_time(live_server: str, browser: Any, env: Any) -> None:
    """On the fresh demo walk (journeys16) the board's clock read the screen's own time (03:51) while the demo clock
    in every top bar read 09:53: the board now runs its clock from the server's time (here the frozen clock)."""
    from smarthall.core.clock import format_local

    expected = format_local(env.clock.now(), "%H:%M")
    context = browser.new_context(
        locale="zh-CN", extra_http_headers={"X-Device-Key": DISPLAY_KEY}, viewport={"width": 1920, "height": 1080}
    )
    try:
        board = context.new_page()
        board.goto(f"{live_server}/board/{HALL}")
        board.wait_for_function("() => document.querySelector('[data-testid=board-clock]').textContent !== ''")
        shown = board.inner_text("[data-testid=board-clock]").strip()
        screenshot(board, "journeys16-board-clock")
    finally:
        context.close()
    assert shown == expected, (shown, expected)
