"""Every page of the walk in tests/web/test_every_page.py on a 390×844 phone, in Chinese, as the person it is for
(issue 16 "no horizontal scroll at 390 px"): the document is no wider than the screen, and no element sticks out of
it, is squeezed too narrow to type in, or is clipped by a box too narrow for it (text for screen readers only,
``.sr-only``, is clipped on purpose). A table inside a scrolling wrapper may be wider: a person swipes it.
Large-text mode is checked the same way on the pages that offer it. A screenshot of every page is saved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import screenshot
from tests.e2e.test_every_page_axe_e2e import _context
from tests.web.test_every_page import VISITS, _morning

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}

# Screens built for one fixed wall or kiosk size, not for a phone: checked at their own sizes in their own tests.
FIXED_SCREENS = {
    "/board/{hall_code}",  # the 1920×1080 hall board (test_board_wall_e2e)
    "/board/{hall_code}/zones/{zone_code}",
    "/operations/wall/{hall_code}",  # the 1920×1080 operations wall screen
}
# The pages with a large-text mode (``?large=1``), on a phone too.
LARGE = ["/ask", "/ask/item/{item_code}", "/tickets/{ref}", "/kiosk/{hall_code}", "/kiosk/{hall_code}/self/items"]

FIT = """() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const TYPED = 'input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea';
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden' || el.closest('[hidden], .sr-only')) continue;
    if (s.position === 'absolute' && s.clip.startsWith('rect(0')) continue;  // visually hidden (the sr-only pattern)
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || scrolls(el)) continue;
    if (r.right > vw + 1 || r.left < -1) out.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}`);
    else if (el.matches(TYPED) && r.width < 80)
      out.push(`${name(el)} is squeezed to ${Math.round(r.width)}px`);
    else if ((s.overflowX === 'hidden' || s.overflowX === 'clip') && el.scrollWidth > el.clientWidth + 1
             && !['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName))
      out.push(`${name(el)} clips ${el.scrollWidth - el.clientWidth}px of its content`);
  }
  return {width: document.documentElement.scrollWidth, viewport: window.innerWidth, out: out.slice(0, 6)};
}"""


def _fits(page: Any) -> list[str]:
    fit = page.evaluate(FIT)
    faults = list(fit["out"])
    if fit["width"] > fit["viewport"] + 1:
        faults.insert(0, f"the document is {fit['width']}px wide on a {fit['viewport']}px screen")
    return faults


def _slug(route: str) -> str:
    return route.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "home"


def test_every_page_fits_a_phone(env, client, live_server: str, browser: Any) -> None:
    if env.backend != "sqlite":
        pytest.skip("the browser walk of every page runs once, on SQLite (layout does not depend on the database; "
                    "tests/web/test_every_page.py renders every page on both backends)")  # fmt: skip
    morning = _morning(env, client)
    contexts: dict[str, Any] = {}
    found: dict[str, list[str]] = {}
    visits = [(r, v, False) for r, v in sorted(VISITS.items())] + [(r, VISITS[r], True) for r in LARGE]
    for route, visit, large in visits:
        if visit.status != 200 or visit.fragment or route in FIXED_SCREENS:
            continue
        if visit.who not in contexts:
            contexts[visit.who] = _context(browser, live_server, visit.who, morning, viewport=PHONE)
        page = contexts[visit.who].new_page()
        url = visit.url(morning)
        if large:
            url += ("&" if "?" in url else "?") + "large=1"
        response = page.goto(live_server + url, wait_until="load")
        assert response is not None and response.status == 200, (route, response and response.status)
        faults = _fits(page)
        if faults:
            found[route + (" (large text)" if large else "")] = faults
        screenshot(page, "journeys3-phone-" + _slug(route) + ("-large" if large else ""))
        page.close()
    for context in contexts.values():
        context.close()
    assert found == {}, "\n".join(f"{route}: {faults}" for route, faults in found.items())
