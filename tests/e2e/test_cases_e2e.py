"""Browser tests of the case pages: an instant-approval case end to end, and a supplement loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import screenshot
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e


def _login(page: Any, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "smarthall-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_instant_approval_end_to_end(live_server: str, page: Any) -> None:
    _login(page, live_server, DEMO_CITIZEN_ID, "/cases/new?hall_code=H-690102")
    page.click("[data-testid=pick-SC-003]")
    assert page.input_value("[data-testid=f-operator_name]") == "李明"
    assert page.input_value("[data-testid=f-tax_clearance]") == "已清税"
    page.select_option("[data-testid=f-cancel_reason]", "停止经营")
    screenshot(page, "cases-instant-form")
    page.check("[data-testid=confirm]")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=case]")
    assert page.get_attribute("[data-testid=case]", "data-status") == "delivered"
    assert page.locator("[data-testid=evidence] tr").count() == 3
    screenshot(page, "cases-instant-result")
    with page.expect_download() as download_info:
        page.click("[data-testid=doc-licence]")
    path = download_info.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF")
    page.click("[data-testid=verify-licence]")
    page.wait_for_selector("[data-testid=verify]")
    assert page.get_attribute("[data-testid=verify]", "data-valid") == "true"
    screenshot(page, "cases-verify")


def test_supplement_loop(live_server: str, browser: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "charter.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%demo\n%%EOF\n")
    citizen = browser.new_context(locale="zh-CN").new_page()
    clerk = browser.new_context(locale="zh-CN").new_page()
    _login(citizen, live_server, DEMO_CITIZEN_ID, "/cases/new?item_code=SC-001&hall_code=H-690102")
    citizen.fill("[data-testid=f-company_name]", "云澜示例科技有限公司")
    citizen.select_option("[data-testid=f-enterprise_type]", "有限责任公司")
    citizen.fill("[data-testid=f-registered_capital]", "100")
    citizen.fill("[data-testid=f-address]", "江安省云澜市澜湖区锦江大道2号")
    citizen.fill("[data-testid=f-business_scope]", "软件开发")
    citizen.check("[data-testid=confirm]")
    citizen.click("[data-testid=submit]")
    citizen.wait_for_selector("[data-testid=case]")
    assert citizen.get_attribute("[data-testid=case]", "data-status") == "submitted"
    case_url = citizen.url
    assert citizen.locator("[data-testid=findings] li").count() == 2

    _login(clerk, live_server, "clerk1", "/staff/cases")
    clerk.click(f"a[href='{case_url.replace(live_server, '')}']")
    clerk.check("[data-testid=miss-SC-001-M05]")
    clerk.click("[data-testid=do-supplement]")
    clerk.wait_for_selector("[data-testid=missing]")
    assert clerk.get_attribute("[data-testid=case]", "data-status") == "supplement"
    assert clerk.locator("[data-testid=missing] li").count() == 3  # ticked one + two pre-check gaps, all at once
    screenshot(clerk, "cases-supplement-notice")

    citizen.goto(case_url)
    for code in ("SC-001-M02", "SC-001-M04", "SC-001-M05"):
        citizen.set_input_files(f"[data-testid=m-{code}]", str(pdf))
    citizen.click("[data-testid=do-resubmit]")
    citizen.wait_for_selector("[data-testid=case]")
    assert citizen.get_attribute("[data-testid=case]", "data-status") == "submitted"
    assert citizen.locator("[data-testid=precheck-ok]").count() == 1

    clerk.goto(case_url)
    clerk.click("[data-testid=do-accept]")
    clerk.wait_for_selector("[data-testid=case]")
    assert clerk.get_attribute("[data-testid=case]", "data-status") == "review"
    screenshot(clerk, "cases-accepted")
    citizen.context.close()
    clerk.context.close()
