"""Bundle pages through HTTP as a browser uses them: the portal's bundle card → the one merged form → one
submission (faults shown on the page, nothing created) → the status page; another citizen and another hall's staff
are refused; the hall's coordinator sees the parts side by side."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.bundles.helpers import NEWBORN, approvers, birth_certificate, filler, merged_form
from tests.cases.helpers import HALL, PDF_BYTES, PNG_BYTES, add_staff, li_ming
from tests.factories import DEMO_CITIZEN_ID, assert_refused_page, register_citizen
from tests.web.test_portal import ORIGIN, assert_in_words

APPLY = f"/bundles/{NEWBORN}/apply"


def _browser(env: Any, username: str, password: str = "smarthall-demo") -> TestClient:
    browser = TestClient(env.app, base_url="http://testserver")
    r = browser.post("/login", data={"username": username, "password": password, "next": "/"}, headers=ORIGIN)
    assert r.status_code in (200, 303), r.text[:300]
    return browser


def _posted(spec: dict[str, Any], today: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """What the browser posts: every field (prefilled ones as shown), held licences ticked, the rest uploaded."""
    data = {"hall_code": HALL}
    data |= {f"f_{f['name']}": str(f["value"] if f["value"] is not None else filler(f, today)) for f in spec["fields"]}
    files: dict[str, Any] = {}
    for n, m in enumerate(spec["materials"]):
        if m["held_licence_id"]:
            data[f"use_licence_{n}"] = "on"
        elif not m["auto_satisfied"]:
            png = m["kind"] == "photo"
            files[f"m_{n}"] = ("p.png", PNG_BYTES, "image/png") if png else ("m.pdf", PDF_BYTES, "application/pdf")
    return data, files


def _apply(env: Any, client: Any) -> tuple[TestClient, str]:
    approvers(env)
    birth_certificate(env)
    spec = merged_form(client, li_ming(client))
    browser = _browser(env, DEMO_CITIZEN_ID)
    data, files = _posted(spec, env.clock.now().date())
    r = browser.post(APPLY, data=data, files=files, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303, r.text[-800:]
    location = r.headers["location"]
    assert location.startswith("/bundles/applications/YJS")
    return browser, location


def test_the_portal_card_leads_to_one_form_asking_each_field_once(env: Any, client: Any) -> None:
    birth_certificate(env)
    browser = _browser(env, DEMO_CITIZEN_ID)
    home = browser.get("/", params={"hall_code": HALL})
    assert f'href="{APPLY}?hall_code={HALL}"' in home.text
    page = browser.get(APPLY, params={"hall_code": HALL, "lang": "zh"})
    assert page.status_code == 200, page.text[-500:]
    spec = merged_form(client, li_ming(client))
    for f in spec["fields"]:
        assert page.text.count(f'name="f_{f["name"]}"') == 1  # each field once
    assert "用于:" in page.text and "、".join(spec["fields"][0]["items"]) in page.text  # the items it serves
    held = sum(1 for m in spec["materials"] if m["held_licence_id"])
    assert page.text.count('type="checkbox" name="use_licence_') == held
    assert_in_words(page.text, APPLY, lang="zh")


def test_apply_through_the_form_page_and_see_the_status_page(env: Any, client: Any) -> None:
    browser, location = _apply(env, client)
    page = browser.get(location, params={"lang": "zh"})
    assert page.status_code == 200
    assert page.text.count('data-testid="part"') == 4
    for word in ("出生医学证明", "已提交", "各部门并联办理中", "各部门办结后"):
        assert word in page.text, word
    code = location.rsplit("/", 1)[1]
    api = client.get(f"/api/v1/bundle-applications/{code}", headers=li_ming(client)).json()
    for part in api["parts"]:
        assert part["department_name"] in page.text and str(part["promised_due_date"]) in page.text
    assert_in_words(page.text, location, lang="zh")
    assert_in_words(browser.get(location, params={"lang": "en"}).text, location, lang="en")


def test_a_fault_is_shown_on_the_form_page_and_nothing_is_created(env: Any, client: Any) -> None:
    approvers(env)
    birth_certificate(env)
    citizen = li_ming(client)
    before = len(client.get("/api/v1/cases", headers=citizen).json())
    spec = merged_form(client, citizen)
    data, files = _posted(spec, env.clock.now().date())
    data["f_bank"] = "不存在的银行"  # only 社会保障卡申领 (the last part) asks for it
    browser = _browser(env, DEMO_CITIZEN_ID)
    r = browser.post(APPLY, data=data, files=files, headers=ORIGIN, follow_redirects=False)
    assert_refused_page(r, 422, "bundle_form_invalid")  # the form again, its faults on it
    assert 'data-testid="faults"' in r.text and "社会保障卡" in r.text
    faults = r.text.split('data-testid="faults"', 1)[1].split("</div>", 1)[0]
    bank = next(f for f in spec["fields"] if f["name"] == "bank")
    assert f"<strong>{bank['label']}</strong>" in faults  # the fault names the field in words, and its item
    assert data["f_phone"] in r.text  # what was typed is kept
    assert len(client.get("/api/v1/cases", headers=citizen).json()) == before
    assert client.get("/api/v1/bundle-applications", headers=citizen).json() == []


def test_another_citizen_and_another_hall_are_refused_and_the_coordinator_sees_the_parts(env: Any, client: Any) -> None:
    _, location = _apply(env, client)
    stranger, _ = register_citizen(client)
    assert_refused_page(_browser(env, stranger["id_number"], stranger["password"]).get(location), 404,
                        "bundle_application_not_found")  # fmt: skip
    add_staff(env, username="clerk_other", role="clerk", hall_code="H-690123")
    other = _browser(env, "clerk_other")
    assert_refused_page(other.get(location), 403, "bundle_out_of_scope")
    assert 'data-testid="bundle-row"' not in other.get("/bundles/coordination").text
    assert_refused_page(_browser(env, "admin1").get("/bundles/coordination"), 403, "bundle_read_forbidden")
    assert_refused_page(_browser(env, DEMO_CITIZEN_ID).get("/bundles/coordination"), 403, "bundle_read_forbidden")
    clerk_posts = _browser(env, "clerk1").post(APPLY, data={"hall_code": HALL}, headers=ORIGIN)
    assert_refused_page(clerk_posts, 403, "bundle_apply_forbidden")
    clerk = _browser(env, "clerk1")
    page = clerk.get("/bundles/coordination", params={"lang": "zh"})
    assert page.status_code == 200 and page.text.count('data-testid="bundle-row"') == 1
    assert page.text.count('data-testid="part-status"') == 4
    assert_in_words(page.text, "/bundles/coordination", lang="zh")
    assert clerk.get(location).status_code == 200
    assert TestClient(env.app, base_url="http://testserver").get(location, follow_redirects=False).status_code == 303


def test_my_bundles_lists_the_citizens_applications_with_their_one_errand(env: Any, client: Any) -> None:
    browser = _browser(env, DEMO_CITIZEN_ID)
    empty = browser.get("/bundles/mine")
    assert empty.status_code == 200 and 'data-testid="none"' in empty.text
    assert "/bundles/mine" in browser.get("/").text  # linked from the portal
    assert "/bundles/mine" in browser.get("/errands").text  # and from "my errands"
    browser, location = _apply(env, client)
    code = location.rsplit("/", 1)[1]
    page = browser.get("/bundles/mine")
    assert page.status_code == 200
    assert f'data-code="{code}"' in page.text and "新生儿出生一件事" in page.text
    assert_in_words(page.text, "/bundles/mine", lang="zh")
    status = browser.get(location).text
    errand = status.split('href="/errands/', 1)[1].split('"', 1)[0]
    assert f"/errands/{errand}" in page.text  # one errand code for the bundle, on both pages
    thread = browser.get(f"/errands/{errand}")
    assert thread.status_code == 200 and location in thread.text
    assert thread.text.count('data-step="case"') == 4  # the four department tasks in one thread
    # Another citizen sees only their own applications (none); staff are sent to the coordinator's view.
    _, stranger = register_citizen(client)
    assert client.get("/api/v1/bundle-applications", headers=stranger).json() == []
    staff = _browser(env, "clerk1").get("/bundles/mine", follow_redirects=False)
    assert (staff.status_code, staff.headers["location"]) == (303, "/bundles/coordination")
