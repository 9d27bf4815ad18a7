"""OCR in the pre-check (证照比对, issue 18 item 4) through the real HTTP API: a business licence uploaded as an
image is read and its credit code, name and validity compared with the form — differences, an ended validity and
an unreadable scan become findings the clerk sees (and stop an instant approval), never a refusal; without the
engine the case says the scans were not compared. The engine is replaced at its interface (``ocr.engine.engine``)
by a fake that returns fixed lines, so the comparison is tested whether or not the ``ocr`` extra is installed."""

from __future__ import annotations

import importlib.util
import io
from typing import Any

import pytest

from smarthall.ocr import engine as engine_mod
from tests.cases.helpers import HALL, li_ming, prefilled, upload
from tests.conftest import auth

OTHER_CODE = "91350100M000100Y43"  # a valid credit code that is not the applicant's


class FakeEngine:
    name = "fake"

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def read(self, image: bytes) -> list[engine_mod.Line]:
        return [engine_mod.Line(text, 0.95, 40.0 * i, 10.0) for i, text in enumerate(self.lines)]


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 40), (240, 240, 240)).save(out, format="PNG")
    return out.getvalue()


def submit_with_scan(client: Any, scan: bytes) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    citizen = li_ming(client)
    form, _ = prefilled(client, citizen, "SC-003")
    form.setdefault("cancel_reason", "停止经营")
    file_id = upload(client, citizen, scan, name="licence.png", content_type="image/png")
    body = {"item_code": "SC-003", "hall_code": HALL, "form": form,
            "materials": [{"material_code": "SC-003-M02", "file_id": file_id}]}  # fmt: skip
    r = client.post("/api/v1/cases", headers=citizen, json=body)
    assert r.status_code == 201, r.text
    return r.json(), form, citizen


def use_engine(monkeypatch: pytest.MonkeyPatch, fake: FakeEngine | None) -> None:
    monkeypatch.setattr(engine_mod, "engine", lambda *, enabled=True: fake if enabled else None)


def codes(created: dict[str, Any]) -> list[str]:
    return sorted(f["code"] for f in created["precheck"]["findings"] if f["code"].startswith("scan_"))


def test_a_licence_scan_that_differs_from_the_form_and_has_expired_is_flagged(client, env, monkeypatch):
    form, _ = prefilled(client, li_ming(client), "SC-003")
    use_engine(monkeypatch, FakeEngine([
        "营业执照", f"统一社会信用代码 {OTHER_CODE}", f"名称 {form['shop_name']}", "经营者 李明",
        "有效期 2020年01月01日至2025年12月31日",
    ]))  # fmt: skip
    created, form, citizen = submit_with_scan(client, png())
    assert created["precheck"]["scans"] == "read" and created["precheck"]["passed"] is False
    assert codes(created) == ["scan_expired", "scan_mismatch"]  # the name agrees: no finding for it
    mismatch = next(f for f in created["precheck"]["findings"] if f["code"] == "scan_mismatch")
    assert mismatch["target"] == "SC-003-M02" and "统一社会信用代码" in mismatch["message_zh"]
    assert OTHER_CODE not in mismatch["message_zh"]  # what was read is not echoed
    page = client.get(f"/cases/{created['case_no']}", headers=auth(client, "clerk1")).text
    assert "与表单填写不一致" in page and "已过期" in page and "已识别并与表单比对" in page


def test_a_scan_that_agrees_passes_and_an_unreadable_or_broken_one_is_flagged(client, env, monkeypatch):
    form, _ = prefilled(client, li_ming(client), "SC-003")
    use_engine(monkeypatch, FakeEngine([f"统一社会信用代码 {form['uscc']}", "有效期 2020年01月01日至长期"]))
    agrees, _, _ = submit_with_scan(client, png())
    assert codes(agrees) == [] and agrees["precheck"]["scans"] == "read"
    use_engine(monkeypatch, FakeEngine(["模糊", "看不清"]))
    assert codes(submit_with_scan(client, png())[0]) == ["scan_unreadable"]
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a PNG header and nothing an image decoder accepts
    assert codes(submit_with_scan(client, broken)[0]) == ["scan_unreadable"]


def test_without_the_engine_the_scans_are_not_compared_and_the_page_says_so(client, env, monkeypatch):
    use_engine(monkeypatch, None)
    created, _, citizen = submit_with_scan(client, png())
    assert created["precheck"]["scans"] == "unavailable" and codes(created) == []
    page = client.get(f"/cases/{created['case_no']}", headers=auth(client, "clerk1")).text
    assert "证照识别不可用" in page
    env.settings.ocr_enabled = False  # switched off: the same, even with an engine
    use_engine(monkeypatch, FakeEngine(["模糊"]))
    assert submit_with_scan(client, png())[0]["precheck"]["scans"] == "unavailable"


