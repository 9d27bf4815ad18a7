"""Annex B at the kiosk in a real browser: spoken prompts (speechSynthesis, zh-CN) behind a toggle kept on the
device, silent and hidden where the browser has no speech; identification with the code the citizen's phone shows
(/me/kiosk-code, a 390×844 phone), typed at the kiosk (1080×1920). Screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.cases.helpers import li_ming
from tests.conftest import screenshot
from tests.web.test_every_page import HALL, KIOSK

pytestmark = pytest.mark.e2e
KIOSK_SCREEN = {"width": 1080, "height": 1920}
# A recording speechSynthesis: what would be said, in which language (headless Chromium has no voices).
FAKE_SPEECH = """(() => {
  window.__said = [];
  const fake = {speak(u) { window.__said.push({text: u.text, lang: u.lang}); }, cancel() {}, getVoices() { return []; },
                speaking: false, pending: false, paused: false};
  Object.defineProperty(window, 'speechSynthesis', {value: fake, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ''; };
})();"""
NO_SPEECH = """(() => {
  Object.defineProperty(window, 'speechSynthesis', {value: undefined, configurable: true});
  window.SpeechSynthesisUtterance = undefined;
})();"""


def _said(page: Any, words: str) -> bool:
    """Whether the page has said ``words`` within 5 s (polled from here: the page's CSP forbids eval polling)."""
    for _ in range(50):
        if any(words in s["text"] for s in page.evaluate("window.__said")):
            return True
        page.wait_for_timeout(100)
    return False


def test_spoken_prompts_toggle_and_speak_in_chinese(live_server: str, browser: Any) -> None:
    context = browser.new_context(locale="zh-CN", viewport=KIOSK_SCREEN, extra_http_headers=KIOSK)
    context.add_init_script(FAKE_SPEECH)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/kiosk/{HALL}/self")
        toggle = page.get_by_test_id("speech-toggle")
        assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
        assert toggle.inner_text() == "语音提示:关"
        assert page.evaluate("window.__said") == []  # off by default: nothing said
        toggle.click()
        assert toggle.get_attribute("aria-pressed") == "true" and toggle.inner_text() == "语音提示:开"
        said = page.evaluate("window.__said")
        assert said and said[-1]["lang"] == "zh-CN" and "请刷身份证" in said[-1]["text"], said
        screenshot(page, "staff14-kiosk-speech-on")
        # kept on the device: the next page speaks its own prompt without being asked
        page.get_by_test_id("card-tray").fill("690102199003071232")
        page.get_by_test_id("card-read").click()
        page.wait_for_selector("[data-testid=self-item]")
        assert _said(page, "请选择要办理的事项")
        assert page.get_by_test_id("speech-toggle").get_attribute("aria-pressed") == "true"
        # the ticket menu speaks too
        page.goto(f"{live_server}/kiosk/{HALL}")
        assert _said(page, "选择要办的事取号")
        # off again: silence
        page.get_by_test_id("speech-toggle").click()
        page.reload()  # the recorder starts empty on each page
        page.wait_for_timeout(600)
        assert page.evaluate("window.__said") == []
        assert page.get_by_test_id("speech-toggle").get_attribute("aria-pressed") == "false"
    finally:
        context.close()


def test_without_speech_the_toggle_is_hidden_and_the_kiosk_works(live_server: str, browser: Any) -> None:
    context = browser.new_context(locale="zh-CN", viewport=KIOSK_SCREEN, extra_http_headers=KIOSK)
    context.add_init_script(NO_SPEECH)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server}/kiosk/{HALL}/self")
        assert not page.get_by_test_id("speech-toggle").is_visible()
        page.get_by_test_id("card-tray").fill("690102199003071232")
        page.get_by_test_id("card-read").click()
        page.wait_for_selector("[data-testid=self-item]")
        assert errors == []
    finally:
        context.close()


def test_the_phone_code_typed_at_the_kiosk(env: Any, client: Any, live_server: str, browser: Any) -> None:
    headers = li_ming(client)
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, extra_http_headers=headers)
    kiosk = browser.new_context(locale="zh-CN", viewport=KIOSK_SCREEN, extra_http_headers=KIOSK)
    try:
        mine = phone.new_page()
        mine.goto(f"{live_server}/me/kiosk-code")
        code = mine.get_by_test_id("kiosk-code-text").inner_text().strip()
        assert re.fullmatch(r"[2-9A-Z-]{12,20}", code), code
        box = mine.locator("[data-testid=kiosk-code-qr] svg").bounding_box()
        assert box is not None and box["width"] >= 200 and box["x"] + box["width"] <= 390
        screenshot(mine, "staff14-phone-kiosk-code")
        page = kiosk.new_page()
        page.goto(f"{live_server}/kiosk/{HALL}/self")
        page.get_by_test_id("qr-token").fill(code)
        page.locator("[data-testid=via-qr] button[type=submit]").click()
        page.wait_for_selector("[data-testid=self-item]")
        screenshot(page, "staff14-kiosk-after-phone-code")
    finally:
        phone.close()
        kiosk.close()
