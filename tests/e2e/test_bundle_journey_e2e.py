"""Browser journey of a one-thing bundle (issue 15): the demo citizen 李明 applies for the newborn bundle (YJS-01)
with the one merged form in the browser (prefilled fields kept, the held e-licences ticked, the rest uploaded); the
comprehensive window accepts the four parts; the four departments' demo approvers approve their own tasks at the
same time over real parallel HTTP connections; the hall coordinator's page shows the parts side by side, all
approved; the citizen sees the finished bundle with its combined result and its one errand. Desktop and phone."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.bundles.helpers import NEWBORN, filler, merged_form
from tests.bundles.test_demo import approver_of
from tests.cases.helpers import HALL, PDF_BYTES, PNG_BYTES, li_ming
from tests.conftest import DEMO_PASSWORD, screenshot
from tests.factories import DEMO_CITIZEN_ID

pytestmark = pytest.mark.e2e
SHOTS = Path("/work/shots/bundles3")
PHONE = {"width": 390, "height": 844}


def _shot(page: Any, name: str) -> None:
    path = screenshot(page, name)
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def _login(page: Any, base: str, username: str, next_: str) -> None:
    page.goto(f"{base}/login?next={next_}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")


def _token(http: httpx.Client, username: str) -> dict[str, str]:
    r = http.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _approve(base: str, case_no: str, department: str) -> tuple[str, int, str]:
    """One department's approver, on its own connection."""
    with httpx.Client(base_url=base, timeout=30) as http:
        headers = _token(http, approver_of(department))
        r = http.post(f"/api/v1/cases/{case_no}/actions", headers=headers, json={"action": "approve"})
        return department, r.status_code, r.text


