"""The kiosk camera in a real Chromium (Annex B): Chromium's fake camera plays a .y4m still holding the citizen's
phone identity code (/me/kiosk-code); pressing 用摄像头扫码 captures frames, the server reads the QR, and the visit is
the citizen's. On the form a material is photographed with the same camera and lands in the upload field (the code
printed on it read too). Without a camera the block says so and typing still works. Kiosk 1080×1920 screenshots,
normal and large text."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import segno
from PIL import Image

from tests.cases.helpers import li_ming
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, screenshot
from tests.web.test_every_page import HALL, KIOSK

pytestmark = pytest.mark.e2e
KIOSK_SCREEN = {"width": 1080, "height": 1920}
CODE = re.compile(r'data-testid="kiosk-code-text">([^<]+)<')


def y4m(path: Path, text: str, frames: int = 3) -> Path:
    """A 640×480 4:2:0 YUV4MPEG2 clip of ``text``'s QR on a grey wall, as a camera would see a phone held up."""
    still = Image.new("RGB", (640, 480), (120, 120, 125))
    qr = io.BytesIO()
    segno.make(text, micro=False).save(qr, kind="png", scale=6, border=3)
    code = Image.open(qr).convert("RGB")
    still.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    y, cb, cr = still.convert("YCbCr").split()
    half = (320, 240)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def _code(client: Any) -> str:
    page = client.get("/me/kiosk-code", headers=li_ming(client))
    return CODE.search(page.text).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize("large", [False, True])
def test_the_camera_reads_the_phone_code_and_photographs_a_material(
    large: bool, env: Any, client: Any, live_server: str, browser: Any, tmp_path: Path
) -> None:
    code = _code(client)
    clip = y4m(tmp_path / "phone.y4m", code)
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}"]  # fmt: skip
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        context = camera_browser.new_context(locale="zh-CN", viewport=KIOSK_SCREEN, extra_http_headers=KIOSK)
        context.grant_permissions(["camera"])
        page = context.new_page()
        suffix = "?large=1" if large else ""
        page.goto(f"{live_server}/kiosk/{HALL}/self{suffix}")
        assert page.get_by_test_id("camera-qr").is_visible()
        name = "large" if large else "normal"
        screenshot(page, f"venue14-kiosk-identify-camera-{name}")
        page.get_by_test_id("camera-start").click()
        page.wait_for_selector("[data-testid=self-item]", timeout=20000)
        assert page.evaluate("document.body.classList.contains('large-text')") is large
        # a material photographed with the camera lands in its upload field; the code printed on it is read
        page.goto(f"{live_server}/kiosk/{HALL}/self/form?item=SC-001")
        block = page.locator("[data-camera][data-mode=photo]").first
        material = (block.get_attribute("data-target") or "").removeprefix("m-")
        page.get_by_test_id(f"camera-start-{material}").click()
        page.get_by_test_id(f"camera-shoot-{material}").click()
        status = page.get_by_test_id(f"camera-status-{material}")
        page.wait_for_function(
            "el => el.dataset.state === 'tTakenQr'", arg=status.element_handle(), timeout=10000
        )
        assert code in status.inner_text()
        attached = page.evaluate(
            "t => { const f = document.querySelector(`[data-testid='${t}']`).files[0];"
            " return f ? [f.name, f.type, f.size] : null; }",
            f"m-{material}",
        )
        assert attached and attached[0] == f"scan-{material}.jpg" and attached[1] == "image/jpeg" and attached[2] > 5000
        screenshot(page, f"venue14-kiosk-material-photo-{name}")
        context.close()
    finally:
        camera_browser.close()


def test_without_a_camera_the_kiosk_says_so_and_typing_works(client: Any, live_server: str, browser: Any) -> None:
    code = _code(client)
    context = browser.new_context(locale="zh-CN", viewport=KIOSK_SCREEN, extra_http_headers=KIOSK)
    try:
        page = context.new_page()  # headless Chromium without a fake device: no camera at all
        page.goto(f"{live_server}/kiosk/{HALL}/self")
        page.get_by_test_id("camera-start").click()
        status = page.get_by_test_id("camera-status")
        page.wait_for_function("el => el.dataset.state === 'tNoCamera'", arg=status.element_handle(), timeout=10000)
        assert "摄像头不可用" in status.inner_text() and not page.get_by_test_id("camera-start").is_visible()
        screenshot(page, "venue14-kiosk-no-camera")
        page.get_by_test_id("qr-token").fill(code)
        page.locator("[data-testid=via-qr] button[type=submit]").click()
        page.wait_for_selector("[data-testid=self-item]")
    finally:
        context.close()
    # a browser without mediaDevices at all (plain http on another host): the button never shows, the words do
    bare = browser.new_context(locale="zh-CN", viewport=KIOSK_SCREEN, extra_http_headers=KIOSK)
    bare.add_init_script("Object.defineProperty(navigator, 'mediaDevices', {value: undefined});")
    try:
        page = bare.new_page()
        page.goto(f"{live_server}/kiosk/{HALL}/self")
        assert page.get_by_test_id("camera-qr").is_visible() and not page.get_by_test_id("camera-start").is_visible()
        assert "摄像头不可用" in page.get_by_test_id("camera-status").inner_text()
    finally:
        bare.close()
