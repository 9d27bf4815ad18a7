"""Security headers on every response, a CSP the pages actually work under (checked in Chromium), the vendored
Swagger UI, the Secure cookie and login CSRF (issue 12, items 14 and 15)."""

from __future__ import annotations

from typing import Any

from tests.conftest import screenshot
from tests.factories import assert_problem

HALL = "H-690102"
FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _has_headers(response: Any, *, no_store: bool = True) -> None:
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert ("no-store" in response.headers.get("cache-control", "")) is no_store, response.request.url


class TestEveryResponse:
    def test_pages_api_errors_and_static_files(self, client):
        _has_headers(client.get("/"))
        _has_headers(client.get("/login"))
        _has_headers(client.get("/api/v1/halls"))
        _has_headers(client.get("/api/v1/no-such-thing"))
        _has_headers(client.get("/api/v1/me"))
        _has_headers(client.get("/static/css/app.css"), no_store=False)

    def test_each_response_has_its_own_nonce(self, client):
        first = client.get("/login").headers["content-security-policy"]
        second = client.get("/login").headers["content-security-policy"]
        assert first != second

    def test_personal_data_is_never_cached(self, client):
        _, _ = None, None
        r = client.post("/login", data={"username": "690102199003071232", "password": "smarthall-demo"})
        assert "no-store" in r.headers["cache-control"]
        assert "no-store" in client.get("/api/v1/me/profile").headers["cache-control"]


class TestDocs:
    def test_docs_use_the_vendored_swagger_ui(self, client):
        page = client.get("/docs")
        assert page.status_code == 200
        assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower() and "https://" not in page.text
        assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
        assert_problem(client.get("/redoc"), 404, "not_found")  # ReDoc loaded from a CDN: not served


class TestCookie:
    def test_secure_behind_https(self, env):
        from fastapi.testclient import TestClient

        with TestClient(env.app, base_url="https://testserver") as https:
            r = https.post("/login", data={"username": "admin1", "password": "smarthall-demo"}, follow_redirects=False)
            assert r.status_code == 303
            cookie = r.headers["set-cookie"].lower()
            assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
            assert "strict-transport-security" in r.headers

    def test_not_secure_over_plain_http_unless_set(self, client):
        r = client.post("/login", data={"username": "admin1", "password": "smarthall-demo"}, follow_redirects=False)
        assert "secure" not in r.headers["set-cookie"].lower()


class TestLoginCsrf:
    def test_a_cross_origin_login_post_is_refused(self, client):
        form = {"username": "admin1", "password": "smarthall-demo"}
        r = client.post("/login", data=form, headers={"Origin": "http://evil.example"}, follow_redirects=False)
        assert_problem(r, 403, "csrf_rejected")
        assert "smarthall_session" not in r.cookies
        r = client.post("/login", data=form, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
        assert_problem(r, 403, "csrf_rejected")
        r = client.post("/login", data=form, headers={"Origin": "null"}, follow_redirects=False)
        assert_problem(r, 403, "csrf_rejected")
        ok = client.post("/login", data=form, headers={"Origin": "http://testserver"}, follow_redirects=False)
        assert ok.status_code == 303 and "smarthall_session" in ok.cookies

    def test_hx_request_does_not_skip_the_origin_check(self, client):
        client.post("/login", data={"username": "admin1", "password": "smarthall-demo"}, follow_redirects=False)
        r = client.post("/api/v1/catalog/import", content=b"{}", headers={"HX-Request": "true"})
        assert_problem(r, 403, "csrf_rejected")
        r = client.post(
            "/api/v1/catalog/import", content=b"{}", headers={"HX-Request": "true", "Origin": "http://evil.example"}
        )
        assert_problem(r, 403, "csrf_rejected")


class TestFeedbackOwnership:
    def test_only_the_asker_or_staff_may_mark_an_answer_not_helpful(self, client):
        from tests.conftest import auth

        answer = client.post("/api/v1/consult/ask", json={"question": "社保卡丢了怎么补"}).json()
        stranger = client.post(
            "/api/v1/consult/feedback", json={"question_id": answer["question_id"], "helpful": False}
        )
        assert_problem(stranger, 403, "not_the_asker")
        forged = {"question_id": answer["question_id"], "helpful": False, "feedback_token": "0" * 32}
        assert_problem(client.post("/api/v1/consult/feedback", json=forged), 403, "not_the_asker")
        staff = client.post(
            "/api/v1/consult/feedback",
            json={"question_id": answer["question_id"], "helpful": False},
            headers=auth(client, "guide1"),
        )
        assert staff.status_code == 200


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"error: {e}"))
    return problems


def test_pages_work_under_the_csp_in_chromium(live_server, page):
    problems = _watch(page)
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "hallmanager1")
    page.fill("input[name=password]", "smarthall-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/admin/catalog")
    page.fill("input[name=q]", "注销")  # htmx search swaps the list in place
    page.wait_for_function("document.body.innerText.includes('个体工商户注销登记')")
    page.goto(f"{live_server}/evaluation/stats")  # ECharts with the nonce'd inline script
    page.wait_for_selector("canvas, svg", timeout=15000)
    screenshot(page, "csp-evaluation-stats")
    page.goto(f"{live_server}/board/{HALL}")  # SSE board with its inline script
    page.wait_for_timeout(500)
    screenshot(page, "csp-board")
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".opblock", timeout=20000)  # Swagger UI rendered the operations
    screenshot(page, "csp-docs")
    page.goto(f"{live_server}/ask")
    page.fill("textarea[name=question], input[name=question]", "社保卡丢了怎么补")
    page.keyboard.press("Enter") if page.locator("input[name=question]").count() else page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=not-helpful]", timeout=15000)
    page.click("[data-testid=not-helpful]")
    page.wait_for_load_state()
    assert "感谢" in page.inner_text("body")
    screenshot(page, "csp-ask-feedback")
    assert problems == []