def test_newborn_bundle_from_one_form_to_one_result_with_parallel_departments(
    live_server: str, env: Any, page: Any, browser: Any, tmp_path: Path
) -> None:
    with TestClient(env.app) as client:
        spec = merged_form(client, li_ming(client), NEWBORN)
    pdf, png = tmp_path / "m.pdf", tmp_path / "p.png"
    pdf.write_bytes(PDF_BYTES)
    png.write_bytes(PNG_BYTES)

    # 1. The citizen: portal → the bundle's card → the one merged form → one submission.
    _login(page, live_server, DEMO_CITIZEN_ID, f"/?hall_code={HALL}")
    page.wait_for_selector("[data-testid=life-events]")
    page.locator("[data-testid=life-events] summary", has_text="新生儿出生一件事").click()
    page.click(f"[data-testid=bundle-apply-{NEWBORN}]")
    page.wait_for_selector("[data-testid=bundle-form]")
    serves = page.locator("[data-testid=serves-phone]").inner_text()
    assert all(p["item_name"] in serves for p in spec["parts"])  # the phone asked once for the four items
    today = env.clock.now().date()
    for f in spec["fields"]:
        if f["value"] is not None:
            continue
        if f["type"] == "select":
            page.select_option(f"[data-testid=f-{f['name']}]", f["options"][0])
        else:
            page.fill(f"[data-testid=f-{f['name']}]", str(filler(f, today)))
    for n, m in enumerate(spec["materials"]):
        if not m["held_licence_id"] and not m["auto_satisfied"]:
            page.set_input_files(f"[data-testid=m-{n}]", str(png if m["kind"] == "photo" else pdf))
    held = [n for n, m in enumerate(spec["materials"]) if m["held_licence_id"]]
    assert held and all(page.is_checked(f"[data-testid=use-licence-{n}]") for n in held)  # 出生医学证明 from the wallet
    page.check("[data-testid=confirm]")
    _shot(page, "bundle-journey-1-form")
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=bundle-application][data-status=running]")
    code = page.locator("[data-testid=code]").inner_text().strip()
    parts = page.locator("[data-testid=part]")
    assert parts.count() == 4
    _shot(page, "bundle-journey-2-submitted")

    # 2. The comprehensive window accepts; the departments approve their own tasks in parallel.
    with httpx.Client(base_url=live_server, timeout=30) as http:
        citizen = _token(http, DEMO_CITIZEN_ID)
        app = http.get(f"/api/v1/bundle-applications/{code}", headers=citizen).json()
        clerk = _token(http, "clerk1")
        for p in app["parts"]:
            r = http.post(f"/api/v1/cases/{p['case_no']}/actions", headers=clerk, json={"action": "accept"})
            assert r.status_code == 200, r.text
    departments = [p["department_code"] for p in app["parts"]]
    assert len(set(departments)) == 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda p: _approve(live_server, p["case_no"], p["department_code"]), app["parts"]))
    assert [(d, s) for d, s, _ in results] == [(d, 200) for d in departments], results

    # 3. The hall's coordinator sees the parts side by side, each approved.
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    coordinator = staff.new_page()
    _login(coordinator, live_server, "clerk1", "/bundles/coordination")
    row = coordinator.locator("[data-testid=bundle-row]", has=coordinator.locator(f"text={code}"))
    row.wait_for()
    assert row.get_attribute("data-status") == "done"
    cells = row.locator("[data-testid=part-status]")
    texts = cells.all_inner_texts()
    assert len(texts) == 4 and all("准予" in c for c in texts), texts
    for department in ("卫生健康", "公安"):
        assert department in row.inner_text()
    _shot(coordinator, "bundle-journey-3-coordinator")
    staff.close()

    # 4. The citizen sees the finished bundle: one combined result, one errand, in "my bundles".
    page.goto(f"{live_server}/bundles/applications/{code}")
    page.wait_for_selector("[data-testid=bundle-application][data-status=done]")
    assert "4/4" in page.locator("[data-testid=status]").inner_text()
    assert page.locator("[data-testid=documents] li").count() == 4
    _shot(page, "bundle-journey-4-done")
    page.click("[data-testid=errand-code]")
    page.wait_for_selector("[data-testid=errand-steps]")
    assert page.locator("[data-testid=errand-steps] li[data-step=case]").count() == 4
    _shot(page, "bundle-journey-5-errand")

    # 5. The window delivers every part at once from the bundle's page; the applicant rates the bundle once there.
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    window = desk.new_page()
    _login(window, live_server, "clerk1", f"/bundles/applications/{code}")
    window.wait_for_selector("[data-testid=bundle-deliver-form]")
    window.select_option("[data-testid=bundle-deliver-form] select[name=mode]", "electronic")
    window.click("[data-testid=bundle-do-deliver]")
    window.wait_for_selector("[data-testid=bundle-application][data-status=done]")
    assert "已一并送达" in window.locator("[data-testid=bundle-delivery]").inner_text()
    assert window.locator("[data-testid=bundle-deliver-form]").count() == 0
    _shot(window, "bundle-journey-5b-delivered")
    desk.close()
    page.goto(f"{live_server}/bundles/applications/{code}")
    page.wait_for_selector("[data-testid=bundle-rate-form]")
    page.check("[data-testid=bundle-rate-form] input[name=level][value='5']")
    page.fill("[data-testid=bundle-rate-form] textarea[name=comment]", "一次提交,四个部门都办好了")
    page.click("[data-testid=bundle-do-rate]")
    page.wait_for_selector("[data-testid=bundle-rated]")
    assert page.locator("[data-testid=bundle-rate-form]").count() == 0  # rated once, for the whole bundle
    _shot(page, "bundle-journey-5c-rated")
    page.goto(f"{live_server}/bundles/applications/{code}")
    page.click("[data-testid=errand-code]")
    page.wait_for_selector("[data-testid=errand-steps] li[data-step=rating]")
    steps = page.locator("[data-testid=errand-steps] li").evaluate_all("els => els.map(e => e.dataset.step)")
    assert steps.count("archive") == 1 and steps.count("rating") == 1 and steps.count("delivery") == 4, steps
    assert steps.index("archive") > max(i for i, x in enumerate(steps) if x == "delivery")
    _shot(page, "bundle-journey-5d-thread")
    with httpx.Client(base_url=live_server, timeout=30) as http:
        package = http.get(f"/api/v1/archives/{code}", headers=_token(http, "hallmanager1")).json()
    assert package["status"] == "complete", package  # one package for the bundle, the parts inside
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)
    mobile = phone.new_page()
    _login(mobile, live_server, DEMO_CITIZEN_ID, "/bundles/mine")
    mobile.wait_for_selector(f"[data-testid=my-bundle][data-code='{code}'][data-status=done]")
    _shot(mobile, "bundle-journey-6-mine-phone")
    mobile.goto(f"{live_server}/bundles/applications/{code}")
    mobile.wait_for_selector("[data-testid=bundle-application][data-status=done]")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the status page scrolls sideways on a phone ({width}px)"
    _shot(mobile, "bundle-journey-7-done-phone")
    mobile.goto(f"{live_server}/bundles/{NEWBORN}/apply?hall_code={HALL}")
    mobile.wait_for_selector("[data-testid=bundle-form]")
    _shot(mobile, "bundle-journey-8-form-phone")
    phone.close()
