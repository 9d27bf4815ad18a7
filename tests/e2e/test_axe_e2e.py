"""axe-core (vendored from npm for the tests only) on the pages issue 16 part 2 touched: no serious or critical
violations on the clerk's and the approver's case page with the materials viewer, the declaration form after a
failed check, the wall board and the large-text ask page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smarthall.demo import DISPLAY_KEY
from tests.cases.test_decide_seeing import real_pdf
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def _violations(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE)  # through the devtools protocol: the page's CSP does not apply to the test's own script
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _login(page: Any, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "smarthall-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_the_touched_pages_have_no_serious_violations(live_server: str, browser: Any, tmp_path: Path) -> None:
    charter = tmp_path / "charter.pdf"
    charter.write_bytes(real_pdf(1))
    found: dict[str, list[dict[str, Any]]] = {}
    citizen = browser.new_context(locale="zh-CN").new_page()
    _login(citizen, live_server, DEMO_CITIZEN_ID, "/cases/new?item_code=SC-001&hall_code=H-690102")
    citizen.set_input_files("[data-testid='m-SC-001-M02']", str(charter))
    citizen.check("[data-testid=confirm]")
    citizen.click("[data-testid=submit]")
    citizen.wait_for_selector("[data-testid=faults]")
    found["declaration after a failed check"] = _violations(citizen)
    citizen.fill("[data-testid=f-company_name]", "云澜示例科技有限公司")
    citizen.select_option("[data-testid=f-enterprise_type]", "有限责任公司")
    citizen.fill("[data-testid=f-registered_capital]", "100")
    citizen.fill("[data-testid=f-address]", "江安省云澜市澜湖区锦江大道2号")
    citizen.fill("[data-testid=f-business_scope]", "软件开发")
    citizen.check("[data-testid=confirm]")
    citizen.click("[data-testid=submit]")
    citizen.wait_for_selector("[data-testid=case]")
    case_url = citizen.url
    found["the applicant's case page"] = _violations(citizen)
    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000}).new_page()
    _login(clerk, live_server, "clerk1", "/staff/cases")
    clerk.goto(case_url)
    clerk.wait_for_selector("[data-testid=viewer]")
    found["the clerk's case page"] = _violations(clerk)
    clerk.click("[data-testid=do-accept]")
    clerk.wait_for_selector("[data-testid=case][data-status=review]")
    approver = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000}).new_page()
    _login(approver, live_server, "approver1", "/staff/cases")
    approver.goto(case_url)
    found["the approver's case page"] = _violations(approver)
    board = browser.new_context(
        locale="zh-CN", extra_http_headers={"X-Device-Key": DISPLAY_KEY}, viewport={"width": 1920, "height": 1080}
    ).new_page()
    board.goto(f"{live_server}/board/H-690102")
    board.wait_for_selector("[data-testid=board-conn][data-state=live]", timeout=15000)
    found["the wall board"] = _violations(board)
    ask = browser.new_context(locale="zh-CN").new_page()
    ask.goto(f"{live_server}/ask?large=1")
    found["the large-text ask page"] = _violations(ask)
    assert {page: v for page, v in found.items() if v} == {}
