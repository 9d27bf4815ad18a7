"""The kiosk camera's stills read on the server (Annex B): a JPEG or PNG frame holding the citizen's phone code
gives the code back, which then identifies at the kiosk; a frame without a code says so; bytes that are no image,
or a caller that is no kiosk, are refused with problem+json; the identify and form steps allow the camera."""

from __future__ import annotations

import io
import re
from typing import Any

import segno
from PIL import Image

from tests.cases.helpers import li_ming
from tests.factories import assert_problem
from tests.venue.test_self_service import HALL, kiosk
from tests.web.test_every_page import DISPLAY, KIOSK

CODE = re.compile(r'data-testid="kiosk-code-text">([^<]+)<')


def frame(text: str | None, kind: str = "JPEG") -> bytes:
    """A 1280×720 camera still, grey, with the QR of ``text`` held off-centre (or nothing)."""
    still = Image.new("RGB", (1280, 720), (90, 90, 95))
    if text is not None:
        qr = io.BytesIO()
        segno.make(text, micro=False).save(qr, kind="png", scale=9, border=3)
        still.paste(Image.open(qr).convert("RGB"), (700, 160))
    out = io.BytesIO()
    still.save(out, kind)
    return out.getvalue()


def test_a_frame_with_the_phone_code_identifies_at_the_kiosk(env: Any, client: Any) -> None:
    page = client.get("/me/kiosk-code", headers=li_ming(client))
    code = CODE.search(page.text).group(1)  # type: ignore[union-attr]
    read = client.post("/api/v1/venue/scan", content=frame(code), headers={**KIOSK, "Content-Type": "image/jpeg"})
    assert read.status_code == 200 and read.json() == {"found": True, "codes": [code]}, read.text
    png = client.post("/api/v1/venue/scan", content=frame(code, "PNG"), headers={**KIOSK, "Content-Type": "image/png"})
    assert png.json()["codes"] == [code]
    with kiosk(env) as k:
        shown = k.get(f"/kiosk/{HALL}/self")
        assert "camera=(self)" in shown.headers["permissions-policy"] and 'data-testid="camera-qr"' in shown.text
        done = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "qr", "token": read.json()["codes"][0]})
        assert done.status_code == 200 and 'data-testid="self-item"' in done.text
        assert "camera=()" in done.headers["permissions-policy"]  # the item step needs no camera
        form = k.get(f"/kiosk/{HALL}/self/form?item=SC-002")
        assert "camera=(self)" in form.headers["permissions-policy"] and 'data-testid="camera-m-' in form.text


def test_no_code_bad_bytes_and_wrong_callers(client: Any) -> None:
    empty = client.post("/api/v1/venue/scan", content=frame(None), headers={**KIOSK, "Content-Type": "image/jpeg"})
    assert empty.status_code == 200 and empty.json() == {"found": False, "codes": []}
    for junk in (b"", b"not an image at all", b"GIF89a" + b"\0" * 40):
        assert_problem(client.post("/api/v1/venue/scan", content=junk, headers=KIOSK), 422, "scan_not_an_image")
    huge = b"\xff\xd8" + b"\0" * (2 * 1024 * 1024 + 10)
    bad = client.post("/api/v1/venue/scan", content=huge, headers=KIOSK)
    assert 400 <= bad.status_code < 500 and bad.headers["content-type"].startswith("application/problem+json")
    assert client.post("/api/v1/venue/scan", content=frame("x")).status_code == 401
    assert_problem(client.post("/api/v1/venue/scan", content=frame("x"), headers=DISPLAY), 403, "forbidden_role")
