"""The evaluation pages in headless chromium: window pad, citizen link page, rectification list, statistics."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from smarthall.evaluation.models import Rating, Rectification
from tests.conftest import DEMO_PASSWORD, screenshot
from tests.evaluation.conftest import PAD_KEY

pytestmark = pytest.mark.e2e


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_window_pad_shows_five_faces_and_records_the_rating(env, live_server, page, services):
    page.goto(f"{live_server}/evaluation/pad?key={PAD_KEY}")
    page.get_by_test_id("pad-status").wait_for()
    services.add("ticket", "501")
    services.finish_ticket(501)
    page.get_by_test_id("face-2").wait_for(state="visible", timeout=10000)
    assert page.locator(".faces .face").count() == 5
    screenshot(page, "evaluation-pad")
    page.get_by_test_id("face-2").click()
    page.get_by_test_id("pad-thanks").wait_for(state="visible")
    with env.db.unit_of_work(write=False) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert (rating.level, rating.channel, rating.window_code) == (2, "window_pad", "H-690102-W01")
        assert session.execute(select(Rectification.status)).scalar_one() == "open"


def test_citizen_rates_from_a_link_once(env, live_server, page, services):
    services.add("ticket", "502", channel="onsite")
    link = httpx.post(
        f"{live_server}/api/v1/evaluations/links", json={"ticket_id": 502}, headers=_token(live_server, "clerk1")
    ).json()
    page.goto(f"{live_server}{link['url']}")
    page.get_by_text("请对本次服务进行评价").wait_for()
    page.locator("label.face.level-5").click()
    page.select_option("select[name=ind_attitude]", "5")
    page.get_by_label("服务态度好").check()
    page.get_by_test_id("comment").fill("窗口人员很耐心")
    screenshot(page, "evaluation-rate-link")
    page.get_by_test_id("submit").click()
    page.get_by_test_id("thanks").wait_for()
    with env.db.unit_of_work(write=False) as session:
        rating = session.execute(select(Rating)).scalar_one()
        assert (rating.level, rating.channel, rating.tags, rating.indicators) == (
            5,
            "qr",
            ["服务态度好"],
            {"attitude": 5},
        )
    page.goto(f"{live_server}{link['url']}")
    assert page.get_by_text("评价链接已使用").is_visible()
    page.goto(f"{live_server}/evaluation/rate?token=forged.token")
    assert page.get_by_text("评价链接无效或已过期").is_visible()


def test_manager_works_a_bad_rating_to_rectified(env, live_server, page, services):
    services.add("ticket", "503")
    citizen = _token(live_server, "690102199003071232")
    r = httpx.post(
        f"{live_server}/api/v1/evaluations",
        json={"ticket_id": 503, "level": 1, "channel": "web", "comment": "等候太久"},
        headers=citizen,
    )
    rect_id = r.json()["rectification_id"]
    _login(page, live_server, "hallmanager1")
    page.goto(f"{live_server}/evaluation/rectifications")
    row = page.get_by_test_id(f"order-{rect_id}")
    assert "李*" in row.inner_text() and "等候太久" in row.inner_text()
    page.get_by_test_id(f"note-{rect_id}-follow_up").fill("已电话联系")
    page.get_by_test_id(f"act-{rect_id}-follow_up").click()
    page.get_by_test_id(f"note-{rect_id}-rectify").fill("已增开两个综合窗口")
    page.get_by_test_id(f"act-{rect_id}-rectify").click()
    assert page.get_by_test_id(f"state-{rect_id}").inner_text() == "已整改"
    screenshot(page, "evaluation-rectifications")


def test_statistics_page_draws_the_chart(env, live_server, page, services):
    citizen = _token(live_server, "690102199003071232")
    for ref, level in ((601, 5), (602, 4), (603, 2)):
        services.add("ticket", str(ref))
        httpx.post(
            f"{live_server}/api/v1/evaluations",
            json={"ticket_id": ref, "level": level, "channel": "web"},
            headers=citizen,
        )
    _login(page, live_server, "hallmanager1")
    page.goto(f"{live_server}/evaluation/stats")
    assert page.get_by_test_id("total-count").inner_text() == "3"
    assert page.get_by_test_id("total-satisfaction").inner_text() == "66.7%"
    page.locator("#chart canvas").wait_for()
    assert page.evaluate("window.smarthallChart.getOption().series.length") == 6
    screenshot(page, "evaluation-stats")
    page.select_option("[data-testid=group-by]", "item")
    page.get_by_role("button", name="统计").click()
    assert "企业设立登记" in page.get_by_test_id("stats-table").inner_text()  # the item by its name, not SC-001
