"""A person's browser never lands on problem+json text (issue 16 "4xx/5xx pages", seen on the fresh walk of
journeys16): a mistyped or stale link and a malformed page address answer a page in words — Chinese first,
English with ?lang=en — with the status, the machine code in ``data-code`` and a way home. (The same handler
answers a busy moment with a "try again" link: the demo on SQLite shed /cases/new?item_code=… with 503 JSON while
a background job held the write lock.) API paths and clients that do not ask for HTML keep
problem+json."""

from __future__ import annotations

from tests.conftest import auth

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_mistyped_page_link_is_a_page_in_words(client):
    page = client.get("/cases-mine", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'data-code="not_found"' in page.text and "未找到请求的资源" in page.text and 'href="/"' in page.text
    english = client.get("/cases-mine?lang=en", headers=BROWSER)
    assert english.status_code == 404 and "The requested resource was not found" in english.text
    assert "未找到请求的资源" not in english.text


def test_a_malformed_page_address_is_a_page_in_words(client):
    page = client.get("/staff/courses/not-a-number", headers=BROWSER)
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html"), page.text[:200]
    assert 'data-code="validation_error"' in page.text and "提交的内容未通过校验" in page.text


def test_the_api_and_scripts_keep_problem_json(client):
    api = client.get("/api/v1/cases/NO-SUCH", headers={**BROWSER, **auth(client, "clerk1")})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    script = client.get("/cases-mine")  # no Accept: text/html
    assert script.status_code == 404 and script.headers["content-type"] == "application/problem+json"
