"""The clerk and the approver decide seeing (issue 16 item 3): the materials beside the form, a finding pinned to
its material, zoom and rotate; the approver grants with an opinion the timeline keeps. Screenshots saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cases.test_decide_seeing import real_pdf
from tests.conftest import screenshot
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e


def _login(page: Any, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "smarthall-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_clerk_and_approver_see_the_materials_and_the_approver_gives_an_opinion(
    live_server: str, browser: Any, tmp_path: Path
) -> None:
    charter = tmp_path / "charter.pdf"
    charter.write_bytes(real_pdf(2))
    citizen = browser.new_context(locale="zh-CN").new_page()
    _login(citizen, live_server, DEMO_CITIZEN_ID, "/cases/new?item_code=SC-001&hall_code=H-690102")
    citizen.set_input_files("[data-testid='m-SC-001-M02']", str(charter))
    citizen.check("[data-testid=confirm]")
    citizen.click("[data-testid=submit]")  # the company name is missing: the check fails, the file stays
    citizen.wait_for_selector("[data-testid=faults]")
    assert "charter.pdf" in citizen.inner_text("[data-testid='kept-SC-001-M02']")
    box = citizen.locator("[data-testid=confirm]").bounding_box()
    label = citizen.locator("label:has([data-testid=confirm])").bounding_box()
    assert box and label and abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 8
    screenshot(citizen, "journeys2-kept-upload")
    citizen.fill("[data-testid=f-company_name]", "云澜示例科技有限公司")
    citizen.select_option("[data-testid=f-enterprise_type]", "有限责任公司")
    citizen.fill("[data-testid=f-registered_capital]", "100")
    citizen.fill("[data-testid=f-address]", "江安省云澜市澜湖区锦江大道2号")
    citizen.fill("[data-testid=f-business_scope]", "软件开发")
    citizen.check("[data-testid=confirm]")
    citizen.click("[data-testid=submit]")
    citizen.wait_for_selector("[data-testid=case]")
    case_url = citizen.url

    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000}).new_page()
    _login(clerk, live_server, "clerk1", "/staff/cases")
    clerk.goto(case_url)
    viewer = clerk.locator("[data-testid=viewer]")
    assert viewer.is_visible()
    assert clerk.locator("[data-testid=form]").is_visible()  # beside the form
    form_box, viewer_box = clerk.locator("[data-testid=form]").bounding_box(), viewer.bounding_box()
    assert form_box and viewer_box and viewer_box["x"] > form_box["x"] + form_box["width"] - 5
    page_one = clerk.locator("[data-testid='page-SC-001-M02-1']")
    page_one.wait_for(state="visible")
    clerk.wait_for_function("document.querySelector(\"[data-testid='page-SC-001-M02-1']\").naturalWidth > 0")
    width = page_one.bounding_box()["width"]
    clerk.click("[data-testid=zoom-in]")
    assert clerk.inner_text("[data-testid=zoom-label]") == "125%"
    assert page_one.bounding_box()["width"] > width * 1.2
    clerk.click("[data-testid=rotate]")
    assert "rotate(90deg)" in (page_one.get_attribute("style") or "")
    screenshot(clerk, "journeys2-clerk-viewer")
    clerk.click("[data-testid='tab-SC-001-M04']")  # a required material not handed in, its finding pinned
    pinned = clerk.locator("[data-testid='pinned-SC-001-M04']")
    assert pinned.is_visible() and "未提交" in clerk.inner_text("[data-testid='material-SC-001-M04']")
    assert not page_one.is_visible()
    screenshot(clerk, "journeys2-clerk-pinned")
    clerk.click("[data-testid=do-accept]")
    clerk.wait_for_selector("[data-testid=case][data-status=review]")

    approver = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000}).new_page()
    _login(approver, live_server, "approver1", "/staff/cases")
    approver.goto(case_url)
    assert approver.locator("[data-testid=viewer]").is_visible()
    approver.fill("[data-testid=note-approve]", "材料齐全,同意设立")
    screenshot(approver, "journeys2-approver-opinion")
    approver.click("[data-testid=do-approve]")
    approver.wait_for_selector("[data-testid=documents]")
    assert "材料齐全,同意设立" in approver.inner_text("[data-testid=timeline]")
    screenshot(approver, "journeys2-approved")
