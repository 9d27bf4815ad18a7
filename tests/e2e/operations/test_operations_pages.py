"""Browser tests of the operations pages on generated history: the cockpit with its charts and drill-down, the
service-improvement page, the wall screen at 1920×1080 (screenshots under tests/e2e/artifacts/)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smarthall.operations import flows
from tests.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.e2e


def _login(page, base: str, username: str = "hallmanager1") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _history(env) -> None:
    now = env.clock.now()
    with env.db.unit_of_work() as session:
        flows.load_history(session, days=14, hall_codes=["H-690102", "H-690102001"], seed=3, now=now,
                           today=now.date() + timedelta(days=1))  # fmt: skip


def test_cockpit_drills_down_and_exports(env, live_server, page):
    _history(env)
    _login(page, live_server)
    page.goto(f"{live_server}/operations/cockpit")
    assert page.get_by_test_id("scope-name").inner_text() == "澜湖区"
    assert int(page.get_by_test_id("kpi-arrivals").inner_text()) > 0
    page.wait_for_function("window.smarthallCharts && window.smarthallCharts.length === 3")
    assert page.locator("[data-testid=chart-heat] canvas").count() == 1
    screenshot(page, "operations-cockpit-county")
    page.get_by_test_id("drill").filter(has_text="澜湖区政务服务中心").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("scope-name").inner_text() == "澜湖区政务服务中心"
    assert "窗口" in page.locator("h2", has_text="窗口").first.inner_text()
    screenshot(page, "operations-cockpit-hall")
    href = page.get_by_test_id("export-xlsx").first.get_attribute("href")
    assert href and "format=xlsx" in href
    response = page.request.get(f"{live_server}{href}")
    assert response.status == 200 and response.body()[:2] == b"PK"


def test_improvement_lists_link_to_the_records(env, live_server, page):
    _history(env)
    _login(page, live_server)
    page.goto(f"{live_server}/operations/improvement")
    assert page.get_by_test_id("bad-tags").locator("summary").count() > 0
    assert page.get_by_test_id("notices").locator("a[href^='/cases/']").count() > 0
    assert page.get_by_test_id("slowest").locator("tbody tr").count() > 0
    screenshot(page, "operations-improvement")


def test_wall_screen_fits_1920x1080(env, live_server, page):
    _history(env)
    _login(page, live_server)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}/operations/wall/H-690102")
    assert page.get_by_test_id("wall-hall").inner_text() == "澜湖区政务服务中心"
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080
    screenshot(page, "operations-wall")


def test_a_clerk_and_another_halls_manager_are_refused(env, live_server, page):
    _login(page, live_server, "clerk1")
    page.goto(f"{live_server}/operations/cockpit?level=hall&code=H-690102")
    assert "只有大厅主任" in page.content()
