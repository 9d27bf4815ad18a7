"""axe-core (vendored from npm for the tests only) on every page of the walk in tests/web/test_every_page.py, as
the person each page is for, in Chromium: no serious or critical violation anywhere. A page added to the walk is
checked here too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_axe_e2e import _violations
from tests.web.test_every_page import CITIZEN, DISPLAY, HALL, KIOSK, PAD, VISITS, Morning, _morning

pytestmark = pytest.mark.e2e
DEVICES = {"kiosk": KIOSK, "kiosk-done": KIOSK, "display": DISPLAY, "pad": PAD}


def _context(browser: Any, base: str, who: str, morning: Morning, viewport: dict[str, int] | None = None) -> Any:
    """A browser context signed in as ``who`` (or carrying the device's key), at ``viewport`` (desktop by default)."""
    context = browser.new_context(
        locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900}, extra_http_headers=DEVICES.get(who, {})
    )
    if who == "kiosk-done":  # the kiosk whose visitor has just finished a self-service case
        from smarthall.venue.kiosk_pages import VISIT_COOKIE

        cookie = {"name": VISIT_COOKIE, "value": morning.extra["kiosk_visit"], "url": f"{base}/kiosk/"}
        context.add_cookies([cookie])
    if who in DEVICES or who == "anon":
        if who == "kiosk":  # the self-service pages are for a visitor the kiosk has identified
            page = context.new_page()
            page.goto(f"{base}/kiosk/{HALL}/self")
            read = context.request.post(
                f"{base}/kiosk/{HALL}/self/identify",
                form={"how": "card", "id_number": CITIZEN},
                headers={"Origin": base},
            )
            assert read.status == 200, read.text()[-300:]
            page.close()
        return context
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", "smarthall-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.close()
    return context


def test_every_page_has_no_serious_violations(env, client, live_server: str, browser: Any) -> None:
    if env.backend != "sqlite":
        pytest.skip("the browser walk of every page runs once, on SQLite (layout does not depend on the database; "
                    "tests/web/test_every_page.py renders every page on both backends)")  # fmt: skip
    morning = _morning(env, client)
    contexts: dict[str, Any] = {}
    found: dict[str, list[dict[str, Any]]] = {}
    for route, visit in sorted(VISITS.items()):
        if visit.status != 200 or visit.fragment:
            continue
        if visit.who not in contexts:
            contexts[visit.who] = _context(browser, live_server, visit.who, morning)
        page = contexts[visit.who].new_page()
        response = page.goto(live_server + visit.url(morning), wait_until="domcontentloaded")
        assert response is not None and response.status == 200, (route, response and response.status)
        violations = _violations(page)
        if violations:
            found[route] = violations
        page.close()
    for context in contexts.values():
        context.close()
    assert found == {}, "\n".join(f"{route}: {v}" for route, v in found.items())