# --- scanned PDFs: each page rendered (``ocr.rendering``, PDFium) and read like a photo -----------------------------

HAVE_ENGINE = importlib.util.find_spec("rapidocr_onnxruntime") is not None


class RecordingEngine(FakeEngine):
    """The fake engine, keeping the images it was given (to see what the rendering handed over)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines)
        self.images: list[bytes] = []

    def read(self, image: bytes) -> list[engine_mod.Line]:
        self.images.append(image)
        return super().read(image)


def scanned_pdf(env: Any, lines: list[str], pages: int = 1) -> bytes:
    """A PDF of scanned pages: each page an image of black text on paper (as a scanner writes it: no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = env.settings.font_path()
    font = ImageFont.truetype(str(font_path), 40) if font_path else ImageFont.load_default()
    images = []
    for _ in range(pages):
        img = Image.new("RGB", (1240, 1754), (250, 250, 247))  # A4 at 150 dpi
        draw = ImageDraw.Draw(img)
        for i, text in enumerate(lines):
            draw.text((120, 200 + 90 * i), text, font=font, fill=(15, 15, 15))
        images.append(img)
    out = io.BytesIO()
    images[0].save(out, format="PDF", resolution=150, save_all=True, append_images=images[1:])
    return out.getvalue()


def submit_with_pdf(client: Any, scan: bytes) -> dict[str, Any]:
    citizen = li_ming(client)
    form, _ = prefilled(client, citizen, "SC-003")
    form.setdefault("cancel_reason", "停止经营")
    file_id = upload(client, citizen, scan, name="licence.pdf", content_type="application/pdf")
    body = {"item_code": "SC-003", "hall_code": HALL, "form": form,
            "materials": [{"material_code": "SC-003-M02", "file_id": file_id}]}  # fmt: skip
    r = client.post("/api/v1/cases", headers=citizen, json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_scanned_pdf_is_rendered_page_by_page_and_compared(client, env, monkeypatch):
    from PIL import Image

    form, _ = prefilled(client, li_ming(client), "SC-003")
    fake = RecordingEngine([f"统一社会信用代码 {OTHER_CODE}", "有效期 2020年01月01日至长期"])
    use_engine(monkeypatch, fake)
    created = submit_with_pdf(client, scanned_pdf(env, ["营业执照", "(正本)"], pages=3))
    assert created["precheck"]["scans"] == "read" and codes(created) == ["scan_mismatch"]
    assert len(fake.images) == 2  # a licence's front and back: later pages are not read
    with Image.open(io.BytesIO(fake.images[0])) as page:  # a PNG of the A4 page at 144 dpi
        assert page.format == "PNG" and (page.width, page.height) == (1191, 1684)

    fake.lines = [f"统一社会信用代码 {form['uscc']}"]
    assert codes(submit_with_pdf(client, scanned_pdf(env, ["营业执照"]))) == []  # agrees: nothing to flag
    broken = submit_with_pdf(client, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")  # opens no page
    assert codes(broken) == ["scan_unreadable"] and broken["precheck"]["scans"] == "read"


def test_without_the_engine_a_scanned_pdf_is_not_compared_and_healthz_says_what_reads_pdfs(client, env, monkeypatch):
    use_engine(monkeypatch, None)
    created = submit_with_pdf(client, scanned_pdf(env, ["营业执照"]))
    assert created["precheck"]["scans"] == "unavailable" and codes(created) == []
    assert "证照识别不可用" in client.get(f"/cases/{created['case_no']}", headers=auth(client, "clerk1")).text
    report = client.get("/healthz").json()["features"]["ocr"]
    assert report["pdf_pages"] == "pypdfium2" and "application/pdf" in report["reads"]
    assert report["available"] is HAVE_ENGINE  # without the extra: "unavailable", as for images


@pytest.mark.skipif(not HAVE_ENGINE, reason="the ocr extra (rapidocr-onnxruntime) is not installed")
def test_the_engine_reads_a_generated_scanned_pdf(client, env):
    form, _ = prefilled(client, li_ming(client), "SC-003")
    agrees = submit_with_pdf(client, scanned_pdf(env, ["营业执照", f"统一社会信用代码 {form['uscc']}"]))
    assert agrees["precheck"]["scans"] == "read" and codes(agrees) == []
    differs = submit_with_pdf(client, scanned_pdf(env, ["营业执照", f"统一社会信用代码 {OTHER_CODE}"]))
    assert codes(differs) == ["scan_mismatch"]
