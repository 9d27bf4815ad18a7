"""Large-text mode scales every control (issue 16 item 7): inputs, selects, buttons and checkboxes grow with the
text, measured as computed sizes in Chromium, on the ask page, the guidance card and the kiosk. Screenshots saved."""

from __future__ import annotations

from typing import Any

import pytest

from smarthall.demo import KIOSK_KEY
from tests.conftest import screenshot

pytestmark = pytest.mark.e2e

SIZES = """sel => Array.from(document.querySelectorAll(sel)).filter(el => el.offsetParent !== null).map(el => {
  const s = getComputedStyle(el), r = el.getBoundingClientRect();
  return {tag: el.tagName, type: el.type || '', font: parseFloat(s.fontSize), height: r.height, width: r.width};
})"""
CONTROLS = "main input:not([type=hidden]), main select, main textarea, main button"


def _controls(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate(SIZES, CONTROLS))


@pytest.mark.parametrize("path", ["/ask?large=1", "/ask/item/GA-002?large=1"])
def test_every_control_grows_in_large_text_mode(live_server: str, page: Any, path: str) -> None:
    page.goto(f"{live_server}{path.replace('large=1', 'large=0')}")
    normal = _controls(page)
    page.goto(f"{live_server}{path}")
    large = _controls(page)
    assert large, "the page has controls"
    for control in large:
        if control["type"] in ("checkbox", "radio"):
            assert control["width"] >= 28, control
        else:
            assert control["font"] >= 22, control
            assert control["height"] >= 48, control  # a target a finger or an unsteady hand hits
    assert max(c["font"] for c in normal if c["type"] not in ("checkbox", "radio")) < 22
    screenshot(page, "journeys2-large-" + path.split("?")[0].strip("/").replace("/", "-"))


def test_the_kiosk_controls_grow_too(live_server: str, browser: Any) -> None:
    context = browser.new_context(
        locale="zh-CN", extra_http_headers={"X-Device-Key": KIOSK_KEY}, viewport={"width": 1080, "height": 1920}
    )
    try:
        kiosk = context.new_page()
        kiosk.goto(f"{live_server}/kiosk/H-690102?large=1")
        controls = _controls(kiosk)
        assert controls
        small = [c for c in controls if c["type"] not in ("checkbox", "radio") and c["font"] < 22]
        assert small == [], small
        screenshot(kiosk, "journeys2-large-kiosk")
    finally:
        context.close()
