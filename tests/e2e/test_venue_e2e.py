"""In a real browser: a hall manager pairs a kiosk and a board by URL and one-time code; the kiosk runs the Annex B
self-service flow for an instant-approval item and for a clerk item, the citizen presses help mid-way and the
helper sees it; the paired board shows calls; a board that stops its heartbeats raises an alert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD, screenshot
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e
HALL = "H-690102"
PORTRAIT = {"width": 1080, "height": 1920}
SHOTS = Path("/tmp/venue-shots")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    screenshot(page, f"venue-{name}")


def login(page: Any, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def register_and_code(manager: Any, code: str, kind: str, name: str, zone: str = "") -> str:
    manager.fill("[data-testid=new-code]", code)
    manager.fill("[data-testid=new-name]", name)
    manager.select_option("[data-testid=new-kind]", kind)
    if zone:
        manager.fill("input[name=zone_code]", zone)
    manager.click("[data-testid=new-submit]")
    manager.wait_for_selector(f"[data-testid=device-{code}]")
    assert "未配对" in manager.inner_text(f"[data-testid=status-{code}]")
    manager.click(f"[data-testid=pair-{code}]")
    manager.wait_for_selector("[data-testid=pairing-code]")
    return str(manager.inner_text("[data-testid=pairing-url]")).strip()


def test_pair_kiosk_and_board_run_annex_b_and_watch_heartbeats(
    live_server: str, browser: Any, env: Any, tmp_path: Path
) -> None:
    from smarthall.venue import service as venue_service

    contexts = []

    def context(**kw: Any) -> Any:
        ctx = browser.new_context(locale="zh-CN", **kw)
        contexts.append(ctx)
        return ctx.new_page()

    try:
        manager = context(viewport={"width": 1280, "height": 1000})
        login(manager, live_server, "hallmanager1", "/venue/devices")
        kiosk_url = register_and_code(manager, f"{HALL}-KIOSK-E2E", "kiosk", "东区自助机", f"{HALL}-Z01")
        shot(manager, "registry-pairing")

        # the kiosk: open the URL, the code is filled in, pair
        kiosk = context(viewport=PORTRAIT)
        kiosk.goto(kiosk_url)
        shot(kiosk, "pair")
        kiosk.click("[data-testid=pair-submit]")
        kiosk.wait_for_url(f"**/kiosk/{HALL}")
        kiosk.wait_for_selector("[data-testid=kiosk]")
        assert kiosk.locator("a[href='/docs'], form[action='/logout'], a[href='/admin/catalog']").count() == 0
        top = kiosk.locator("[data-testid=checkin]").bounding_box()
        popular = kiosk.locator("[data-testid=popular]").bounding_box()
        assert top and popular and top["y"] < popular["y"] < 900  # check-in first, popular items above the fold
        for sel in ("[data-testid=item-GA-001]", "[data-testid=event-birth]", "[data-testid=help-button]"):
            box = kiosk.locator(sel).bounding_box()
            assert box and box["height"] >= 64, (sel, box)
        shot(kiosk, "kiosk")
        kiosk.click("[data-testid=large-toggle]")
        kiosk.wait_for_selector("body.large-text")
        small_input = kiosk.locator("[data-testid=kiosk-search]").bounding_box()
        assert small_input and small_input["height"] >= 88
        shot(kiosk, "kiosk-large")
        kiosk.click("[data-testid=large-toggle]")
        kiosk.click("[data-testid=event-birth]")
        assert "出生登记" in kiosk.inner_text("[data-testid=event-items]")
        kiosk.fill("[data-testid=kiosk-search]", "身份证")
        kiosk.press("[data-testid=kiosk-search]", "Enter")
        assert "居民身份证换领" in kiosk.inner_text("[data-testid=search-results]")

        # Annex B, instant approval: card → item → prefilled form → submit → result → rate
        kiosk.goto(f"{live_server}/kiosk/{HALL}")
        kiosk.click("[data-testid=self-service]")
        kiosk.wait_for_selector("[data-testid=self-identify]")
        shot(kiosk, "self-identify")
        kiosk.fill("[data-testid=card-tray]", DEMO_CITIZEN_ID)
        kiosk.click("[data-testid=card-read]")
        kiosk.wait_for_selector("[data-testid=self-item]")
        shot(kiosk, "self-items")
        kiosk.fill("[data-testid=self-search]", "个体工商户注销")
        kiosk.press("[data-testid=self-search]", "Enter")
        kiosk.click("[data-testid=pick-SC-003]")
        kiosk.wait_for_selector("[data-testid=self-form]")
        assert kiosk.input_value("[data-testid=f-operator_name]") == "李明"
        kiosk.select_option("[data-testid=f-cancel_reason]", "停止经营")
        kiosk.check("[data-testid=confirm]")
        shot(kiosk, "self-form-instant")
        kiosk.click("[data-testid=self-submit]")
        kiosk.wait_for_selector("[data-testid=result-instant]")
        shot(kiosk, "self-result-instant")
        kiosk.click("[data-testid=rate-5]")
        kiosk.wait_for_selector("[data-testid=rated]")
        kiosk.click("[data-testid=end-visit]")
        kiosk.wait_for_url(f"**/kiosk/{HALL}")

        # Annex B, a clerk item, with help pressed mid-way
        kiosk.click("[data-testid=self-service]")
        kiosk.fill("[data-testid=card-tray]", DEMO_CITIZEN_ID)
        kiosk.click("[data-testid=card-read]")
        kiosk.wait_for_selector("[data-testid=self-item]")
        kiosk.goto(f"{live_server}/kiosk/{HALL}/self/form?item=SC-001")
        kiosk.wait_for_selector("[data-testid=self-form]")
        kiosk.click("[data-testid=help-button]")
        kiosk.wait_for_selector("[data-testid=help-raised]")
        shot(kiosk, "self-help")
        helper = context(viewport={"width": 1280, "height": 900})
        login(helper, live_server, "guide3", "/assist/work")
        assert "填表与材料" in helper.inner_text("main") and "东区自助机" in helper.inner_text("main")
        shot(helper, "helper-sees-kiosk")
        kiosk.goto(f"{live_server}/kiosk/{HALL}/self/form")
        kiosk.wait_for_selector("[data-testid=self-form]")
        for field, value in (
            ("company_name", "云澜示例科技有限公司"),
            ("registered_capital", "100"),
            ("address", "江安省云澜市澜湖区锦江大道2号"),
            ("business_scope", "软件开发"),
        ):
            kiosk.fill(f"[data-testid=f-{field}]", value)
        kiosk.select_option("[data-testid=f-enterprise_type]", "有限责任公司")
        pdf = tmp_path / "scan.pdf"
        pdf.write_bytes(b"%PDF-1.4\n%demo\n%%EOF\n")
        for upload in kiosk.locator("input[type=file]").all():
            upload.set_input_files(str(pdf))
        kiosk.check("[data-testid=confirm]")
        kiosk.click("[data-testid=self-submit]")
        kiosk.wait_for_selector("[data-testid=result-receipt]")
        assert "号窗口" in kiosk.inner_text("[data-testid=fallback]")
        shot(kiosk, "self-result-receipt")
        kiosk.click("[data-testid=end-visit]")

        # a board paired the same way shows calls
        manager.goto(f"{live_server}/venue/devices")
        board_url = register_and_code(manager, f"{HALL}-BOARD-E2E", "display", "东区大屏")
        board = context(viewport={"width": 1920, "height": 1080})
        board.goto(board_url)
        board.click("[data-testid=pair-submit]")
        board.wait_for_url(f"**/board/{HALL}")
        board.wait_for_selector("[data-testid=board-conn][data-state=live]", timeout=15000)
        kiosk.goto(f"{live_server}/kiosk/{HALL}")
        kiosk.click("[data-testid=item-GA-001]")
        number = kiosk.inner_text("[data-testid=ticket-number]").strip()
        clerk = context(viewport={"width": 1280, "height": 900})
        login(clerk, live_server, "clerk1", f"/window/{HALL}-W01")
        clerk.click("[data-testid=act-sign-in]")
        clerk.click("[data-testid=act-call-next]")
        board.wait_for_function(
            "n => document.querySelector('[data-testid=board-latest]').textContent.includes(n)",
            arg=number,
            timeout=15000,
        )
        shot(board, "board-paired")

        # the board's heartbeats reached the registry; then it goes silent and raises an alert
        manager.goto(f"{live_server}/venue/devices")
        assert "在线" in manager.inner_text(f"[data-testid=status-{HALL}-BOARD-E2E]")
        board.context.close()
        env.clock.advance(seconds=200)
        with env.db.unit_of_work() as session:
            assert any(
                f.device_code == f"{HALL}-BOARD-E2E" for f in venue_service.sweep_silent(session, now=env.clock.now())
            )
        manager.goto(f"{live_server}/venue/devices")
        assert "离线" in manager.inner_text("[data-testid=fault-offline]")
        shot(manager, "registry-alert")
    finally:
        for ctx in contexts:
            try:
                ctx.close()
            except Exception:  # noqa: BLE001,S110 - already closed above
                pass
