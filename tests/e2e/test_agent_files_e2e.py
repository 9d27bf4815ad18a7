"""In a real browser (issue 15 item 5, test T3): an agent (代办人) chooses the authorization in force under 为他人办理,
files the entrustor's case on the prefilled form with uploads, supplements it when asked, and collects the result
at the window, where the clerk checks the agent against the authorization; the entrustor stays the applicant and
is told at each step."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEFAULT_NOW, DEMO_PASSWORD, auth, screenshot
from tests.factories import DEMO_CITIZEN_ID, register_citizen

pytestmark = pytest.mark.e2e

HALL = "H-690102"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _login(page: Any, base: str, username: str, password: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_an_agent_files_and_collects_for_the_entrustor(live_server, browser, client, tmp_path: Path) -> None:
    owner = auth(client, DEMO_CITIZEN_ID)
    person, agent_api = register_citizen(client)
    agent_id = int(client.get("/api/v1/me", headers=agent_api).json()["id"])
    body = {"agent_citizen_id": agent_id, "hall_code": HALL, "item_codes": ["SC-001"],
            "scope": ["declare", "submit_materials", "collect_result"], "valid_from": DEFAULT_NOW.isoformat(),
            "valid_until": (DEFAULT_NOW + timedelta(days=30)).isoformat()}  # fmt: skip
    pid = int(client.post("/api/v1/proxy-authorizations", json=body, headers=owner).json()["id"])
    assert client.post(f"/api/v1/proxy-authorizations/{pid}/actions", json={"action": "confirm"},
                       headers=owner).status_code == 200  # fmt: skip
    pdf = tmp_path / "m.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    agent_ctx = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    phone_ctx = browser.new_context(locale="zh-CN", viewport=PHONE)
    clerk_ctx = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    try:
        agent = agent_ctx.new_page()
        _login(agent, live_server, person["id_number"], person["password"], "/cases")
        agent.click("[data-testid=act-for-others]")
        agent.wait_for_selector(f"[data-testid=authorization][data-id='{pid}'][data-in-force=yes]")
        screenshot(agent, "agent-for-others-desktop")
        agent.click(f"[data-testid=file-for-{pid}-SC-001]")
        agent.wait_for_selector("[data-testid=agent-banner]")
        assert agent.locator("[data-testid=save-draft]").count() == 0
        agent.fill("[data-testid=f-company_name]", "云澜示例科技有限公司")
        agent.select_option("[data-testid=f-enterprise_type]", "有限责任公司")
        agent.fill("[data-testid=f-registered_capital]", "100")
        agent.fill("[data-testid=f-address]", "江安省云澜市澜湖区锦江大道2号")
        agent.fill("[data-testid=f-business_scope]", "软件开发")
        for code in ("SC-001-M02", "SC-001-M04"):
            agent.set_input_files(f"[data-testid=m-{code}]", str(pdf))
        screenshot(agent, "agent-files-form-desktop")
        agent.check("[data-testid=confirm]")
        agent.click("[data-testid=submit]")
        agent.wait_for_selector("[data-testid=agent-view]")
        assert agent.get_attribute("[data-testid=case]", "data-status") == "submitted"
        case_url = agent.url.replace(live_server, "")
        case_no = case_url.rsplit("/", 1)[1]
        assert client.get(f"/api/v1/cases/{case_no}", headers=owner).json()["status"] == "submitted"
        screenshot(agent, "agent-case-desktop")

        phone = phone_ctx.new_page()
        _login(phone, live_server, person["id_number"], person["password"], "/agent/entrustors")
        phone.wait_for_selector(f"a[href='{case_url}']")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        screenshot(phone, "agent-for-others-phone")
        phone.goto(f"{live_server}/cases/new?item_code=SC-001&hall_code={HALL}&for={pid}")
        phone.wait_for_selector("[data-testid=agent-banner]")
        screenshot(phone, "agent-files-form-phone")
        phone.goto(f"{live_server}{case_url}")
        phone.wait_for_selector("[data-testid=agent-view]")
        screenshot(phone, "agent-case-phone")

        clerk = clerk_ctx.new_page()
        _login(clerk, live_server, "clerk1", DEMO_PASSWORD, case_url)
        clerk.check("[data-testid=miss-SC-001-M05]")
        clerk.click("[data-testid=do-supplement]")
        clerk.wait_for_selector("[data-testid=missing]")

        agent.goto(f"{live_server}{case_url}")  # the agent supplements what was asked
        agent.set_input_files("[data-testid=m-SC-001-M05]", str(pdf))
        screenshot(agent, "agent-supplements-desktop")
        agent.click("[data-testid=do-resubmit]")
        agent.wait_for_selector("[data-testid=agent-view]")
        assert agent.get_attribute("[data-testid=case]", "data-status") == "submitted"

        clerk_api = auth(client, "clerk1")
        url = f"/api/v1/cases/{case_no}/actions"
        assert client.post(url, json={"action": "accept"}, headers=clerk_api).status_code == 200
        assert client.post(url, json={"action": "approve"}, headers=auth(client, "approver1")).status_code == 200

        clerk.goto(f"{live_server}{case_url}")  # the agent at the window: their ID card and the authorization
        clerk.select_option("[data-testid=deliver-form] select[name=mode]", "window")
        clerk.fill("[data-testid=proxy-name]", person["name"])
        clerk.fill("[data-testid=proxy-id-number]", person["id_number"])
        clerk.fill("[data-testid=proxy-authorization-id]", str(pid))
        clerk.click("[data-testid=do-deliver]")
        clerk.wait_for_selector("[data-testid=case][data-status=delivered]")

        agent.goto(f"{live_server}{case_url}")
        assert agent.get_attribute("[data-testid=case]", "data-status") == "delivered"
        screenshot(agent, "agent-collected-desktop")
        delivery = client.get(f"/api/v1/cases/{case_no}", headers=owner).json()["delivery"]
        assert delivery["collector"] == "proxy" and delivery["proxy_authorization_id"] == pid
        told = [m["body_zh"] for m in client.get("/api/v1/me/messages", headers=owner).json()]
        assert len([m for m in told if "代办人" in m and case_no in m]) >= 2  # filed, resubmitted
    finally:
        for ctx in (agent_ctx, phone_ctx, clerk_ctx):
            ctx.close()
