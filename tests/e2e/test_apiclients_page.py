"""The API clients admin page in a real browser: register a client, see its key once, rotate, revoke; words not
codes; a clerk is turned away."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.conftest import screenshot
from tests.e2e.test_consult_pages import login

SHOTS = Path("/tmp/open-shots")


def _shot(page: Any, name: str) -> None:
    path = screenshot(page, name)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_admin_registers_rotates_and_revokes_a_client(live_server: str, page: Any, env: Any) -> None:
    if env.backend != "sqlite":
        return
    login(page, live_server, "admin1", "/admin/api-clients")
    assert page.locator("h1").inner_text() == "接入系统管理"
    page.fill("input[name=name]", "市场监管审批系统")
    page.check("input[value='events.receive']")
    page.check("input[value='catalog.read']")
    page.fill("input[name=departments]", "SC")
    page.click("[data-testid=apiclient-create] button[type=submit]")
    page.wait_for_load_state()
    key = page.locator("[data-testid=new-key] code").inner_text()
    assert key.startswith("shk_")
    table = page.locator("[data-testid=apiclient-list]").inner_text()
    assert "市场监管审批系统" in table and "接收事件推送" in table and "每分钟 120 次" in table
    assert "events.receive" not in table  # words, not codes
    _shot(page, "apiclients-created")
    page.click("text=轮换密钥")
    page.wait_for_load_state()
    assert page.locator("[data-testid=new-key] code").inner_text() != key
    assert page.locator("[data-testid=apiclient-list] .badge.ok").count() == 2
    page.locator("[data-testid=apiclient-list] button", has_text="吊销").first.click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=apiclient-list]").inner_text().count("已吊销") == 1
    assert page.locator("[data-testid=new-key]").count() == 0  # never shown again
    _shot(page, "apiclients-rotated")


def test_a_clerk_cannot_open_the_page(live_server: str, page: Any, env: Any) -> None:
    if env.backend != "sqlite":
        return
    login(page, live_server, "clerk1", "/admin/api-clients")
    assert page.locator("[data-testid=apiclient-list]").count() == 0


def test_a_sensitive_client_waits_for_a_hall_manager_to_approve(live_server: str, page: Any, env: Any) -> None:
    if env.backend != "sqlite":
        return
    login(page, live_server, "admin1", "/admin/api-clients")
    page.fill("input[name=name]", "不动产登记系统")
    page.check("input[value='cases.act']")
    page.fill("input[name=departments]", "SC")
    page.click("[data-testid=apiclient-create] button[type=submit]")
    page.wait_for_load_state()
    assert "须由另一位管理员或大厅负责人审批" in page.locator("[data-testid=new-key-waits]").inner_text()
    assert "待审批,暂不可用" in page.locator("[data-testid=apiclient-list]").inner_text()
    _shot(page, "apiclients-waiting")
    page.context.clear_cookies()
    login(page, live_server, "hallmanager1", "/admin/api-clients")
    assert page.locator("[data-testid=apiclient-create]").count() == 0
    page.locator("[data-testid^=approve-]").first.click()
    page.wait_for_load_state()
    table = page.locator("[data-testid=apiclient-list]").inner_text()
    assert "待第二人审批" not in table and "审批人 hallmanager1" in table
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "apiclients-approved-phone")
